#include "tests/journeys/journey_client.h"

#include <google/protobuf/util/json_util.h>

#include <cctype>
#include <cstdio>
#include <ctime>

#include "services/common/auth/jwt.h"
#include "services/common/runtime/json.h"
#include "tests/support/http_client.h"

namespace aftersales::journeys {

Json Json::Parse(const std::string& text) {
  google::protobuf::Value v;
  if (!google::protobuf::util::JsonStringToMessage(text, &v).ok()) return Json();
  return Json(std::move(v));
}

const google::protobuf::Value* Json::Find(const std::string& path) const {
  const google::protobuf::Value* cur = &v_;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string::npos) return nullptr;
      size_t index = std::stoul(path.substr(i + 1, close - i - 1));
      if (!cur->has_list_value() || index >= static_cast<size_t>(cur->list_value().values_size())) {
        return nullptr;
      }
      cur = &cur->list_value().values(static_cast<int>(index));
      i = close + 1;
      continue;
    }
    size_t end = path.find_first_of(".[", i);
    if (end == std::string::npos) end = path.size();
    const std::string key = path.substr(i, end - i);
    if (!cur->has_struct_value()) return nullptr;
    auto it = cur->struct_value().fields().find(key);
    if (it == cur->struct_value().fields().end()) return nullptr;
    cur = &it->second;
    i = end;
  }
  return cur;
}

std::string Json::Str(const std::string& path) const {
  const auto* v = Find(path);
  if (!v) return "";
  if (v->has_string_value()) return v->string_value();
  if (v->has_number_value()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v->number_value());
    return buf;
  }
  if (v->has_bool_value()) return v->bool_value() ? "true" : "false";
  return "";
}

double Json::Num(const std::string& path) const {
  const auto* v = Find(path);
  if (!v) return 0;
  if (v->has_number_value()) return v->number_value();
  if (v->has_string_value()) {
    try {
      return std::stod(v->string_value());
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

bool Json::Bool(const std::string& path) const {
  const auto* v = Find(path);
  return v && v->has_bool_value() && v->bool_value();
}

std::vector<Json> Json::Array(const std::string& path) const {
  std::vector<Json> out;
  const auto* v = Find(path);
  if (!v || !v->has_list_value()) return out;
  for (const auto& e : v->list_value().values()) out.emplace_back(e);
  return out;
}

std::string Describe(const Reply& r) {
  std::string s = r.request;
  s += " -> ";
  s += std::to_string(r.status);
  s += " ";
  s += r.body.substr(0, 4000);
  return s;
}

namespace {
Reply Finish(const testing::HttpResult& h, std::string request) {
  Reply r;
  r.status = h.status;
  r.body = h.body;
  r.json = Json::Parse(r.body);
  r.request = std::move(request);
  r.replayed = h.header("idempotent-replayed") == "true";
  r.retry_after = h.header("retry-after");
  return r;
}
}  // namespace

Reply Caller::Get(const std::string& target) const {
  return Finish(
      testing::HttpRequest(port_, "GET", target, "", {{"Authorization", "Bearer " + token_}}),
      "GET " + target);
}

Reply Caller::Post(const std::string& target, const std::string& body,
                   const std::string& idempotency_key, const std::string& request_id) const {
  std::map<std::string, std::string> headers = {{"Authorization", "Bearer " + token_},
                                                {"Content-Type", "application/json"}};
  if (!idempotency_key.empty()) headers["Idempotency-Key"] = idempotency_key;
  if (!request_id.empty()) headers["X-Request-Id"] = request_id;
  std::string request = "POST ";
  request += target;
  request += " ";
  request += body;
  return Finish(testing::HttpRequest(port_, "POST", target, body, headers), std::move(request));
}

std::string Token(const std::string& secret, const std::string& role, const std::string& sub,
                  const std::string& customer_id, const std::string& engineer_id) {
  auth::Claims c;
  c.sub = sub;
  c.role = role;
  c.exp = std::chrono::system_clock::now() + std::chrono::hours(1);
  c.customer_id = customer_id;
  c.engineer_id = engineer_id;
  return auth::SignJwt(c, secret);
}

std::string Q(const std::string& s) { return JsonString(s); }

std::string UtcDate(int days) {
  std::time_t t = std::time(nullptr) + static_cast<std::time_t>(days) * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string UtcTime(std::chrono::seconds offset) {
  return UtcTime(std::chrono::system_clock::now() + offset);
}

std::string UtcTime(std::chrono::system_clock::time_point at) {
  std::time_t t = std::chrono::system_clock::to_time_t(at);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::chrono::system_clock::time_point ParseUtcTime(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return {};
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::chrono::nanoseconds fraction{0};
  size_t at = static_cast<size_t>(consumed);
  if (at < text.size() && text[at] == '.') {
    long long scale = 100'000'000;
    for (++at; at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])); ++at) {
      fraction += std::chrono::nanoseconds((text[at] - '0') * scale);
      scale /= 10;
    }
  }
  if (at + 1 != text.size() || text[at] != 'Z') return {};
  return std::chrono::system_clock::from_time_t(timegm(&tm)) +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(fraction);
}

}  // namespace aftersales::journeys

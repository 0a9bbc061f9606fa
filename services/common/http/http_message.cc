#include "services/common/http/http_message.h"

#include <strings.h>

#include <atomic>

#include "services/common/runtime/json.h"

namespace aftersales {
namespace {

bool NameEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

void HttpHeaders::Add(std::string name, std::string value) {
  entries_.emplace_back(std::move(name), std::move(value));
}

void HttpHeaders::Set(std::string name, std::string value) {
  Remove(name);
  Add(std::move(name), std::move(value));
}

void HttpHeaders::Remove(std::string_view name) {
  std::erase_if(entries_, [&](const Entry& e) { return NameEquals(e.first, name); });
}

std::optional<std::string_view> HttpHeaders::Get(std::string_view name) const {
  for (const auto& [n, v] : entries_) {
    if (NameEquals(n, name)) {
      return std::string_view(v);
    }
  }
  return std::nullopt;
}

std::string_view HttpHeaders::GetOr(std::string_view name, std::string_view fallback) const {
  const auto v = Get(name);
  return v ? *v : fallback;
}

std::optional<std::string_view> HttpRequest::QueryParam(std::string_view name) const {
  const auto it = query.find(name);
  if (it == query.end()) {
    return std::nullopt;
  }
  return std::string_view(it->second);
}

HttpResponse HttpResponse::Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::Text(int status, std::string body, std::string content_type) {
  HttpResponse r;
  r.status = status;
  r.headers.Set("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

struct HttpResponder::State {
  explicit State(Sink s) : sink(std::move(s)) {}
  ~State() {
    if (!done.exchange(true) && sink) {
      sink(JsonError(500, "INTERNAL", "INTERNAL_ERROR", "the server failed to handle the request"));
    }
  }
  std::atomic<bool> done{false};
  Sink sink;
};

HttpResponder::HttpResponder(Sink sink) : state_(std::make_shared<State>(std::move(sink))) {}

void HttpResponder::operator()(HttpResponse response) const {
  if (!state_ || state_->done.exchange(true)) {
    return;
  }
  // Whatever the sink holds (the connection) goes with this call, not with
  // the last copy of the responder, which a callback API may keep for longer.
  Sink sink = std::move(state_->sink);
  state_->sink = nullptr;
  sink(std::move(response));
}

bool HttpResponder::answered() const { return !state_ || state_->done.load(); }

std::string AcceptableRequestId(std::string_view header) {
  if (header.empty() || header.size() > 128) {
    return "";
  }
  for (char c : header) {
    if (c < 0x21 || c > 0x7e) {
      return "";
    }
  }
  return std::string(header);
}

bool PercentDecode(std::string_view in, bool plus_as_space, std::string& out) {
  std::string decoded;
  decoded.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) {
        return false;
      }
      const int hi = HexValue(in[i + 1]);
      const int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) {
        return false;
      }
      decoded.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      decoded.push_back(' ');
    } else {
      decoded.push_back(c);
    }
  }
  out = std::move(decoded);
  return true;
}

Status ParseTarget(std::string_view target, std::string& path, QueryParams& query) {
  query.clear();
  if (target == "*") {
    path = "*";
    return Status::Ok();
  }
  std::string_view rest = target;
  const size_t hash = rest.find('#');  // a fragment is never sent, but ignore one if it is
  if (hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  for (std::string_view scheme : {"http://", "https://"}) {
    if (rest.size() >= scheme.size() && NameEquals(rest.substr(0, scheme.size()), scheme)) {
      rest.remove_prefix(scheme.size());
      const size_t slash = rest.find_first_of("/?");
      rest = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
      break;
    }
  }
  if (rest.empty() || (rest.front() != '/' && rest.front() != '?')) {
    return InvalidArgument("MALFORMED_TARGET", "the request target must be an absolute path");
  }
  const size_t question = rest.find('?');
  path = std::string(rest.substr(0, question));
  if (path.empty()) {
    path = "/";
  }
  if (question == std::string_view::npos) {
    return Status::Ok();
  }

  std::string_view qs = rest.substr(question + 1);
  while (!qs.empty()) {
    const size_t amp = qs.find('&');
    const std::string_view pair = qs.substr(0, amp);
    qs = amp == std::string_view::npos ? std::string_view() : qs.substr(amp + 1);
    if (pair.empty()) {
      continue;  // "a=1&&b=2"
    }
    const size_t eq = pair.find('=');
    std::string name;
    std::string value;
    if (!PercentDecode(pair.substr(0, eq), true, name) ||
        (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), true, value))) {
      return InvalidArgument("MALFORMED_QUERY", "the query string has a malformed percent-escape");
    }
    query.emplace(std::move(name), std::move(value));
  }
  return Status::Ok();
}

int HttpStatusFromCode(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kCancelled:
      return 499;
    case Code::kUnknown:
      return 500;
    case Code::kInvalidArgument:
      return 400;
    case Code::kDeadlineExceeded:
      return 504;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
      return 409;
    case Code::kPermissionDenied:
      return 403;
    case Code::kResourceExhausted:
      return 429;
    case Code::kFailedPrecondition:
      return 400;
    case Code::kAborted:
      return 409;
    case Code::kOutOfRange:
      return 400;
    case Code::kUnimplemented:
      return 501;
    case Code::kInternal:
      return 500;
    case Code::kUnavailable:
      return 503;
    case Code::kDataLoss:
      return 500;
    case Code::kUnauthenticated:
      return 401;
  }
  return 500;
}

std::string ErrorJson(int http_status, std::string_view status, std::string_view reason,
                      std::string_view message, const std::vector<FieldViolation>& violations) {
  std::string out = "{\"error\":{\"code\":" + std::to_string(http_status) + ",\"status\":";
  AppendJsonString(out, status);
  out += ",\"message\":";
  AppendJsonString(out, message);
  out += ",\"reason\":";
  AppendJsonString(out, reason);
  if (!violations.empty()) {
    out += ",\"fieldViolations\":[";
    for (size_t i = 0; i < violations.size(); ++i) {
      if (i > 0) {
        out += ',';
      }
      out += "{\"field\":";
      AppendJsonString(out, violations[i].field);
      out += ",\"description\":";
      AppendJsonString(out, violations[i].description);
      out += '}';
    }
    out += ']';
  }
  out += "}}";
  return out;
}

HttpResponse JsonError(int http_status, std::string_view status, std::string_view reason,
                       std::string_view message) {
  return HttpResponse::Json(http_status, ErrorJson(http_status, status, reason, message));
}

HttpResponse ErrorResponse(const Status& status) {
  const int http = HttpStatusFromCode(status.code());
  return HttpResponse::Json(http, ErrorJson(http, CodeName(status.code()), status.reason(),
                                            status.message(), status.field_violations()));
}

}  // namespace aftersales

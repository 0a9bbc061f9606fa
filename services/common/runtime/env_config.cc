#include "services/common/runtime/env_config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <memory>

namespace aftersales {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string Trim(std::string_view s) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

std::string FormatDuration(std::chrono::milliseconds d) {
  const long long ms = d.count();
  if (ms != 0 && ms % 3'600'000 == 0) {
    return std::to_string(ms / 3'600'000) + "h";
  }
  if (ms != 0 && ms % 60'000 == 0) {
    return std::to_string(ms / 60'000) + "m";
  }
  if (ms != 0 && ms % 1000 == 0) {
    return std::to_string(ms / 1000) + "s";
  }
  return std::to_string(ms) + "ms";
}

}  // namespace

std::string HostPort::ToString() const {
  if (host.find(':') != std::string::npos) {
    return "[" + host + "]:" + std::to_string(port);
  }
  return host + ":" + std::to_string(port);
}

bool ParseInt(std::string_view text, long long& out) {
  if (text.empty()) {
    return false;
  }
  if (text.front() == '+') {
    text.remove_prefix(1);
  }
  long long v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return false;
  }
  out = v;
  return true;
}

bool ParseDuration(std::string_view text, std::chrono::milliseconds& out) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
    ++digits;
  }
  if (digits == 0) {
    return false;
  }
  long long n = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, n);
  if (ec != std::errc() || ptr != text.data() + digits) {
    return false;
  }
  const std::string_view unit = text.substr(digits);
  long long scale = 0;
  if (unit.empty() || unit == "ms") {
    scale = 1;
  } else if (unit == "s") {
    scale = 1000;
  } else if (unit == "m") {
    scale = 60'000;
  } else if (unit == "h") {
    scale = 3'600'000;
  } else {
    return false;
  }
  if (n > std::numeric_limits<long long>::max() / scale) {
    return false;
  }
  out = std::chrono::milliseconds(n * scale);
  return true;
}

bool ParseBool(std::string_view text, bool& out) {
  const std::string v = Lower(text);
  if (v == "1" || v == "true" || v == "yes" || v == "on") {
    out = true;
    return true;
  }
  if (v == "0" || v == "false" || v == "no" || v == "off") {
    out = false;
    return true;
  }
  return false;
}

bool ParseHostPort(std::string_view text, HostPort& out) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return false;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return false;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    // An unbracketed IPv6 address is ambiguous ("::1:80"): refuse it.
    if (host.find(':') != std::string_view::npos) {
      return false;
    }
  }
  if (host.empty()) {
    return false;
  }
  for (char c : host) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '/' || c == '[' || c == ']') {
      return false;
    }
  }
  long long p = 0;
  if (port.empty() || port.front() == '+' || !ParseInt(port, p) || p < 1 || p > 65535) {
    return false;
  }
  out = HostPort{std::string(host), static_cast<int>(p)};
  return true;
}

EnvConfig::EnvConfig(Getenv getenv) : getenv_(std::move(getenv)) {
  if (!getenv_) {
    getenv_ = [](const char*) -> const char* { return nullptr; };
  }
}

EnvConfig EnvConfig::FromMap(std::map<std::string, std::string> vars) {
  // Shared so that copies of the std::function keep the strings alive.
  auto owned = std::make_shared<const std::map<std::string, std::string>>(std::move(vars));
  return EnvConfig([owned](const char* name) -> const char* {
    const auto it = owned->find(name);
    return it == owned->end() ? nullptr : it->second.c_str();
  });
}

const char* EnvConfig::Lookup(const std::string& name) const {
  const char* v = getenv_(name.c_str());
  return v == nullptr || *v == '\0' ? nullptr : v;
}

void EnvConfig::Fail(const std::string& name, std::string_view value, std::string_view expected) {
  std::string quoted = "\"";
  for (char c : value) {
    // Keep the message on one line whatever the variable holds.
    quoted += std::iscntrl(static_cast<unsigned char>(c)) ? '?' : c;
  }
  quoted += "\"";
  std::string description = quoted + " is not " + std::string(expected);
  errors_.push_back(name + "=" + description);
  violations_.push_back({name, std::move(description)});
}

std::string EnvConfig::String(const std::string& name, std::string default_value) {
  const char* v = Lookup(name);
  return v == nullptr ? std::move(default_value) : std::string(v);
}

std::string EnvConfig::RequiredString(const std::string& name) {
  const char* v = Lookup(name);
  if (v == nullptr) {
    errors_.push_back(name + " is required but unset or empty");
    violations_.push_back({name, "is required but unset or empty"});
    return "";
  }
  return v;
}

std::string EnvConfig::Choice(const std::string& name, std::string default_value,
                              const std::vector<std::string>& allowed) {
  const char* v = Lookup(name);
  if (v == nullptr) {
    return default_value;
  }
  const std::string want = Lower(Trim(v));
  for (const auto& a : allowed) {
    if (Lower(a) == want) {
      return a;
    }
  }
  std::string expected = "one of";
  for (size_t i = 0; i < allowed.size(); ++i) {
    expected += (i ? ", " : " ") + allowed[i];
  }
  Fail(name, v, expected);
  return default_value;
}

int EnvConfig::Int(const std::string& name, int default_value, int min, int max) {
  const char* v = Lookup(name);
  if (v == nullptr) {
    return default_value;
  }
  long long n = 0;
  if (!ParseInt(Trim(v), n) || n < min || n > max) {
    Fail(name, v, "an integer in " + std::to_string(min) + ".." + std::to_string(max));
    return default_value;
  }
  return static_cast<int>(n);
}

int EnvConfig::Port(const std::string& name, int default_value) {
  const char* v = Lookup(name);
  if (v == nullptr) {
    return default_value;
  }
  long long n = 0;
  if (!ParseInt(Trim(v), n) || n < 1 || n > 65535) {
    Fail(name, v, "a port (1-65535)");
    return default_value;
  }
  return static_cast<int>(n);
}

std::chrono::milliseconds EnvConfig::Duration(const std::string& name,
                                              std::chrono::milliseconds default_value,
                                              std::chrono::milliseconds min,
                                              std::chrono::milliseconds max) {
  const char* v = Lookup(name);
  if (v == nullptr) {
    return default_value;
  }
  std::chrono::milliseconds d{0};
  if (!ParseDuration(Trim(v), d) || d < min || d > max) {
    Fail(name, v,
         "a duration between " + FormatDuration(min) + " and " + FormatDuration(max) +
             " (like 500ms, 30s, 5m, 1h, or plain milliseconds)");
    return default_value;
  }
  return d;
}

bool EnvConfig::Bool(const std::string& name, bool default_value) {
  const char* v = Lookup(name);
  if (v == nullptr) {
    return default_value;
  }
  bool b = false;
  if (!ParseBool(Trim(v), b)) {
    Fail(name, v, "a boolean (true/false, 1/0, yes/no, on/off)");
    return default_value;
  }
  return b;
}

HostPort EnvConfig::HostPortValue(const std::string& name, HostPort default_value) {
  const char* v = Lookup(name);
  if (v == nullptr) {
    return default_value;
  }
  HostPort hp;
  if (!ParseHostPort(Trim(v), hp)) {
    Fail(name, v, "host:port (like redis:6379 or [::1]:6379, port 1-65535)");
    return default_value;
  }
  return hp;
}

Status EnvConfig::Finish() const {
  if (errors_.empty()) {
    return Status::Ok();
  }
  std::string message = "invalid configuration:";
  for (const auto& e : errors_) {
    message += "\n  " + e;
  }
  return InvalidArgument("INVALID_CONFIG", std::move(message), violations_);
}

}  // namespace aftersales

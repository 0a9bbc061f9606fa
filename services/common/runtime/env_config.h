// Process configuration from environment variables, validated up front: every
// bad variable is collected so that a process prints them all and exits 2 at
// start instead of failing on the first one or, worse, later at runtime.
//
//   EnvConfig env;
//   const int port = env.Port("AFTERSALES_GRPC_PORT", 50051);
//   const auto timeout = env.Duration("AFTERSALES_REDIS_TIMEOUT", std::chrono::seconds(2));
//   if (Status s = env.Finish(); !s.ok()) { std::cerr << s.ToString(); return 2; }
#pragma once

#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "services/common/status.h"

namespace aftersales {

struct HostPort {
  std::string host;
  int port = 0;
  std::string ToString() const;  // "host:port", "[::1]:port" for IPv6
  bool operator==(const HostPort&) const = default;
};

class EnvConfig {
 public:
  using Getenv = std::function<const char*(const char*)>;

  // `getenv` is injected so that tests never touch the real environment.
  explicit EnvConfig(Getenv getenv = &::getenv);

  // A getenv over a fixed map, for tests.
  static EnvConfig FromMap(std::map<std::string, std::string> vars);

  // An unset or empty variable yields the default everywhere below: Kubernetes
  // ConfigMaps and shell scripts routinely export empty strings.
  std::string String(const std::string& name, std::string default_value);
  // Empty or unset is an error.
  std::string RequiredString(const std::string& name);
  // One of `allowed` (compared case-insensitively, returned as spelled in `allowed`).
  std::string Choice(const std::string& name, std::string default_value,
                     const std::vector<std::string>& allowed);
  int Int(const std::string& name, int default_value, int min, int max);
  int Port(const std::string& name, int default_value);  // 1-65535
  // "500ms", "30s", "5m", "1h", or a plain number of milliseconds.
  std::chrono::milliseconds Duration(const std::string& name,
                                     std::chrono::milliseconds default_value,
                                     std::chrono::milliseconds min = std::chrono::milliseconds(0),
                                     std::chrono::milliseconds max = std::chrono::hours(24 * 365));
  // true/false, 1/0, yes/no, on/off (any case).
  bool Bool(const std::string& name, bool default_value);
  // "host:port", "[v6addr]:port".
  HostPort HostPortValue(const std::string& name, HostPort default_value);

  // OK, or INVALID_ARGUMENT (reason INVALID_CONFIG) with one field violation per
  // bad variable; the message lists them all, one per line.
  Status Finish() const;
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  // Null when unset or empty.
  const char* Lookup(const std::string& name) const;
  void Fail(const std::string& name, std::string_view value, std::string_view expected);

  Getenv getenv_;
  std::vector<std::string> errors_;
  std::vector<FieldViolation> violations_;
};

// Parsers used by EnvConfig, exposed for other text sources (flags, headers).
// Each returns false and leaves `out` alone on bad input.
bool ParseDuration(std::string_view text, std::chrono::milliseconds& out);
bool ParseInt(std::string_view text, long long& out);
bool ParseBool(std::string_view text, bool& out);
bool ParseHostPort(std::string_view text, HostPort& out);

}  // namespace aftersales

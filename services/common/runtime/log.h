// Structured logs: one JSON object per line, so that the cluster's log
// collector indexes fields instead of grepping prose.
//
//   {"time":"2026-11-21T08:00:00.123Z","level":"INFO","service":"intake",
//    "msg":"ticket reported","request_id":"…","ticket_id":"…","attempt":2}
//
//   log::Info("ticket reported", {{"ticket_id", id}, {"attempt", 2}});
//   ScopedRequestId rid(request_id);  // every line of this thread carries it
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>

#include "services/common/clock.h"
#include "services/common/runtime/env_config.h"

namespace aftersales {

enum class LogLevel : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

const char* LogLevelName(LogLevel level);  // "DEBUG", "INFO", "WARN", "ERROR"
// Case-insensitive; also accepts "warning". False on anything else.
bool ParseLogLevel(std::string_view text, LogLevel& out);

// The level named by an environment variable (debug, info, warn, error; any
// case); a bad value is reported through env.Finish().
LogLevel ReadLogLevel(EnvConfig& env, const std::string& name = "AFTERSALES_LOG_LEVEL",
                      LogLevel default_level = LogLevel::kInfo);

// True for keys whose values must never reach a log: anything whose name
// contains secret, password, passwd, token, authorization, cookie, api_key or
// apikey, in any case. Over-redacting a page token is cheaper than leaking a JWT.
bool IsSecretKey(std::string_view key);
// `value`, or "[REDACTED]" when IsSecretKey(key).
std::string_view Redact(std::string_view key, std::string_view value);

// A field value, already rendered as JSON. Implicit so that call sites read
// {{"ticket_id", id}, {"attempt", 2}, {"ok", true}}.
class LogValue {
 public:
  LogValue(std::string_view s);    // NOLINT(google-explicit-constructor)
  LogValue(const std::string& s);  // NOLINT(google-explicit-constructor)
  LogValue(const char* s);         // NOLINT(google-explicit-constructor)
  LogValue(bool b);                // NOLINT(google-explicit-constructor)
  LogValue(double d);              // NOLINT(google-explicit-constructor)
  template <typename T,
            std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  LogValue(T n) : json_(std::to_string(n)), is_string_(false) {}  // NOLINT

  const std::string& json() const { return json_; }
  bool is_string() const { return is_string_; }

 private:
  std::string json_;
  bool is_string_ = true;
};

struct LogField {
  std::string_view key;
  LogValue value;
};
using LogFields = std::initializer_list<LogField>;

// Sets the calling thread's request id for its lifetime and restores the
// previous one after (scopes nest). Handlers set it from X-Request-Id or the
// gRPC metadata so that every line they log can be joined across services.
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string request_id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
};
// The calling thread's request id, empty when none is set.
const std::string& CurrentRequestId();

struct LoggerOptions {
  std::string service;
  LogLevel level = LogLevel::kInfo;
  const Clock* clock = nullptr;  // null: the system clock; must outlive the logger
};

// Thread-safe: a line is formatted outside the lock and written whole, so
// lines of concurrent threads never interleave.
class Logger {
 public:
  using Sink = std::function<void(std::string_view line)>;

  // Writes to `file` (flushing each line), stderr by default.
  explicit Logger(LoggerOptions options, std::FILE* file = stderr);
  // Writes to `out`, which must outlive the logger.
  Logger(LoggerOptions options, std::ostream& out);
  // Any sink; it is called under the logger's lock with the line and its '\n'.
  Logger(LoggerOptions options, Sink sink);

  void set_level(LogLevel level) { level_.store(static_cast<int>(level)); }
  LogLevel level() const { return static_cast<LogLevel>(level_.load()); }
  bool Enabled(LogLevel level) const { return static_cast<int>(level) >= level_.load(); }
  const std::string& service() const { return service_; }

  void Log(LogLevel level, std::string_view msg, LogFields fields = {});
  void Debug(std::string_view msg, LogFields fields = {}) { Log(LogLevel::kDebug, msg, fields); }
  void Info(std::string_view msg, LogFields fields = {}) { Log(LogLevel::kInfo, msg, fields); }
  void Warn(std::string_view msg, LogFields fields = {}) { Log(LogLevel::kWarn, msg, fields); }
  void Error(std::string_view msg, LogFields fields = {}) { Log(LogLevel::kError, msg, fields); }

  // The line Log would write (without the trailing newline); for tests.
  std::string Format(LogLevel level, std::string_view msg, LogFields fields) const;

 private:
  std::string service_;
  std::atomic<int> level_;
  const Clock* clock_;
  std::mutex mu_;
  Sink sink_;
};
using LoggerPtr = std::unique_ptr<Logger>;

// RFC 3339 UTC with milliseconds: "2026-11-21T08:00:00.123Z".
std::string FormatRfc3339Millis(TimePoint t);

// The process-wide logger used by log::Info etc. Until SetDefaultLogger is
// called it writes to stderr at INFO with an empty service name.
std::shared_ptr<Logger> DefaultLogger();
void SetDefaultLogger(std::shared_ptr<Logger> logger);

namespace log {
void Debug(std::string_view msg, LogFields fields = {});
void Info(std::string_view msg, LogFields fields = {});
void Warn(std::string_view msg, LogFields fields = {});
void Error(std::string_view msg, LogFields fields = {});
}  // namespace log

}  // namespace aftersales

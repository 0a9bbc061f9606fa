#include "services/common/runtime/log.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>
#include <utility>

#include "services/common/runtime/json.h"

namespace aftersales {
namespace {

thread_local std::string t_request_id;

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

const SystemClock& TheSystemClock() {
  static const SystemClock clock;
  return clock;
}

std::mutex& DefaultLoggerMutex() {
  static std::mutex mu;
  return mu;
}

std::shared_ptr<Logger>& DefaultLoggerSlot() {
  static std::shared_ptr<Logger> logger = std::make_shared<Logger>(LoggerOptions{});
  return logger;
}

}  // namespace

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "INFO";
}

bool ParseLogLevel(std::string_view text, LogLevel& out) {
  const std::string v = LowerAscii(text);
  if (v == "debug") {
    out = LogLevel::kDebug;
  } else if (v == "info") {
    out = LogLevel::kInfo;
  } else if (v == "warn" || v == "warning") {
    out = LogLevel::kWarn;
  } else if (v == "error") {
    out = LogLevel::kError;
  } else {
    return false;
  }
  return true;
}

LogLevel ReadLogLevel(EnvConfig& env, const std::string& name, LogLevel default_level) {
  const std::string text =
      env.Choice(name, LogLevelName(default_level), {"DEBUG", "INFO", "WARN", "WARNING", "ERROR"});
  LogLevel level = default_level;
  ParseLogLevel(text, level);
  return level;
}

bool IsSecretKey(std::string_view key) {
  static constexpr std::array<std::string_view, 8> kMarkers = {
      "secret", "password", "passwd", "token", "authorization", "cookie", "api_key", "apikey"};
  const std::string k = LowerAscii(key);
  for (std::string_view m : kMarkers) {
    if (k.find(m) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string_view Redact(std::string_view key, std::string_view value) {
  return IsSecretKey(key) ? std::string_view("[REDACTED]") : value;
}

LogValue::LogValue(std::string_view s) : json_(JsonString(s)) {}
LogValue::LogValue(const std::string& s) : json_(JsonString(s)) {}
LogValue::LogValue(const char* s) : json_(JsonString(s == nullptr ? "" : s)) {}
LogValue::LogValue(bool b) : json_(b ? "true" : "false"), is_string_(false) {}
LogValue::LogValue(double d) : is_string_(false) {
  if (!std::isfinite(d)) {
    // JSON has no NaN/Infinity; a string keeps the line parseable.
    json_ = std::isnan(d) ? "\"NaN\"" : (d > 0 ? "\"+Inf\"" : "\"-Inf\"");
    return;
  }
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, d);
  json_.assign(buf, res.ptr);
}

ScopedRequestId::ScopedRequestId(std::string request_id)
    : previous_(std::exchange(t_request_id, std::move(request_id))) {}
ScopedRequestId::~ScopedRequestId() { t_request_id = std::move(previous_); }

const std::string& CurrentRequestId() { return t_request_id; }

std::string FormatRfc3339Millis(TimePoint t) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  long long ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  long long secs = ms / 1000;
  long long frac = ms % 1000;
  if (frac < 0) {  // before 1970: floor, not truncate
    frac += 1000;
    --secs;
  }
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[96];  // sized for any int fields, so the compiler can prove no truncation
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(frac));
  return buf;
}

Logger::Logger(LoggerOptions options, std::FILE* file)
    : Logger(std::move(options), Sink([file](std::string_view line) {
               std::fwrite(line.data(), 1, line.size(), file);
               std::fflush(file);
             })) {}

Logger::Logger(LoggerOptions options, std::ostream& out)
    : Logger(std::move(options), Sink([&out](std::string_view line) {
               out << line;
               out.flush();
             })) {}

Logger::Logger(LoggerOptions options, Sink sink)
    : service_(std::move(options.service)),
      level_(static_cast<int>(options.level)),
      clock_(options.clock != nullptr ? options.clock : &TheSystemClock()),
      sink_(std::move(sink)) {}

std::string Logger::Format(LogLevel level, std::string_view msg, LogFields fields) const {
  std::string line;
  line.reserve(128 + msg.size());
  line += "{\"time\":\"";
  line += FormatRfc3339Millis(clock_->Now());
  line += "\",\"level\":\"";
  line += LogLevelName(level);
  line += "\",\"service\":";
  AppendJsonString(line, service_);
  line += ",\"msg\":";
  AppendJsonString(line, msg);
  if (!t_request_id.empty()) {
    line += ",\"request_id\":";
    AppendJsonString(line, t_request_id);
  }
  for (const LogField& f : fields) {
    line += ',';
    AppendJsonString(line, f.key);
    line += ':';
    // Only strings can hold a credential; numbers and booleans pass.
    line += f.value.is_string() && IsSecretKey(f.key) ? "\"[REDACTED]\"" : f.value.json();
  }
  line += '}';
  return line;
}

void Logger::Log(LogLevel level, std::string_view msg, LogFields fields) {
  if (!Enabled(level)) {
    return;
  }
  std::string line = Format(level, msg, fields);
  line += '\n';
  std::lock_guard<std::mutex> lock(mu_);
  sink_(line);
}

std::shared_ptr<Logger> DefaultLogger() {
  std::lock_guard<std::mutex> lock(DefaultLoggerMutex());
  return DefaultLoggerSlot();
}

void SetDefaultLogger(std::shared_ptr<Logger> logger) {
  if (logger == nullptr) {
    return;
  }
  std::lock_guard<std::mutex> lock(DefaultLoggerMutex());
  DefaultLoggerSlot() = std::move(logger);
}

namespace log {
void Debug(std::string_view msg, LogFields fields) { DefaultLogger()->Debug(msg, fields); }
void Info(std::string_view msg, LogFields fields) { DefaultLogger()->Info(msg, fields); }
void Warn(std::string_view msg, LogFields fields) { DefaultLogger()->Warn(msg, fields); }
void Error(std::string_view msg, LogFields fields) { DefaultLogger()->Error(msg, fields); }
}  // namespace log

}  // namespace aftersales

#include "services/common/runtime/log.h"

#include <catch2/catch.hpp>
#include <sstream>
#include <thread>
#include <vector>

namespace aftersales {
namespace {

// 2026-11-21T08:00:00.123Z
const TimePoint kT0 = FromUnixMillis(1795248000123);

TEST_CASE("Logger writes one JSON object per line with time, level, service, msg", "[log]") {
  ManualClock clock(kT0);
  std::ostringstream out;
  Logger logger({.service = "intake", .level = LogLevel::kInfo, .clock = &clock}, out);
  logger.Info("ticket reported",
              {{"ticket_id", "T-1"}, {"attempt", 2}, {"late", true}, {"ratio", 0.5}});
  CHECK(out.str() ==
        "{\"time\":\"2026-11-21T08:00:00.123Z\",\"level\":\"INFO\",\"service\":\"intake\","
        "\"msg\":\"ticket reported\",\"ticket_id\":\"T-1\",\"attempt\":2,\"late\":true,"
        "\"ratio\":0.5}\n");
}

TEST_CASE("Logger drops lines below its level", "[log]") {
  ManualClock clock(kT0);
  std::ostringstream out;
  Logger logger({.service = "s", .level = LogLevel::kWarn, .clock = &clock}, out);
  logger.Debug("d");
  logger.Info("i");
  logger.Warn("w");
  logger.Error("e");
  CHECK(out.str().find("\"msg\":\"d\"") == std::string::npos);
  CHECK(out.str().find("\"msg\":\"i\"") == std::string::npos);
  CHECK(out.str().find("\"level\":\"WARN\",\"service\":\"s\",\"msg\":\"w\"") != std::string::npos);
  CHECK(out.str().find("\"level\":\"ERROR\",\"service\":\"s\",\"msg\":\"e\"") != std::string::npos);
  logger.set_level(LogLevel::kDebug);
  logger.Debug("now");
  CHECK(out.str().find("\"msg\":\"now\"") != std::string::npos);
}

TEST_CASE("Logger escapes messages and field values", "[log]") {
  ManualClock clock(kT0);
  Logger logger({.service = "s", .level = LogLevel::kInfo, .clock = &clock},
                Logger::Sink([](std::string_view) {}));
  const std::string line =
      logger.Format(LogLevel::kInfo, "line1\n\"quoted\"", {{"k\"ey", "v\\al\x01"}, {"zh", "故障"}});
  CHECK(line ==
        "{\"time\":\"2026-11-21T08:00:00.123Z\",\"level\":\"INFO\",\"service\":\"s\","
        "\"msg\":\"line1\\n\\\"quoted\\\"\",\"k\\\"ey\":\"v\\\\al\\u0001\",\"zh\":\"故障\"}");
}

TEST_CASE("Logger redacts secret-looking keys", "[log]") {
  ManualClock clock(kT0);
  Logger logger({.service = "s", .clock = &clock}, Logger::Sink([](std::string_view) {}));
  const std::string line = logger.Format(LogLevel::kInfo, "m",
                                         {{"Authorization", "Bearer eyJ"},
                                          {"jwt_secret", "s3"},
                                          {"user_password", "p"},
                                          {"refresh_token", "t"},
                                          {"token_count", 3},
                                          {"customer", "c1"}});
  CHECK(line.find("eyJ") == std::string::npos);
  CHECK(line.find("s3") == std::string::npos);
  CHECK(line.find("\"user_password\":\"[REDACTED]\"") != std::string::npos);
  CHECK(line.find("\"refresh_token\":\"[REDACTED]\"") != std::string::npos);
  CHECK(line.find("\"token_count\":3") != std::string::npos);
  CHECK(line.find("\"customer\":\"c1\"") != std::string::npos);
  CHECK(Redact("X-Api-Key", "k") == "k");
  CHECK(Redact("api_key", "k") == "[REDACTED]");
  CHECK(Redact("Cookie", "sid=1") == "[REDACTED]");
  CHECK(Redact("ticket_id", "T-1") == "T-1");
}

TEST_CASE("ScopedRequestId tags lines of its thread only, and nests", "[log]") {
  ManualClock clock(kT0);
  Logger logger({.service = "s", .clock = &clock}, Logger::Sink([](std::string_view) {}));
  CHECK(logger.Format(LogLevel::kInfo, "m", {}).find("request_id") == std::string::npos);
  {
    ScopedRequestId outer("req-1");
    CHECK(logger.Format(LogLevel::kInfo, "m", {}).find("\"request_id\":\"req-1\"") !=
          std::string::npos);
    {
      ScopedRequestId inner("req-2");
      CHECK(CurrentRequestId() == "req-2");
    }
    CHECK(CurrentRequestId() == "req-1");
    std::string other;
    std::thread([&] { other = logger.Format(LogLevel::kInfo, "m", {}); }).join();
    CHECK(other.find("request_id") == std::string::npos);
  }
  CHECK(CurrentRequestId().empty());
}

TEST_CASE("Logger lines from many threads never interleave", "[log]") {
  std::vector<std::string> lines;
  Logger logger({.service = "s"}, Logger::Sink([&](std::string_view chunk) {
                  // Called under the logger's lock: unsynchronised access is the test.
                  lines.emplace_back(chunk);
                }));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&logger, t] {
      for (int i = 0; i < 500; ++i) logger.Info("hello", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(lines.size() == 2000);
  for (const auto& l : lines) {
    REQUIRE(l.front() == '{');
    REQUIRE(l.substr(l.size() - 2) == "}\n");
  }
}

TEST_CASE("FormatRfc3339Millis and ParseLogLevel", "[log]") {
  CHECK(FormatRfc3339Millis(FromUnixMillis(0)) == "1970-01-01T00:00:00.000Z");
  CHECK(FormatRfc3339Millis(FromUnixMillis(-1)) == "1969-12-31T23:59:59.999Z");
  CHECK(FormatRfc3339Millis(kT0) == "2026-11-21T08:00:00.123Z");
  LogLevel l = LogLevel::kInfo;
  CHECK(ParseLogLevel("WARNING", l));
  CHECK(l == LogLevel::kWarn);
  CHECK(ParseLogLevel("debug", l));
  CHECK(l == LogLevel::kDebug);
  CHECK_FALSE(ParseLogLevel("verbose", l));
  CHECK(l == LogLevel::kDebug);
}

TEST_CASE("ReadLogLevel takes the level from the environment", "[log]") {
  EnvConfig good = EnvConfig::FromMap({{"AFTERSALES_LOG_LEVEL", "warning"}});
  CHECK(ReadLogLevel(good) == LogLevel::kWarn);
  CHECK(good.Finish().ok());
  EnvConfig unset = EnvConfig::FromMap({});
  CHECK(ReadLogLevel(unset, "AFTERSALES_LOG_LEVEL", LogLevel::kError) == LogLevel::kError);
  EnvConfig bad = EnvConfig::FromMap({{"AFTERSALES_LOG_LEVEL", "chatty"}});
  CHECK(ReadLogLevel(bad) == LogLevel::kInfo);
  REQUIRE(bad.errors().size() == 1);
  CHECK(bad.errors()[0] ==
        "AFTERSALES_LOG_LEVEL=\"chatty\" is not one of DEBUG, INFO, WARN, WARNING, ERROR");
}

TEST_CASE("The default logger can be replaced and the free functions use it", "[log]") {
  ManualClock clock(kT0);
  auto out = std::make_shared<std::ostringstream>();
  auto previous = DefaultLogger();
  SetDefaultLogger(std::make_shared<Logger>(
      LoggerOptions{.service = "gateway", .level = LogLevel::kInfo, .clock = &clock}, *out));
  log::Debug("hidden");
  log::Warn("shown", {{"n", 1}});
  SetDefaultLogger(previous);
  CHECK(out->str() ==
        "{\"time\":\"2026-11-21T08:00:00.123Z\",\"level\":\"WARN\",\"service\":\"gateway\","
        "\"msg\":\"shown\",\"n\":1}\n");
}

}  // namespace
}  // namespace aftersales

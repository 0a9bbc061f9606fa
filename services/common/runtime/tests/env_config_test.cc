#include "services/common/runtime/env_config.h"

#include <catch2/catch.hpp>

namespace aftersales {
namespace {

using std::chrono::milliseconds;

TEST_CASE("EnvConfig returns defaults for unset and empty variables", "[env]") {
  EnvConfig env = EnvConfig::FromMap({{"AFTERSALES_EMPTY", ""}});
  CHECK(env.String("AFTERSALES_NAME", "intake") == "intake");
  CHECK(env.String("AFTERSALES_EMPTY", "x") == "x");
  CHECK(env.Int("AFTERSALES_WORKERS", 4, 1, 64) == 4);
  CHECK(env.Port("AFTERSALES_EMPTY", 8080) == 8080);
  CHECK(env.Duration("AFTERSALES_TIMEOUT", milliseconds(1500)) == milliseconds(1500));
  CHECK(env.Bool("AFTERSALES_DEBUG", true));
  CHECK(env.HostPortValue("AFTERSALES_REDIS", {"127.0.0.1", 6379}) == HostPort{"127.0.0.1", 6379});
  CHECK(env.Finish().ok());
}

TEST_CASE("EnvConfig parses well-formed values", "[env]") {
  EnvConfig env = EnvConfig::FromMap({
      {"N", " 42 "},
      {"PORT", "6380"},
      {"D1", "500ms"},
      {"D2", "30s"},
      {"D3", "5m"},
      {"D4", "1h"},
      {"D5", "250"},
      {"B1", "YES"},
      {"B2", "off"},
      {"HP", "redis-0.redis:6379"},
      {"HP6", "[::1]:7000"},
      {"LEVEL", "Debug"},
  });
  CHECK(env.Int("N", 0, 0, 100) == 42);
  CHECK(env.Port("PORT", 1) == 6380);
  CHECK(env.Duration("D1", milliseconds(0)) == milliseconds(500));
  CHECK(env.Duration("D2", milliseconds(0)) == std::chrono::seconds(30));
  CHECK(env.Duration("D3", milliseconds(0)) == std::chrono::minutes(5));
  CHECK(env.Duration("D4", milliseconds(0)) == std::chrono::hours(1));
  CHECK(env.Duration("D5", milliseconds(0)) == milliseconds(250));
  CHECK(env.Bool("B1", false));
  CHECK_FALSE(env.Bool("B2", true));
  CHECK(env.HostPortValue("HP", {}) == HostPort{"redis-0.redis", 6379});
  const HostPort v6 = env.HostPortValue("HP6", {});
  CHECK(v6 == HostPort{"::1", 7000});
  CHECK(v6.ToString() == "[::1]:7000");
  CHECK(env.Choice("LEVEL", "info", {"debug", "info", "warn", "error"}) == "debug");
  CHECK(env.Finish().ok());
}

TEST_CASE("EnvConfig collects every bad variable with name, value and expectation", "[env]") {
  EnvConfig env = EnvConfig::FromMap({
      {"AFTERSALES_REDIS_PORT", "abc"},
      {"AFTERSALES_WORKERS", "0"},
      {"AFTERSALES_TIMEOUT", "5 parsecs"},
      {"AFTERSALES_DEBUG", "maybe"},
      {"AFTERSALES_REDIS", "redis"},
      {"AFTERSALES_LOG_LEVEL", "loud"},
  });
  // Bad values fall back to the defaults so that the caller can keep going.
  CHECK(env.Port("AFTERSALES_REDIS_PORT", 6379) == 6379);
  CHECK(env.Int("AFTERSALES_WORKERS", 4, 1, 64) == 4);
  CHECK(env.Duration("AFTERSALES_TIMEOUT", milliseconds(10)) == milliseconds(10));
  CHECK(env.Bool("AFTERSALES_DEBUG", false) == false);
  CHECK(env.HostPortValue("AFTERSALES_REDIS", {"h", 1}) == HostPort{"h", 1});
  CHECK(env.Choice("AFTERSALES_LOG_LEVEL", "info", {"debug", "info"}) == "info");
  env.RequiredString("AFTERSALES_JWT_SECRET");

  const Status s = env.Finish();
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.reason() == "INVALID_CONFIG");
  REQUIRE(env.errors().size() == 7);
  CHECK(env.errors()[0] == "AFTERSALES_REDIS_PORT=\"abc\" is not a port (1-65535)");
  CHECK(env.errors()[1] == "AFTERSALES_WORKERS=\"0\" is not an integer in 1..64");
  CHECK(env.errors()[2].rfind("AFTERSALES_TIMEOUT=\"5 parsecs\" is not a duration", 0) == 0);
  CHECK(env.errors()[3].rfind("AFTERSALES_DEBUG=\"maybe\" is not a boolean", 0) == 0);
  CHECK(env.errors()[4].rfind("AFTERSALES_REDIS=\"redis\" is not host:port", 0) == 0);
  CHECK(env.errors()[5] == "AFTERSALES_LOG_LEVEL=\"loud\" is not one of debug, info");
  CHECK(env.errors()[6] == "AFTERSALES_JWT_SECRET is required but unset or empty");
  REQUIRE(s.field_violations().size() == 7);
  CHECK(s.field_violations()[0].field == "AFTERSALES_REDIS_PORT");
  // Every error appears in the message, so printing it tells the operator everything.
  for (const auto& e : env.errors()) CHECK(s.message().find(e) != std::string::npos);
}

TEST_CASE("EnvConfig rejects out-of-range numbers and durations", "[env]") {
  EnvConfig env = EnvConfig::FromMap({
      {"P0", "0"},
      {"P1", "65536"},
      {"BIG", "99999999999999999999"},
      {"NEG", "-5"},
      {"FRACT", "1.5s"},
      {"SHORT", "10ms"},
      {"OVERFLOW", "9999999999999999999h"},
  });
  env.Port("P0", 1);
  env.Port("P1", 1);
  env.Int("BIG", 0, 0, 10);
  env.Duration("NEG", milliseconds(1));
  env.Duration("FRACT", milliseconds(1));
  env.Duration("SHORT", milliseconds(100), milliseconds(100), milliseconds(1000));
  env.Duration("OVERFLOW", milliseconds(1));
  CHECK(env.errors().size() == 7);
  CHECK(env.errors()[5] ==
        "SHORT=\"10ms\" is not a duration between 100ms and 1s (like 500ms, 30s, 5m, 1h, or "
        "plain milliseconds)");
}

TEST_CASE("EnvConfig reads the injected getenv, not the process environment", "[env]") {
  int calls = 0;
  EnvConfig env([&calls](const char* name) -> const char* {
    ++calls;
    return std::string_view(name) == "X" ? "7" : nullptr;
  });
  CHECK(env.Int("X", 0, 0, 10) == 7);
  CHECK(env.String("PATH", "none") == "none");
  CHECK(calls == 2);
}

TEST_CASE("ParseHostPort refuses ambiguous and malformed forms", "[env]") {
  HostPort hp;
  CHECK_FALSE(ParseHostPort("::1:80", hp));
  CHECK_FALSE(ParseHostPort(":80", hp));
  CHECK_FALSE(ParseHostPort("host:", hp));
  CHECK_FALSE(ParseHostPort("host:+80", hp));
  CHECK_FALSE(ParseHostPort("[::1]80", hp));
  CHECK_FALSE(ParseHostPort("host:0", hp));
  CHECK(ParseHostPort("10.0.0.1:1", hp));
  CHECK(hp == HostPort{"10.0.0.1", 1});
}

}  // namespace
}  // namespace aftersales

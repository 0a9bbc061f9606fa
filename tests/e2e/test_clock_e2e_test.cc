// The test clock (services/common/host/test_clock.h) as the binaries take it:
// refused outside test mode with exit 2, and on a test platform every service
// runs on it and says so loudly while the gateway keeps real time.
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "services/common/host/test_clock.h"
#include "tests/e2e/platform.h"

namespace aftersales::testing {
namespace {

const char* const kServices[] = {"intake", "dispatch", "inventory", "followup"};

TEST_CASE("a service given a test clock file without test mode exits 2 naming the variable") {
  const std::string dir = MakeTempDir("test-clock-e2e");
  const std::string path = dir + "/clock";
  REQUIRE(TestClockFile::Create(path).ok());
  for (const char* name : kServices) {
    for (const std::string mode : {"", "false"}) {
      std::map<std::string, std::string> env = {{"AFTERSALES_TEST_CLOCK_FILE", path}};
      if (!mode.empty()) env["AFTERSALES_TEST_MODE"] = mode;
      auto [status, out] = RunToExit(BinDir() + "/" + name, env, std::chrono::seconds(10));
      INFO(name << " with AFTERSALES_TEST_MODE=\"" << mode << "\": " << out);
      REQUIRE(status != -1);
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 2);
      CHECK_THAT(out, Catch::Contains("bad configuration"));
      CHECK_THAT(out, Catch::Contains("AFTERSALES_TEST_CLOCK_FILE=\"" + path + "\""));
      CHECK_THAT(out, Catch::Contains("AFTERSALES_TEST_MODE=true"));
      CHECK_THAT(out, !Catch::Contains("TEST CLOCK"));  // it never ran on it
    }
  }
  // In test mode a file that is not a clock is bad configuration too.
  auto [status, out] = RunToExit(
      BinDir() + "/intake",
      {{"AFTERSALES_TEST_MODE", "true"}, {"AFTERSALES_TEST_CLOCK_FILE", dir + "/missing"}},
      std::chrono::seconds(10));
  INFO(out);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 2);
  CHECK_THAT(out, Catch::Contains("AFTERSALES_TEST_CLOCK_FILE=\"" + dir + "/missing\""));
  CHECK_THAT(out, Catch::Contains("No such file"));
  RemoveTree(dir);
}

TEST_CASE("on a test platform every service warns that it runs on the test clock") {
  Platform platform({}, PlatformClock::kTest);
  REQUIRE_FALSE(platform.clock_file().empty());
  for (const char* name : kServices) {
    INFO(name << " log:\n" << platform.Log(name));
    CHECK_THAT(platform.LogLine(name, "TEST MODE"), Catch::Contains("\"level\":\"WARN\""));
    const std::string warning = platform.LogLine(name, "TEST CLOCK");
    CHECK_THAT(warning, Catch::Contains("\"level\":\"WARN\""));
    CHECK_THAT(warning, Catch::Contains(platform.clock_file()));
    CHECK_THAT(warning, Catch::Contains("AFTERSALES_TEST_CLOCK_FILE"));
  }
  // The gateway is not given the clock: tokens and rate limits keep real time.
  CHECK_THAT(platform.Log("gateway"), !Catch::Contains("TEST CLOCK"));

  // Business time moves at once, real time keeps flowing under it.
  const TimePoint before = platform.Now();
  platform.AdvanceClock(std::chrono::hours(25));
  CHECK(platform.Now() - before >= std::chrono::hours(25));
  CHECK(platform.Now() - std::chrono::system_clock::now() >=
        std::chrono::hours(25) - std::chrono::seconds(1));
}

TEST_CASE("a platform on the system clock cannot be advanced") {
  Platform platform;
  CHECK(platform.clock_file().empty());
  CHECK_THROWS(platform.AdvanceClock(std::chrono::hours(1)));
  CHECK_THAT(platform.Log("intake"), !Catch::Contains("TEST CLOCK"));
}

}  // namespace
}  // namespace aftersales::testing

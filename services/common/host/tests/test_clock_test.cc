#include "services/common/host/test_clock.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "services/common/host/service_host.h"
#include "tests/support/child_process.h"

namespace aftersales {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

// A scratch directory for one test case.
struct Scratch {
  Scratch() : dir(testing::MakeTempDir("test-clock")) {}
  ~Scratch() { testing::RemoveTree(dir); }
  std::string Path(const std::string& name) const { return dir + "/" + name; }
  void Write(const std::string& name, const std::string& bytes) const {
    std::ofstream(Path(name), std::ios::binary) << bytes;
  }
  std::string dir;
};

// Now() of `clock` lies between two system readings shifted by `offset`:
// exact, whatever the machine's load.
void CheckReadsSystemTimePlus(const Clock& clock, milliseconds offset) {
  const TimePoint before = std::chrono::system_clock::now();
  const TimePoint seen = clock.Now();
  const TimePoint after = std::chrono::system_clock::now();
  CHECK(seen >= before + offset);
  CHECK(seen <= after + offset);
}

TEST_CASE("a new test clock file reads as system time", "[test_clock]") {
  Scratch s;
  Result<TestClockFile> file = TestClockFile::Create(s.Path("clock"));
  REQUIRE(file.ok());
  CHECK(file->offset() == milliseconds(0));
  Result<TestClock> clock = TestClock::Open(s.Path("clock"));
  REQUIRE(clock.ok());
  CHECK(clock->offset() == milliseconds(0));
  CheckReadsSystemTimePlus(*clock, milliseconds(0));
}

TEST_CASE("two readers of one clock file see the same advance at once", "[test_clock]") {
  Scratch s;
  Result<TestClockFile> file = TestClockFile::Create(s.Path("clock"));
  REQUIRE(file.ok());
  Result<TestClock> a = TestClock::Open(s.Path("clock"));
  Result<TestClock> b = TestClock::Open(s.Path("clock"));
  REQUIRE(a.ok());
  REQUIRE(b.ok());

  file->Advance(hours(25));
  CHECK(a->offset() == hours(25));
  CHECK(b->offset() == hours(25));
  CheckReadsSystemTimePlus(*a, hours(25));
  CheckReadsSystemTimePlus(*b, hours(25));

  // Advances add up; SetOffset puts it anywhere, backwards included.
  file->Advance(milliseconds(1500));
  CHECK(a->offset() == hours(25) + milliseconds(1500));
  file->SetOffset(-hours(2));
  CHECK(b->offset() == -hours(2));
  CheckReadsSystemTimePlus(*a, -hours(2));

  // A second writer over the same file moves the same clock.
  Result<TestClockFile> other = TestClockFile::Open(s.Path("clock"));
  REQUIRE(other.ok());
  other->Advance(hours(3));
  CHECK(file->offset() == hours(1));
  CHECK(a->offset() == hours(1));
}

TEST_CASE("a reader outlives moves of the writer object and survives being moved itself",
          "[test_clock]") {
  Scratch s;
  std::optional<TestClock> reader;
  {
    Result<TestClockFile> file = TestClockFile::Create(s.Path("clock"));
    REQUIRE(file.ok());
    TestClockFile moved = std::move(file).value();
    moved.Advance(hours(48));
    Result<TestClock> clock = TestClock::Open(s.Path("clock"));
    REQUIRE(clock.ok());
    reader.emplace(std::move(clock).value());
  }
  CHECK(reader->offset() == hours(48));
}

TEST_CASE("a missing or foreign clock file is a clear error naming the file", "[test_clock]") {
  Scratch s;
  Result<TestClock> missing = TestClock::Open(s.Path("nope"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::kFailedPrecondition);
  CHECK(missing.status().reason() == "TEST_CLOCK_FILE_UNUSABLE");
  CHECK_THAT(missing.status().message(), Catch::Contains(s.Path("nope")));
  CHECK_THAT(missing.status().message(), Catch::Contains("No such file"));

  // Eight bytes of an offset alone, text, and the right size without the magic.
  s.Write("short", std::string(8, '\0'));
  s.Write("text", "offset=3600000\n");
  s.Write("nomagic", std::string(16, 'x'));
  for (const char* name : {"short", "text"}) {
    Result<TestClock> bad = TestClock::Open(s.Path(name));
    INFO(name);
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.status().message(), Catch::Contains(s.Path(name)));
    CHECK_THAT(bad.status().message(), Catch::Contains("expected 16"));
  }
  Result<TestClock> nomagic = TestClock::Open(s.Path("nomagic"));
  REQUIRE_FALSE(nomagic.ok());
  CHECK_THAT(nomagic.status().message(), Catch::Contains("ASTCLK01"));
  // A directory is not a clock either.
  Result<TestClock> dir = TestClock::Open(s.dir);
  CHECK_FALSE(dir.ok());
  // Nor can a writer take over a foreign file.
  CHECK_FALSE(TestClockFile::Open(s.Path("nomagic")).ok());
}

TEST_CASE("a service takes a test clock file only in test mode", "[test_clock]") {
  Scratch s;
  REQUIRE(TestClockFile::Create(s.Path("clock")).ok());

  // No file: the system clock.
  Result<std::unique_ptr<TestClock>> none = OpenConfiguredTestClock(false, "");
  REQUIRE(none.ok());
  CHECK(*none == nullptr);
  CHECK(OpenConfiguredTestClock(true, "").ok());

  // A file outside test mode is refused, naming both variables.
  Result<std::unique_ptr<TestClock>> refused = OpenConfiguredTestClock(false, s.Path("clock"));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().reason() == "INVALID_CONFIG");
  CHECK_THAT(refused.status().message(), Catch::Contains("AFTERSALES_TEST_CLOCK_FILE"));
  CHECK_THAT(refused.status().message(), Catch::Contains("AFTERSALES_TEST_MODE=true"));
  REQUIRE(refused.status().field_violations().size() == 1);
  CHECK(refused.status().field_violations()[0].field == "AFTERSALES_TEST_CLOCK_FILE");

  // In test mode a bad file is still a configuration error, naming the variable.
  Result<std::unique_ptr<TestClock>> bad = OpenConfiguredTestClock(true, s.Path("missing"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().reason() == "INVALID_CONFIG");
  CHECK_THAT(bad.status().message(), Catch::Contains("AFTERSALES_TEST_CLOCK_FILE"));
  CHECK_THAT(bad.status().message(), Catch::Contains(s.Path("missing")));

  Result<std::unique_ptr<TestClock>> ok = OpenConfiguredTestClock(true, s.Path("clock"));
  REQUIRE(ok.ok());
  REQUIRE(*ok != nullptr);
  CHECK((*ok)->offset() == milliseconds(0));
}

TEST_CASE("the stream claim timeout comes from AFTERSALES_STREAMS_CLAIM_IDLE, bounded",
          "[config]") {
  EnvConfig none = EnvConfig::FromMap({});
  CHECK(StreamClaimIdle(none) == std::chrono::seconds(30));
  CHECK(none.Finish().ok());
  EnvConfig set = EnvConfig::FromMap({{"AFTERSALES_STREAMS_CLAIM_IDLE", "3s"}});
  CHECK(StreamClaimIdle(set) == milliseconds(3000));
  CHECK(set.Finish().ok());
  for (const char* bad : {"10ms", "2h", "soon"}) {
    INFO(bad);
    EnvConfig env = EnvConfig::FromMap({{"AFTERSALES_STREAMS_CLAIM_IDLE", bad}});
    (void)StreamClaimIdle(env);
    Status s = env.Finish();
    REQUIRE_FALSE(s.ok());
    CHECK(s.reason() == "INVALID_CONFIG");
    CHECK_THAT(s.message(), Catch::Contains("AFTERSALES_STREAMS_CLAIM_IDLE"));
  }
}

TEST_CASE("the process clock is the system clock until a host installs a test clock",
          "[test_clock]") {
  CheckReadsSystemTimePlus(ServiceClock(), milliseconds(0));
}

}  // namespace
}  // namespace aftersales

#include "services/dispatch/domain/engineer.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include "services/dispatch/domain/tests/test_support.h"

namespace aftersales::dispatch {
namespace {

using namespace testing;

bool HasViolation(const Status& s, const std::string& field) {
  const auto& v = s.field_violations();
  return std::any_of(v.begin(), v.end(), [&](const FieldViolation& f) { return f.field == field; });
}

TEST_CASE("a well-formed engineer validates", "[engineer]") {
  REQUIRE(ValidateEngineer(MakeEngineer("e1", kCentre)).ok());
}

TEST_CASE("engineer validation names every bad field", "[engineer]") {
  Engineer e = MakeEngineer("e1", kCentre);
  e.name = "";
  e.phone = "call me";
  e.skills = {};
  e.zones = {Zone::kCity, static_cast<Zone>(9)};
  e.max_concurrent_jobs = 0;
  e.position = {91.0, -181.0};
  const Status s = ValidateEngineer(e);
  REQUIRE(s.code() == Code::kInvalidArgument);
  CHECK(s.reason() == "INVALID_ENGINEER");
  CHECK(HasViolation(s, "name"));
  CHECK(HasViolation(s, "phone"));
  CHECK(HasViolation(s, "skills"));
  CHECK(HasViolation(s, "zones[1]"));
  CHECK_FALSE(HasViolation(s, "zones[0]"));
  CHECK(HasViolation(s, "max_concurrent_jobs"));
  CHECK(HasViolation(s, "position.lat"));
  CHECK(HasViolation(s, "position.lng"));
}

TEST_CASE("phone numbers need 6 to 15 digits", "[engineer]") {
  Engineer e = MakeEngineer("e1", kCentre);
  e.phone = "12345";
  CHECK(HasViolation(ValidateEngineer(e), "phone"));
  e.phone = "+86 138-0013-8000";
  CHECK(ValidateEngineer(e).ok());
  e.phone = "1234567890123456";
  CHECK(HasViolation(ValidateEngineer(e), "phone"));
}

TEST_CASE("roster day shift is kept in the roster's UTC offset", "[engineer][roster]") {
  // 08:00-20:00 at UTC+8 is 00:00-12:00 UTC.
  const DutyRoster roster = DutyRoster::Daily(8 * 60, 8, 20);
  const TimePoint monday = MondayTen() - 10h;  // Monday 00:00 UTC
  CHECK(roster.OnDuty(monday + 1h));           // 09:00 local
  CHECK(roster.OnDuty(monday + 11h + 59min));  // 19:59 local
  CHECK_FALSE(roster.OnDuty(monday + 12h));    // 20:00 local
  CHECK_FALSE(roster.OnDuty(monday - 1min));   // 07:59 local
}

TEST_CASE("night shift runs over midnight and over Sunday into Monday", "[engineer][roster]") {
  const DutyRoster roster = DutyRoster::Daily(0, 20, 8);
  const TimePoint monday = MondayTen() - 10h;
  CHECK(roster.OnDuty(monday + 2h));             // Monday 02:00, from Sunday's night shift
  CHECK(roster.OnDuty(monday + 21h));            // Monday 21:00
  CHECK_FALSE(roster.OnDuty(monday + 12h));      // Monday noon
  CHECK(roster.OnDuty(monday + 6 * 24h + 23h));  // Sunday 23:00
  CHECK(MinuteOfWeek(monday, 0) == 0);
  CHECK(MinuteOfWeek(monday - 1min, 0) == kMinutesPerWeek - 1);
}

TEST_CASE("OFF_DUTY state overrides the roster", "[engineer][roster]") {
  Engineer e = MakeEngineer("e1", kCentre);
  CHECK(e.OnDuty(MondayTen()));
  e.state = EngineerState::kOffDuty;
  CHECK_FALSE(e.OnDuty(MondayTen()));
}

TEST_CASE("an engineer is free when the last held job is expected to finish", "[engineer]") {
  Engineer e = MakeEngineer("e1", kCentre);
  const TimePoint now = MondayTen();
  CHECK(e.FreeAt(now) == now);
  e.jobs = {{"T1", Severity::kMinor, true, now + 1h}, {"T2", Severity::kMinor, false, now + 3h}};
  CHECK(e.FreeAt(now) == now + 3h);
}

}  // namespace
}  // namespace aftersales::dispatch

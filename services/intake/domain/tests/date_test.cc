#include "services/intake/domain/date.h"

#include <catch2/catch.hpp>

#include "services/intake/domain/tests/local_time.h"

namespace aftersales::intake {
namespace {

using testing::D;

TEST_CASE("Date parses and formats YYYY-MM-DD", "[date]") {
  CHECK(D("2024-02-29").ToString() == "2024-02-29");
  CHECK(D("0001-01-01").ToString() == "0001-01-01");
  CHECK(D("9999-12-31").ToString() == "9999-12-31");
  const Date d = D("2024-03-08");
  CHECK(d.year() == 2024);
  CHECK(d.month() == 3);
  CHECK(d.day() == 8);
}

TEST_CASE("Date rejects malformed and impossible dates naming the field", "[date]") {
  for (const char* bad :
       {"2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-1-01", "2024/01/01",
        "20240101", "", "abcd-ef-gh", "2024-01-01T00:00", "0000-01-01", " 2024-01-01"}) {
    INFO(bad);
    Result<Date> r = Date::Parse(bad, "acceptance_date");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    CHECK(r.status().reason() == "INVALID_DATE");
    REQUIRE(r.status().field_violations().size() == 1);
    CHECK(r.status().field_violations()[0].field == "acceptance_date");
  }
}

TEST_CASE("Leap years follow the Gregorian rule", "[date]") {
  CHECK(IsLeapYear(2024));
  CHECK(IsLeapYear(2000));
  CHECK_FALSE(IsLeapYear(1900));
  CHECK_FALSE(IsLeapYear(2023));
  CHECK(DaysInMonth(2024, 2) == 29);
  CHECK(DaysInMonth(2023, 2) == 28);
  CHECK(DaysInMonth(2100, 2) == 28);
  CHECK(DaysInMonth(2024, 4) == 30);
}

TEST_CASE("Adding months clamps to the end of the month", "[date]") {
  CHECK(D("2024-01-31").AddMonths(1) == D("2024-02-29"));
  CHECK(D("2023-01-31").AddMonths(1) == D("2023-02-28"));
  CHECK(D("2024-03-31").AddMonths(-1) == D("2024-02-29"));
  CHECK(D("2024-02-29").AddMonths(12) == D("2025-02-28"));
  CHECK(D("2024-02-29").AddMonths(48) == D("2028-02-29"));
  CHECK(D("2024-12-15").AddMonths(1) == D("2025-01-15"));
  CHECK(D("2024-01-15").AddMonths(-13) == D("2022-12-15"));
  CHECK(D("2024-08-31").AddMonths(1) == D("2024-09-30"));
  CHECK(D("2024-01-15").AddMonths(0) == D("2024-01-15"));
}

TEST_CASE("Day numbers round-trip and agree with known dates", "[date]") {
  CHECK(D("1970-01-01").DaysSinceEpoch() == 0);
  CHECK(D("2000-03-01").DaysSinceEpoch() == 11017);
  CHECK(D("1969-12-31").DaysSinceEpoch() == -1);
  for (int64_t n = -800000; n < 3000000; n += 997) {
    const Date d = Date::FromDaysSinceEpoch(n);
    REQUIRE(d.DaysSinceEpoch() == n);
    REQUIRE(d.AddDays(1).DaysSinceEpoch() == n + 1);
    REQUIRE(d < d.AddDays(1));
  }
  CHECK(D("2024-02-28").AddDays(1) == D("2024-02-29"));
  CHECK(D("2024-02-29").AddDays(1) == D("2024-03-01"));
  CHECK(D("2023-12-31").AddDays(1) == D("2024-01-01"));
  CHECK(DaysBetween(D("2024-01-01"), D("2025-01-01")) == 366);
}

TEST_CASE("Weekday of known dates", "[date]") {
  CHECK(D("1970-01-01").weekday() == Weekday::kThursday);
  CHECK(D("2024-03-08").weekday() == Weekday::kFriday);
  CHECK(D("2024-03-10").weekday() == Weekday::kSunday);
  CHECK(D("2024-03-11").weekday() == Weekday::kMonday);
  CHECK(D("1969-12-29").weekday() == Weekday::kMonday);
}

TEST_CASE("The local day of an instant depends on the zone offset", "[date]") {
  using std::chrono::hours;
  const TimePoint t = D("2024-03-07").StartInstant(hours(0)) + hours(16) + std::chrono::minutes(30);
  CHECK(Date::FromTimePoint(t, hours(0)) == D("2024-03-07"));
  CHECK(Date::FromTimePoint(t, hours(8)) == D("2024-03-08"));
  CHECK(Date::FromTimePoint(t, hours(-17)) == D("2024-03-06"));
  CHECK(D("2024-03-08").StartInstant(hours(8)) ==
        D("2024-03-07").StartInstant(hours(0)) + hours(16));
}

}  // namespace
}  // namespace aftersales::intake

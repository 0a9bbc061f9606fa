#include "services/intake/domain/business_calendar.h"

#include <catch2/catch.hpp>

#include "services/intake/domain/tests/local_time.h"

namespace aftersales::intake {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using testing::D;
using testing::Local;

// Default: Mon-Fri 08:30-12:00 and 13:30-18:00, UTC+8. 2024-03-08 is a Friday.
BusinessCalendar WithMondayHoliday() {
  BusinessCalendarSpec spec = BusinessCalendarSpec::Default();
  spec.holidays.insert(D("2024-03-11"));
  Result<BusinessCalendar> c = BusinessCalendar::Create(spec);
  REQUIRE(c.ok());
  return *c;
}

TEST_CASE("Friday 16:55 before a Monday holiday continues on Tuesday", "[calendar]") {
  const BusinessCalendar cal = WithMondayHoliday();
  // 65 minutes are left on Friday.
  CHECK(cal.AddBusinessTime(Local("2024-03-08 16:55"), hours(1)) == Local("2024-03-08 17:55"));
  CHECK(cal.AddBusinessTime(Local("2024-03-08 16:55"), minutes(65)) == Local("2024-03-08 18:00"));
  CHECK(cal.AddBusinessTime(Local("2024-03-08 16:55"), hours(2)) == Local("2024-03-12 09:25"));
  CHECK(cal.BusinessTimeBetween(Local("2024-03-08 16:55"), Local("2024-03-12 09:25")) == hours(2));
  // Without the holiday it would be Monday.
  CHECK(BusinessCalendar::Default().AddBusinessTime(Local("2024-03-08 16:55"), hours(2)) ==
        Local("2024-03-11 09:25"));
}

TEST_CASE("The lunch break does not count", "[calendar]") {
  const BusinessCalendar cal = BusinessCalendar::Default();
  CHECK(cal.AddBusinessTime(Local("2024-03-06 11:30"), hours(1)) == Local("2024-03-06 14:00"));
  // Ending exactly at the break stays at 12:00, not 13:30.
  CHECK(cal.AddBusinessTime(Local("2024-03-06 11:30"), minutes(30)) == Local("2024-03-06 12:00"));
  // Starting inside the break starts counting at 13:30.
  CHECK(cal.AddBusinessTime(Local("2024-03-06 12:30"), minutes(10)) == Local("2024-03-06 13:40"));
  CHECK(cal.BusinessTimeBetween(Local("2024-03-06 11:00"), Local("2024-03-06 14:00")) ==
        hours(1) + minutes(30));
  CHECK_FALSE(cal.IsOpen(Local("2024-03-06 12:30")));
  CHECK(cal.IsOpen(Local("2024-03-06 13:30")));
  CHECK_FALSE(cal.IsOpen(Local("2024-03-06 18:00")));
  CHECK(cal.IsOpen(Local("2024-03-06 08:30")));
}

TEST_CASE("A day is 8 business hours, a week 40", "[calendar]") {
  const BusinessCalendar cal = BusinessCalendar::Default();
  CHECK(cal.AddBusinessTime(Local("2024-03-04 08:30"), hours(8)) == Local("2024-03-04 18:00"));
  CHECK(cal.AddBusinessTime(Local("2024-03-04 08:30"), hours(40)) == Local("2024-03-08 18:00"));
  CHECK(cal.AddBusinessTime(Local("2024-03-04 08:30"), hours(41)) == Local("2024-03-11 09:30"));
}

TEST_CASE("Across midnight, in local time not UTC", "[calendar]") {
  const BusinessCalendar cal = BusinessCalendar::Default();
  CHECK(cal.AddBusinessTime(Local("2024-03-06 23:00"), hours(1)) == Local("2024-03-07 09:30"));
  // 07:00 Thursday in Shanghai is still Wednesday 23:00 in UTC.
  CHECK(cal.AddBusinessTime(Local("2024-03-07 07:00"), hours(1)) == Local("2024-03-07 09:30"));
  CHECK(cal.AddBusinessTime(Local("2024-03-06 17:30"), hours(1)) == Local("2024-03-07 09:00"));
}

TEST_CASE("Weekends do not count - make-up working days do", "[calendar]") {
  const BusinessCalendar cal = BusinessCalendar::Default();
  CHECK(cal.AddBusinessTime(Local("2024-03-09 10:00"), minutes(30)) == Local("2024-03-11 09:00"));
  CHECK(cal.BusinessTimeBetween(Local("2024-03-08 18:00"), Local("2024-03-11 08:30")) ==
        Duration::zero());
  CHECK_FALSE(cal.IsWorkingDay(D("2024-03-09")));

  BusinessCalendarSpec spec = BusinessCalendarSpec::Default();
  spec.extra_working_days.insert(D("2024-03-10"));  // a Sunday worked in exchange for a holiday
  Result<BusinessCalendar> makeup = BusinessCalendar::Create(spec);
  REQUIRE(makeup.ok());
  CHECK(makeup->AddBusinessTime(Local("2024-03-08 17:30"), hours(1)) == Local("2024-03-10 09:00"));
}

TEST_CASE("Zero business time returns the start", "[calendar]") {
  const BusinessCalendar cal = BusinessCalendar::Default();
  CHECK(cal.AddBusinessTime(Local("2024-03-09 10:00"), Duration::zero()) ==
        Local("2024-03-09 10:00"));
}

TEST_CASE("Another zone offset shifts the business day", "[calendar]") {
  BusinessCalendarSpec spec = BusinessCalendarSpec::Default();
  spec.utc_offset = hours(0);
  Result<BusinessCalendar> utc = BusinessCalendar::Create(spec);
  REQUIRE(utc.ok());
  // 16:00 in Shanghai is 08:00 UTC: not yet open in a UTC calendar.
  CHECK(utc->AddBusinessTime(Local("2024-03-06 16:00"), hours(1)) ==
        Local("2024-03-06 09:30", hours(0)));
}

TEST_CASE("Bad calendars are rejected naming the field", "[calendar]") {
  BusinessCalendarSpec overlap = BusinessCalendarSpec::Default();
  overlap.periods = {{hours(9), hours(13)}, {hours(12), hours(18)}};
  Result<BusinessCalendar> a = BusinessCalendar::Create(overlap);
  REQUIRE_FALSE(a.ok());
  CHECK(a.status().reason() == "INVALID_BUSINESS_CALENDAR");
  CHECK(a.status().field_violations()[0].field == "periods[1]");

  BusinessCalendarSpec idle = BusinessCalendarSpec::Default();
  idle.working_days.clear();
  Result<BusinessCalendar> b = BusinessCalendar::Create(idle);
  REQUIRE_FALSE(b.ok());
  CHECK(b.status().field_violations()[0].field == "working_days");

  BusinessCalendarSpec backwards = BusinessCalendarSpec::Default();
  backwards.periods = {{hours(18), hours(9)}};
  CHECK_FALSE(BusinessCalendar::Create(backwards).ok());
}

TEST_CASE("A deployment's settings move the calendar and add its holidays", "[calendar]") {
  auto spec = SpecFromSettings(std::chrono::hours(1), "2026-12-24, 2026-12-25", "2026-12-27",
                               "AFTERSALES_HOLIDAYS", "AFTERSALES_WORKDAYS");
  REQUIRE(spec.ok());
  CHECK(spec->utc_offset == std::chrono::hours(1));
  CHECK(spec->holidays.size() == 2);
  auto calendar = BusinessCalendar::Create(*spec);
  REQUIRE(calendar.ok());
  CHECK_FALSE(calendar->IsWorkingDay(*Date::Parse("2026-12-25")));  // a Friday, but a holiday
  CHECK(calendar->IsWorkingDay(*Date::Parse("2026-12-27")));        // a Sunday, but worked
  CHECK(calendar->IsWorkingDay(*Date::Parse("2026-12-28")));

  auto bad = SpecFromSettings(std::chrono::hours(8), "2026-13-01", "", "AFTERSALES_HOLIDAYS");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Code::kInvalidArgument);
  CHECK(bad.status().message().find("AFTERSALES_HOLIDAYS") != std::string::npos);
  CHECK_FALSE(SpecFromSettings(std::chrono::hours(20), "", "").ok());
}

}  // namespace
}  // namespace aftersales::intake

// Business hours for consultation clocks ("5 days x 8 hours"): working days,
// daily working periods with a lunch break, holidays, and the zone's offset.
//
// The zone is a fixed UTC offset, not a tz database name: libstdc++ 12 ships no
// std::chrono::tzdb, and China (the default, Asia/Shanghai) has had no DST
// since 1991, so UTC+8 is exact. A zone with DST would need a tz library.
#pragma once

#include <chrono>
#include <set>
#include <vector>

#include "services/common/clock.h"
#include "services/common/status.h"
#include "services/intake/domain/date.h"

namespace aftersales::intake {

// [start, end) in local time of day, e.g. 08:30-12:00.
struct WorkingPeriod {
  std::chrono::minutes start;
  std::chrono::minutes end;
};

struct BusinessCalendarSpec {
  std::set<Weekday> working_days;
  std::vector<WorkingPeriod> periods;  // the same every working day, in order
  std::set<Date> holidays;             // working days that are off
  std::set<Date> extra_working_days;   // weekend days that are worked (China's 调休 make-up days)
  std::chrono::minutes utc_offset{0};

  // Mon-Fri 08:30-12:00 and 13:30-18:00 (8 hours, as domain.md's "5 x 8"),
  // UTC+8, no holidays: a deployment loads its own holiday list.
  static BusinessCalendarSpec Default();
};

// The default spec moved to another time zone and given a deployment's
// holidays and make-up working days, as written in its settings:
// comma-separated YYYY-MM-DD lists. INVALID_ARGUMENT naming `holidays_field`
// or `workdays_field` for a bad date, INVALID_BUSINESS_CALENDAR for a bad
// offset.
Result<BusinessCalendarSpec> SpecFromSettings(std::chrono::minutes utc_offset,
                                              std::string_view holidays,
                                              std::string_view extra_working_days,
                                              std::string_view holidays_field = "holidays",
                                              std::string_view workdays_field = "workdays");

class BusinessCalendar {
 public:
  // INVALID_ARGUMENT "INVALID_BUSINESS_CALENDAR" when periods are empty,
  // overlap, run backwards or leave the day, when no weekday is worked (time
  // could never pass), or when the offset is beyond +-18 h.
  static Result<BusinessCalendar> Create(BusinessCalendarSpec spec);
  static BusinessCalendar Default();

  const BusinessCalendarSpec& spec() const { return spec_; }
  std::chrono::minutes utc_offset() const { return spec_.utc_offset; }

  bool IsWorkingDay(Date day) const;
  bool IsOpen(TimePoint t) const;
  // The instant `d` of business time after `start`. Time outside working
  // periods does not count; a result exactly at a period's end stays there
  // (due 12:00, not 13:30). d <= 0 returns `start`.
  TimePoint AddBusinessTime(TimePoint start, Duration d) const;
  // Business time in [from, to); zero when to <= from.
  Duration BusinessTimeBetween(TimePoint from, TimePoint to) const;

 private:
  explicit BusinessCalendar(BusinessCalendarSpec spec) : spec_(std::move(spec)) {}
  BusinessCalendarSpec spec_;
};

}  // namespace aftersales::intake

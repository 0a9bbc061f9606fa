#include "services/intake/domain/business_calendar.h"

#include <algorithm>
#include <string>
#include <utility>

namespace aftersales::intake {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

constexpr minutes kDay = hours(24);

}  // namespace

BusinessCalendarSpec BusinessCalendarSpec::Default() {
  BusinessCalendarSpec spec;
  spec.working_days = {Weekday::kMonday, Weekday::kTuesday, Weekday::kWednesday, Weekday::kThursday,
                       Weekday::kFriday};
  spec.periods = {{hours(8) + minutes(30), hours(12)}, {hours(13) + minutes(30), hours(18)}};
  spec.utc_offset = hours(8);
  return spec;
}

namespace {

Status ParseDateList(std::string_view text, std::string_view field, std::set<Date>& out) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      Result<Date> d = Date::Parse(item, field);
      if (!d.ok()) return d.status();
      out.insert(*d);
    }
    start = comma + 1;
  }
  return Status::Ok();
}

}  // namespace

Result<BusinessCalendarSpec> SpecFromSettings(std::chrono::minutes utc_offset,
                                              std::string_view holidays,
                                              std::string_view extra_working_days,
                                              std::string_view holidays_field,
                                              std::string_view workdays_field) {
  BusinessCalendarSpec spec = BusinessCalendarSpec::Default();
  spec.utc_offset = utc_offset;
  if (Status s = ParseDateList(holidays, holidays_field, spec.holidays); !s.ok()) return s;
  if (Status s = ParseDateList(extra_working_days, workdays_field, spec.extra_working_days);
      !s.ok()) {
    return s;
  }
  Result<BusinessCalendar> checked = BusinessCalendar::Create(spec);
  if (!checked.ok()) return checked.status();
  return spec;
}

Result<BusinessCalendar> BusinessCalendar::Create(BusinessCalendarSpec spec) {
  Validator v;
  v.Check(!spec.working_days.empty(), "working_days", "at least one weekday must be worked");
  v.Check(!spec.periods.empty(), "periods", "at least one working period is needed");
  for (size_t i = 0; i < spec.periods.size(); ++i) {
    const WorkingPeriod& p = spec.periods[i];
    const std::string at = "periods[" + std::to_string(i) + "]";
    v.Check(p.start >= minutes(0) && p.end <= kDay && p.start < p.end, at,
            "must be a non-empty span inside one day (00:00-24:00)");
    if (i > 0) {
      v.Check(spec.periods[i - 1].end <= p.start, at,
              "must start at or after the previous period ends");
    }
  }
  v.Check(spec.utc_offset >= -hours(18) && spec.utc_offset <= hours(18), "utc_offset",
          "must be within -18h..+18h");
  if (!v.ok()) return v.ToStatus("INVALID_BUSINESS_CALENDAR");
  return BusinessCalendar(std::move(spec));
}

BusinessCalendar BusinessCalendar::Default() {
  return BusinessCalendar(BusinessCalendarSpec::Default());
}

bool BusinessCalendar::IsWorkingDay(Date day) const {
  if (spec_.holidays.count(day) != 0) return false;
  if (spec_.extra_working_days.count(day) != 0) return true;
  return spec_.working_days.count(day.weekday()) != 0;
}

bool BusinessCalendar::IsOpen(TimePoint t) const {
  const Date day = Date::FromTimePoint(t, spec_.utc_offset);
  if (!IsWorkingDay(day)) return false;
  const Duration since_midnight = t - day.StartInstant(spec_.utc_offset);
  return std::any_of(spec_.periods.begin(), spec_.periods.end(), [&](const WorkingPeriod& p) {
    return since_midnight >= p.start && since_midnight < p.end;
  });
}

TimePoint BusinessCalendar::AddBusinessTime(TimePoint start, Duration d) const {
  if (d <= Duration::zero()) return start;
  Duration remaining = d;
  TimePoint cursor = start;
  // Terminates: at least one weekday is worked and holidays are finite.
  for (Date day = Date::FromTimePoint(start, spec_.utc_offset);; day = day.AddDays(1)) {
    if (!IsWorkingDay(day)) continue;
    const TimePoint midnight = day.StartInstant(spec_.utc_offset);
    for (const WorkingPeriod& p : spec_.periods) {
      const TimePoint open = midnight + p.start;
      const TimePoint close = midnight + p.end;
      if (cursor >= close) continue;
      cursor = std::max(cursor, open);
      const Duration available = close - cursor;
      if (remaining <= available) return cursor + remaining;
      remaining -= available;
      cursor = close;
    }
  }
}

Duration BusinessCalendar::BusinessTimeBetween(TimePoint from, TimePoint to) const {
  Duration total = Duration::zero();
  if (to <= from) return total;
  const Date last = Date::FromTimePoint(to, spec_.utc_offset);
  for (Date day = Date::FromTimePoint(from, spec_.utc_offset); day <= last; day = day.AddDays(1)) {
    if (!IsWorkingDay(day)) continue;
    const TimePoint midnight = day.StartInstant(spec_.utc_offset);
    for (const WorkingPeriod& p : spec_.periods) {
      const TimePoint open = std::max(midnight + p.start, from);
      const TimePoint close = std::min(midnight + p.end, to);
      if (open < close) total += close - open;
    }
  }
  return total;
}

}  // namespace aftersales::intake

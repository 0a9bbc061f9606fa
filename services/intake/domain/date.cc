#include "services/intake/domain/date.h"

#include <cstdio>

namespace aftersales::intake {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic
// Gregorian calendar, no tables, no time zone database.
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;                                   // [0, 399]
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;  // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           // [0, 146096]
  return era * 146097 + doe - 719468;
}

struct Civil {
  int64_t y;
  int m;
  int d;
};

Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

Status BadDate(std::string_view field, std::string description) {
  return InvalidArgument("INVALID_DATE", std::string(field) + " is not a valid date",
                         {{std::string(field), std::move(description)}});
}

}  // namespace

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[month - 1];
}

Result<Date> Date::FromYmd(int year, int month, int day, std::string_view field) {
  if (year < 1 || year > 9999) return BadDate(field, "year must be 1..9999");
  if (month < 1 || month > 12) return BadDate(field, "month must be 1..12");
  if (day < 1 || day > DaysInMonth(year, month)) {
    return BadDate(field, "day " + std::to_string(day) + " does not exist in " +
                              std::to_string(year) + "-" + std::to_string(month));
  }
  return Date(year, month, day);
}

Result<Date> Date::Parse(std::string_view text, std::string_view field) {
  auto digits = [&](size_t pos, size_t n, int* out) {
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      v = v * 10 + (text[i] - '0');
    }
    *out = v;
    return true;
  };
  int y = 0, m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !digits(0, 4, &y) ||
      !digits(5, 2, &m) || !digits(8, 2, &d)) {
    return BadDate(field, "expected YYYY-MM-DD, got \"" + std::string(text.substr(0, 40)) + "\"");
  }
  return FromYmd(y, m, d, field);
}

Date Date::FromDaysSinceEpoch(int64_t days) {
  const Civil c = CivilFromDays(days);
  return Date(static_cast<int>(c.y), c.m, c.d);
}

Date Date::FromTimePoint(TimePoint t, std::chrono::minutes utc_offset) {
  const int64_t local_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch() + utc_offset).count();
  return FromDaysSinceEpoch(FloorDiv(local_seconds, 86400));
}

int64_t Date::DaysSinceEpoch() const { return DaysFromCivil(year_, month_, day_); }

Weekday Date::weekday() const {
  // 1970-01-01 was a Thursday (ISO 4).
  const int64_t from_monday = (DaysSinceEpoch() % 7 + 7 + 3) % 7;  // 0 = Monday
  return static_cast<Weekday>(from_monday + 1);
}

Date Date::AddDays(int64_t days) const { return FromDaysSinceEpoch(DaysSinceEpoch() + days); }

Date Date::AddMonths(int months) const {
  const int64_t index = static_cast<int64_t>(year_) * 12 + (month_ - 1) + months;
  const int y = static_cast<int>(FloorDiv(index, 12));
  const int m = static_cast<int>(index - static_cast<int64_t>(y) * 12) + 1;
  const int last = DaysInMonth(y, m);
  return Date(y, m, day_ < last ? day_ : last);
}

TimePoint Date::StartInstant(std::chrono::minutes utc_offset) const {
  return TimePoint(
      std::chrono::duration_cast<Duration>(std::chrono::hours(24) * DaysSinceEpoch() - utc_offset));
}

std::string Date::ToString() const {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year_, month_, day_);
  return buf;
}

}  // namespace aftersales::intake

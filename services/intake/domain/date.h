// A civil calendar date (no time, no zone): warranties, contracts and holidays
// are stated in days, so they are kept as days and never as instants.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "services/common/clock.h"
#include "services/common/status.h"

namespace aftersales::intake {

// ISO numbering, so that Monday..Friday is a range.
enum class Weekday { kMonday = 1, kTuesday, kWednesday, kThursday, kFriday, kSaturday, kSunday };

bool IsLeapYear(int year);
int DaysInMonth(int year, int month);

class Date {
 public:
  // 1970-01-01; only so that Date can sit in containers and structs.
  constexpr Date() = default;

  // Years 1..9999 (what "YYYY-MM-DD" can spell); anything else is
  // INVALID_ARGUMENT reason "INVALID_DATE" naming `field`.
  static Result<Date> FromYmd(int year, int month, int day, std::string_view field = "date");
  // Strictly "YYYY-MM-DD" (zero padded, real calendar day).
  static Result<Date> Parse(std::string_view text, std::string_view field = "date");
  // Days since 1970-01-01 (negative before). The caller keeps it in range.
  static Date FromDaysSinceEpoch(int64_t days);
  // The local calendar day of an instant in a zone `utc_offset` east of UTC.
  static Date FromTimePoint(TimePoint t, std::chrono::minutes utc_offset);

  int year() const { return year_; }
  int month() const { return month_; }
  int day() const { return day_; }

  int64_t DaysSinceEpoch() const;
  Weekday weekday() const;
  Date AddDays(int64_t days) const;
  // Calendar months; a day that does not exist in the target month clamps to
  // its last day (Jan 31 + 1 month = Feb 28, or Feb 29 in a leap year).
  Date AddMonths(int months) const;
  // Local midnight starting this day, as an instant.
  TimePoint StartInstant(std::chrono::minutes utc_offset) const;

  std::string ToString() const;  // "YYYY-MM-DD"

  friend bool operator==(const Date&, const Date&) = default;
  friend auto operator<=>(const Date&, const Date&) = default;

 private:
  constexpr Date(int y, int m, int d) : year_(y), month_(m), day_(d) {}

  // Field order makes the defaulted <=> chronological.
  int year_ = 1970;
  int month_ = 1;
  int day_ = 1;
};

// Whole days from `from` to `to` (negative when `to` is earlier).
inline int64_t DaysBetween(const Date& from, const Date& to) {
  return to.DaysSinceEpoch() - from.DaysSinceEpoch();
}

}  // namespace aftersales::intake

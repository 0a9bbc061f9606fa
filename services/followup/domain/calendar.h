// Civil dates for plans and warranties: go-live and expiry are stated in days
// ("YYYY-MM-DD", UTC), visits fall due at 00:00 UTC of their day.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "services/common/clock.h"

namespace aftersales::followup {

struct CivilDate {
  int year = 1970;
  int month = 1;
  int day = 1;

  // Strictly "YYYY-MM-DD", a real calendar day; nullopt otherwise.
  static std::optional<CivilDate> Parse(std::string_view text);
  static CivilDate FromDays(int64_t days_since_epoch);
  static CivilDate FromTime(TimePoint t);

  int64_t Days() const;
  CivilDate AddDays(int64_t days) const { return FromDays(Days() + days); }
  // Calendar months; a day missing in the target month clamps to its last day.
  CivilDate AddMonths(int months) const;
  TimePoint Start() const;  // 00:00 UTC
  std::string ToString() const;

  friend bool operator==(const CivilDate&, const CivilDate&) = default;
};

}  // namespace aftersales::followup

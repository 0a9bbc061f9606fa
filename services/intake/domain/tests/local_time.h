// Test shorthand: civil dates and local wall-clock instants (default UTC+8,
// the default business calendar's zone) written the way the rules state them.
#pragma once

#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>

#include "services/common/clock.h"
#include "services/intake/domain/date.h"

namespace aftersales::intake::testing {

inline Date D(std::string_view ymd) {
  Result<Date> d = Date::Parse(ymd);
  if (!d.ok()) std::abort();  // a typo in the test itself
  return *d;
}

// "2024-03-08 16:55" local time at `offset` east of UTC.
inline TimePoint Local(std::string_view ymd_hm,
                       std::chrono::minutes offset = std::chrono::hours(8)) {
  const Date day = D(ymd_hm.substr(0, 10));
  const int h = std::stoi(std::string(ymd_hm.substr(11, 2)));
  const int m = std::stoi(std::string(ymd_hm.substr(14, 2)));
  return day.StartInstant(offset) + std::chrono::hours(h) + std::chrono::minutes(m);
}

}  // namespace aftersales::intake::testing

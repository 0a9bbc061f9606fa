// Bounded stream length without losing events: trims by age, but never past
// an entry that some consumer group has not yet read or acknowledged.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "services/common/clock.h"
#include "services/common/redis/pool.h"

namespace aftersales::streams {

struct TrimResult {
  std::string min_id;   // entries below this id were removed ("" if none could be)
  int64_t removed = 0;  // how many
};

// XTRIM MINID to the lowest of: now - min_age, and for every group the first
// entry it has not read (after last-delivered-id) or not acknowledged (oldest
// pending). A stream that does not exist yet trims nothing. Run it from one
// place per stream (e.g. the producing service's periodic task); a group
// created at "0" while a trim runs may find old entries already gone.
Result<TrimResult> TrimStream(redis::RedisPool& pool, const std::string& stream,
                              std::chrono::milliseconds min_age, TimePoint now);

}  // namespace aftersales::streams

// Time is passed in, never read from a global: domain code takes a Clock or a
// time point so that tests drive it with ManualClock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace aftersales {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::system_clock::duration;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

// Thread-safe manual clock for tests and the test-mode services.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint{}) : ns_(ToNs(start)) {}
  TimePoint Now() const override { return TimePoint(std::chrono::nanoseconds(ns_.load())); }
  void Set(TimePoint t) { ns_.store(ToNs(t)); }
  void Advance(Duration d) {
    ns_.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
  }

 private:
  static int64_t ToNs(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  }
  std::atomic<int64_t> ns_;
};

inline int64_t ToUnixMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline TimePoint FromUnixMillis(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

}  // namespace aftersales

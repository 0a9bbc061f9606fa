// Process metrics in the Prometheus text format, served on /metrics.
//
// Look a series up once and keep the reference: lookups take the registry's
// lock, while Increment/Set/Observe on a series are lock-free atomics.
//
//   auto& handled = metrics::DefaultRegistry().Counter(
//       "grpc_server_handled_total", "RPCs completed", {{"method", "X"}, {"code", "OK"}});
//   handled.Increment();
//
// Names and label names are fixed by code, so a bad one (or one name used
// with two types) is a programming error: the lookup throws
// std::invalid_argument, which the first test run reveals. Label VALUES may
// come from anywhere and are escaped on output; keep their number bounded.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aftersales::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  // Negative or NaN increments are ignored: a counter only goes up.
  void Increment(double by = 1.0);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double by);
  void Increment() { Add(1.0); }
  void Decrement() { Add(-1.0); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  // `bounds`: strictly increasing finite upper bounds; +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);

  void Observe(double v);
  template <typename Rep, typename Period>
  void ObserveDuration(std::chrono::duration<Rep, Period> d) {
    Observe(std::chrono::duration<double>(d).count());
  }

  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts per bound, then the +Inf count (== Count()).
  std::vector<uint64_t> CumulativeCounts() const;
  uint64_t Count() const;
  double Sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  // Per-bucket (not cumulative) so that Observe touches one counter.
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0.0};
};

// Seconds, from 0.5 ms to 10 s: gRPC handlers, Redis scripts, HTTP requests.
const std::vector<double>& DefaultLatencyBuckets();

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The series with this name and label set, created on first use; the
  // reference stays valid for the registry's lifetime. Label order does not
  // matter. The help text and buckets of the first call win.
  metrics::Counter& Counter(std::string_view name, std::string_view help,
                            const Labels& labels = {});
  metrics::Gauge& Gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  metrics::Histogram& Histogram(std::string_view name, std::string_view help,
                                const Labels& labels = {},
                                const std::vector<double>& buckets = DefaultLatencyBuckets());

  // Prometheus text format 0.0.4: families sorted by name, series by labels.
  std::string Exposition() const;

 private:
  struct Family;
  Family& FamilyFor(std::string_view name, std::string_view help, int type);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;
};

// The process-wide registry that /metrics serves.
Registry& DefaultRegistry();

// The Content-Type of Exposition().
inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Prometheus sample value: "3", "0.25", "+Inf", "-Inf", "NaN".
std::string FormatValue(double v);

}  // namespace aftersales::metrics

#include "services/common/metrics/metrics.h"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

namespace aftersales::metrics {
namespace {

TEST_CASE("Exposition of counters and gauges is exact Prometheus text", "[metrics]") {
  Registry r;
  r.Counter("grpc_server_handled_total", "RPCs completed.", {{"method", "Get"}, {"code", "OK"}})
      .Increment();
  r.Counter("grpc_server_handled_total", "ignored: first help wins",
            {{"code", "OK"}, {"method", "Get"}})
      .Increment(2);
  r.Counter("grpc_server_handled_total", "", {{"method", "Get"}, {"code", "NOT_FOUND"}})
      .Increment();
  r.Gauge("stream_lag", "Entries behind.\nSecond line \\ here").Set(-2.5);
  CHECK(r.Exposition() ==
        "# HELP grpc_server_handled_total RPCs completed.\n"
        "# TYPE grpc_server_handled_total counter\n"
        "grpc_server_handled_total{code=\"NOT_FOUND\",method=\"Get\"} 1\n"
        "grpc_server_handled_total{code=\"OK\",method=\"Get\"} 3\n"
        "# HELP stream_lag Entries behind.\\nSecond line \\\\ here\n"
        "# TYPE stream_lag gauge\n"
        "stream_lag -2.5\n");
}

TEST_CASE("Exposition of a histogram is cumulative with +Inf, _sum and _count", "[metrics]") {
  Registry r;
  auto& h =
      r.Histogram("redis_script_seconds", "Script latency.", {{"script", "claim"}}, {0.01, 0.1, 1});
  h.Observe(0.005);
  h.Observe(0.01);  // on a bound: counts in that bucket (le is inclusive)
  h.Observe(0.5);
  h.Observe(30);
  CHECK(r.Exposition() ==
        "# HELP redis_script_seconds Script latency.\n"
        "# TYPE redis_script_seconds histogram\n"
        "redis_script_seconds_bucket{script=\"claim\",le=\"0.01\"} 2\n"
        "redis_script_seconds_bucket{script=\"claim\",le=\"0.1\"} 2\n"
        "redis_script_seconds_bucket{script=\"claim\",le=\"1\"} 3\n"
        "redis_script_seconds_bucket{script=\"claim\",le=\"+Inf\"} 4\n"
        "redis_script_seconds_sum{script=\"claim\"} 30.515\n"
        "redis_script_seconds_count{script=\"claim\"} 4\n");
}

TEST_CASE("Label values are escaped", "[metrics]") {
  Registry r;
  r.Counter("errors_total", "h", {{"reason", "a\"b\\c\nd"}}).Increment();
  CHECK(r.Exposition().find("errors_total{reason=\"a\\\"b\\\\c\\nd\"} 1\n") != std::string::npos);
}

TEST_CASE("The same name and labels give the same series", "[metrics]") {
  Registry r;
  Counter& a = r.Counter("c_total", "h", {{"x", "1"}, {"y", "2"}});
  Counter& b = r.Counter("c_total", "h", {{"y", "2"}, {"x", "1"}});
  Counter& other = r.Counter("c_total", "h", {{"x", "2"}, {"y", "2"}});
  CHECK(&a == &b);
  CHECK(&a != &other);
  a.Increment(-1);  // a counter never goes down
  a.Increment(0.5);
  CHECK(b.Value() == 0.5);
}

TEST_CASE("Default latency buckets span 0.5 ms to 10 s", "[metrics]") {
  Registry r;
  r.Histogram("rpc_seconds", "h").ObserveDuration(std::chrono::milliseconds(3));
  const std::string text = r.Exposition();
  CHECK(text.find("rpc_seconds_bucket{le=\"0.0005\"} 0\n") != std::string::npos);
  CHECK(text.find("rpc_seconds_bucket{le=\"0.0025\"} 0\n") != std::string::npos);
  CHECK(text.find("rpc_seconds_bucket{le=\"0.005\"} 1\n") != std::string::npos);
  CHECK(text.find("rpc_seconds_bucket{le=\"10\"} 1\n") != std::string::npos);
  CHECK(text.find("rpc_seconds_sum 0.003\n") != std::string::npos);
  CHECK(DefaultLatencyBuckets().front() == 0.0005);
  CHECK(DefaultLatencyBuckets().back() == 10);
}

TEST_CASE("Programming errors in metric definitions throw", "[metrics]") {
  Registry r;
  r.Counter("requests_total", "h");
  CHECK_THROWS_AS(r.Gauge("requests_total", "h"), std::invalid_argument);
  CHECK_THROWS_AS(r.Counter("bad-name", "h"), std::invalid_argument);
  CHECK_THROWS_AS(r.Counter("9lives", "h"), std::invalid_argument);
  CHECK_THROWS_AS(r.Counter("ok_total", "h", {{"__reserved", "x"}}), std::invalid_argument);
  CHECK_THROWS_AS(r.Counter("ok_total", "h", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
  CHECK_THROWS_AS(r.Histogram("h_seconds", "h", {{"le", "1"}}), std::invalid_argument);
  CHECK_THROWS_AS(r.Histogram("h_seconds", "h", {}, {1, 1}), std::invalid_argument);
  // A failed lookup leaves nothing half-registered behind.
  CHECK(r.Exposition() ==
        "# HELP requests_total h\n# TYPE requests_total counter\nrequests_total 0\n");
}

TEST_CASE("Concurrent increments and observations are all counted", "[metrics]") {
  Registry r;
  Counter& c = r.Counter("hits_total", "h");
  Gauge& g = r.Gauge("in_flight", "h");
  Histogram& h = r.Histogram("lat_seconds", "h", {}, {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.Increment();
        g.Increment();
        h.Observe(0.5);
        g.Decrement();
        // Lookups from other threads at the same time must be safe as well.
        if (i % 1000 == 0) r.Counter("hits_total", "h").Increment(0);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(c.Value() == 40000);
  CHECK(g.Value() == 0);
  CHECK(h.Count() == 40000);
  CHECK(h.Sum() == 20000);
}

TEST_CASE("FormatValue renders special and fractional values", "[metrics]") {
  CHECK(FormatValue(3) == "3");
  CHECK(FormatValue(0.25) == "0.25");
  CHECK(FormatValue(0.0005) == "0.0005");
  CHECK(FormatValue(1234567.5) == "1234567.5");
  CHECK(FormatValue(1e-9) == "1e-09");
  CHECK(FormatValue(0) == "0");
  CHECK(FormatValue(1.0 / 0.0) == "+Inf");
  CHECK(FormatValue(-1.0 / 0.0) == "-Inf");
  CHECK(FormatValue(0.0 / 0.0) == "NaN");
  CHECK(&DefaultRegistry() == &DefaultRegistry());
}

}  // namespace
}  // namespace aftersales::metrics

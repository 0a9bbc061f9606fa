// The figures a benchmark prints are only as good as the reading of its load
// generator's output: real wrk and redis-benchmark outputs, read back.
#include "tests/bench/bench_support.h"

#include <catch2/catch.hpp>

namespace aftersales::bench {
namespace {

constexpr char kWrkOutput[] = R"(Running 5s test @ http://127.0.0.1:35139
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    21.35ms   12.96ms 126.25ms   84.59%
    Req/Sec   797.31    284.95     1.52k    65.00%
  Latency Distribution
     50%  917.00us
     75%   24.80ms
     90%   36.83ms
     99%    1.20s
  7956 requests in 5.03s, 9.15MB read
  Non-2xx or 3xx responses: 12
Requests/sec:   1580.46
Transfer/sec:      1.82MB
)";

TEST_CASE("wrk output gives throughput, calls, failures and percentiles in ms") {
  const Figures f = ParseWrk(kWrkOutput);
  CHECK(f.rps == Approx(1580.46));
  CHECK(f.calls == 7956);
  CHECK(f.errors == 12);
  CHECK(f.p50_ms == Approx(0.917));
  CHECK(f.p99_ms == Approx(1200));
}

TEST_CASE("wrk output that failed gives zero throughput, not garbage") {
  const Figures f = ParseWrk("unable to connect to 127.0.0.1:1 Connection refused\n");
  CHECK(f.rps == 0);
  CHECK(f.calls == 0);
  CHECK(f.p99_ms < 0);
}

TEST_CASE("redis-benchmark csv gives throughput and percentiles from its last line") {
  const Figures f = ParseRedisBenchmarkCsv(
      "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\","
      "\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"\n"
      "\"XADD bench:s * id 'a,b' payload xxxx\",\"13860.01\",\"1.867\",\"0.104\",\"0.535\","
      "\"7.591\",\"12.047\",\"17.231\"\n");
  CHECK(f.rps == Approx(13860.01));
  CHECK(f.p50_ms == Approx(0.535));
  CHECK(f.p99_ms == Approx(12.047));
}

TEST_CASE("redis-benchmark output without figures gives zero throughput") {
  CHECK(ParseRedisBenchmarkCsv("Could not connect to Redis at 127.0.0.1:1\n").rps == 0);
  CHECK(ParseRedisBenchmarkCsv("").rps == 0);
}

TEST_CASE("percentiles of latencies") {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);
  CHECK(Percentile(v, 0.5) == 51);
  CHECK(Percentile(v, 0.99) == 100);
  CHECK(Percentile({}, 0.99) == 0);
}

}  // namespace
}  // namespace aftersales::bench

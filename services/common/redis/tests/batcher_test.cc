// redis::Batcher against a real redis-server: requests from many threads
// share round trips, each is answered, in order; Redis going away answers
// every waiting request with the error and the next batch recovers.
#include "services/common/redis/batcher.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "services/common/redis/connection.h"
#include "tests/support/redis_server.h"

namespace aftersales::redis {
namespace {

using Command = std::vector<std::string>;
using IncrBatcher = Batcher<Command, int64_t>;

// One pipeline per batch; INCR replies as numbers.
Result<std::vector<Result<int64_t>>> RunPipeline(Connection& connection,
                                                 std::vector<Command>& commands) {
  auto replies = connection.Pipeline(commands);
  if (!replies.ok()) return replies.status();
  std::vector<Result<int64_t>> out;
  for (const Reply& r : *replies) out.emplace_back(r.integer().value_or(-1));
  return out;
}

RedisOptions Options(int port) {
  RedisOptions o;
  o.port = port;
  o.connect_timeout = std::chrono::milliseconds(200);
  return o;
}

TEST_CASE("requests queued while a batch runs share the next round trips and all are answered") {
  testing::RedisServer redis(false);
  Connection connection(Options(redis.port()));
  std::promise<void> gate;
  std::shared_future<void> open = gate.get_future().share();
  std::atomic<bool> first_running{false};
  std::atomic<int> runs{0};
  constexpr int kThreads = 4;
  constexpr int kEach = 50;
  std::mutex mu;
  std::vector<std::vector<int64_t>> seen(kThreads);
  std::atomic<int> answered{0};
  {
    IncrBatcher batcher(
        [&](std::vector<Command>& commands) {
          if (runs++ == 0) {
            first_running = true;
            open.wait();  // hold the first batch until everything else is queued
          }
          return RunPipeline(connection, commands);
        },
        64);
    batcher.Submit({"INCR", "n"}, [&](Result<int64_t> r) {
      CHECK(r.ok());
      ++answered;
    });
    while (!first_running) std::this_thread::yield();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          batcher.Submit({"INCR", "n"}, [&, t](Result<int64_t> r) {
            REQUIRE(r.ok());
            std::lock_guard lock(mu);
            seen[static_cast<size_t>(t)].push_back(*r);
            ++answered;
          });
        }
      });
    }
    for (auto& t : threads) t.join();
    gate.set_value();
  }  // the destructor runs what is queued
  CHECK(answered == 1 + kThreads * kEach);
  // 200 queued requests at 64 a batch: 4 runs after the first, not 200.
  CHECK(runs == 1 + (kThreads * kEach + 63) / 64);
  // Run in the order submitted: each thread's counters rise, all distinct.
  std::vector<int64_t> all;
  for (const auto& s : seen) {
    REQUIRE(s.size() == static_cast<size_t>(kEach));
    for (size_t i = 1; i < s.size(); ++i) CHECK(s[i] > s[i - 1]);
    all.insert(all.end(), s.begin(), s.end());
  }
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  CHECK(all.front() == 2);
  CHECK(all.back() == 1 + kThreads * kEach);
}

TEST_CASE("Redis down: every request of the batch gets UNAVAILABLE, then service resumes") {
  testing::RedisServer redis(false);
  Connection connection(Options(redis.port()));
  IncrBatcher batcher(
      [&](std::vector<Command>& commands) { return RunPipeline(connection, commands); });
  auto incr = [&] {
    std::promise<Result<int64_t>> p;
    batcher.Submit({"INCR", "n"}, [&p](Result<int64_t> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  };
  REQUIRE(incr().ok());
  redis.Stop();
  for (int i = 0; i < 3; ++i) {
    Result<int64_t> r = incr();
    REQUIRE(!r.ok());
    CHECK(r.status().code() == Code::kUnavailable);
  }
  redis.Start();
  Result<int64_t> back = incr();
  REQUIRE(back.ok());
  CHECK(*back == 1);  // a fresh server without AOF
}

TEST_CASE("a callback may submit again, and the batcher answers it before it stops") {
  testing::RedisServer redis(false);
  Connection connection(Options(redis.port()));
  std::atomic<int64_t> second{0};
  {
    IncrBatcher batcher(
        [&](std::vector<Command>& commands) { return RunPipeline(connection, commands); });
    batcher.Submit({"INCR", "n"}, [&](Result<int64_t> r) {
      REQUIRE(r.ok());
      batcher.Submit({"INCR", "n"},
                     [&](Result<int64_t> again) { second = again.ok() ? *again : -1; });
    });
    // Give the first a moment, then destroy: the chained one is still answered.
    for (int i = 0; i < 200 && second == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  CHECK(second == 2);
}

}  // namespace
}  // namespace aftersales::redis

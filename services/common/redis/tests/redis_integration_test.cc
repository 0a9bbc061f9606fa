// The Redis client against a real redis-server.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "services/common/redis/pool.h"
#include "services/common/redis/script.h"
#include "tests/support/redis_server.h"

namespace aftersales::redis {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

RedisOptions OptionsFor(const testing::RedisServer& server) {
  RedisOptions options;
  options.host = server.host();
  options.port = server.port();
  options.connect_timeout = milliseconds(500);
  options.command_timeout = milliseconds(500);
  options.borrow_timeout = milliseconds(500);
  return options;
}

RedisPoolPtr MakePool(const RedisOptions& options) {
  Result<RedisPoolPtr> pool = RedisPool::Create(options);
  REQUIRE(pool.ok());
  return std::move(pool).value();
}

TEST_CASE("commands round-trip binary values") {
  testing::RedisServer server;
  RedisPoolPtr pool = MakePool(OptionsFor(server));
  const std::string value("a\0b\r\n$3\xff", 9);
  const std::string key("k\0\n", 3);
  REQUIRE(pool->Command({"SET", key, value}).ok());
  Result<Reply> got = pool->Command({"GET", key});
  REQUIRE(got.ok());
  CHECK(got->is_string());
  CHECK(got->str() == value);
  Result<Reply> missing = pool->Command({"GET", "nope"});
  REQUIRE(missing.ok());
  CHECK(missing->is_nil());
  CHECK(pool->Ping().ok());
}

TEST_CASE("pipelines return every reply in order") {
  testing::RedisServer server;
  RedisPoolPtr pool = MakePool(OptionsFor(server));
  std::vector<std::vector<std::string>> commands;
  for (int i = 0; i < 100; ++i) commands.push_back({"INCR", "counter"});
  commands.push_back({"GET", "counter"});
  Result<std::vector<Reply>> replies = pool->Pipeline(commands);
  REQUIRE(replies.ok());
  REQUIRE(replies->size() == 101);
  for (int i = 0; i < 100; ++i) CHECK((*replies)[i].integer() == i + 1);
  CHECK((*replies)[100].str() == "100");
}

TEST_CASE("error replies become statuses and leave the connection usable") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.pool_size = 1;  // the same connection serves every call below
  RedisPoolPtr pool = MakePool(options);
  REQUIRE(pool->Command({"LPUSH", "list", "x"}).ok());
  Result<Reply> wrong = pool->Command({"GET", "list"});
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status().code() == Code::kFailedPrecondition);
  CHECK(wrong.status().reason() == "REDIS_WRONGTYPE");

  // A pipeline with an error in the middle still reads every reply.
  Result<std::vector<Reply>> mixed =
      pool->Pipeline({{"SET", "a", "1"}, {"GET", "list"}, {"SET", "b", "2"}});
  REQUIRE_FALSE(mixed.ok());
  CHECK(mixed.status().reason() == "REDIS_WRONGTYPE");
  Result<Reply> b = pool->Command({"GET", "b"});
  REQUIRE(b.ok());
  CHECK(b->str() == "2");
}

TEST_CASE("scripts run by sha and are reloaded after SCRIPT FLUSH") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.pool_size = 1;
  RedisPoolPtr pool = MakePool(options);
  Script script("redis.call('INCRBY', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1])");

  Result<Reply> first = pool->Eval(script, {"n"}, {"5"});
  REQUIRE(first.ok());
  CHECK(first->str() == "5");
  Result<Reply> exists = pool->Command({"SCRIPT", "EXISTS", script.sha()});
  REQUIRE(exists.ok());
  CHECK((*exists)[0].integer() == 1);  // our local SHA-1 is the name Redis uses

  REQUIRE(pool->Command({"SCRIPT", "FLUSH"}).ok());
  Result<Reply> second = pool->Eval(script, {"n"}, {"2"});
  REQUIRE(second.ok());
  CHECK(second->str() == "7");  // ran exactly once after the reload
}

TEST_CASE("a script rejects a change with a domain status") {
  testing::RedisServer server;
  RedisPoolPtr pool = MakePool(OptionsFor(server));
  Script script(
      "if redis.call('EXISTS', KEYS[1]) == 1 then "
      "  return redis.error_reply('ALREADY_EXISTS TICKET_EXISTS ticket ' .. ARGV[1] .. ' exists') "
      "end "
      "redis.call('SET', KEYS[1], ARGV[1]) return 1");
  REQUIRE(pool->Eval(script, {"t"}, {"7"}).ok());
  Result<Reply> again = pool->Eval(script, {"t"}, {"7"});
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == Code::kAlreadyExists);
  CHECK(again.status().reason() == "TICKET_EXISTS");
  CHECK(again.status().message() == "ticket 7 exists");

  Script broken("return redis.call('NOSUCHCOMMAND')");
  Result<Reply> failed = pool->Eval(broken, {}, {});
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().code() == Code::kInternal);
}

TEST_CASE("the pool serves several threads at once") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.pool_size = 3;
  options.borrow_timeout = milliseconds(2000);
  RedisPoolPtr pool = MakePool(options);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string own = "own:" + std::to_string(t);
      for (int i = 0; i < kPerThread; ++i) {
        Result<std::vector<Reply>> r = pool->Pipeline({{"INCR", "shared"}, {"INCR", own}});
        // Each reply must be for this thread's own commands, never another's.
        if (!r.ok() || (*r)[1].integer() != i + 1) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
  Result<Reply> total = pool->Command({"GET", "shared"});
  REQUIRE(total.ok());
  CHECK(total->integer() == kThreads * kPerThread);
}

TEST_CASE("a busy pool makes a caller wait only a bounded time") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.pool_size = 1;
  options.borrow_timeout = milliseconds(100);
  RedisPoolPtr pool = MakePool(options);
  Result<RedisPool::Lease> held = pool->Acquire();
  REQUIRE(held.ok());
  auto start = SteadyClock::now();
  Result<Reply> r = pool->Command({"PING"});
  auto waited = SteadyClock::now() - start;
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kUnavailable);
  CHECK(r.status().reason() == "REDIS_POOL_EXHAUSTED");
  CHECK(waited >= milliseconds(90));
  CHECK(waited < milliseconds(1000));
}

TEST_CASE("a stopped redis is UNAVAILABLE promptly and the pool reconnects") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.pool_size = 1;
  RedisPoolPtr pool = MakePool(options);
  REQUIRE(pool->Command({"SET", "k", "v"}).ok());

  server.Stop();
  auto start = SteadyClock::now();
  Result<Reply> down = pool->Command({"GET", "k"});
  auto took = SteadyClock::now() - start;
  REQUIRE_FALSE(down.ok());
  CHECK(down.status().code() == Code::kUnavailable);
  CHECK(down.status().reason() == "REDIS_UNAVAILABLE");
  CHECK(down.status().message().find("127.0.0.1:" + std::to_string(server.port())) !=
        std::string::npos);
  CHECK(took < milliseconds(1500));
  // Still down: a fresh connect attempt fails the same way.
  CHECK(pool->Ping().code() == Code::kUnavailable);

  server.Start();
  Result<Reply> up = pool->Command({"GET", "k"});
  REQUIRE(up.ok());
  CHECK(up->str() == "v");  // AOF kept it across the restart
}

TEST_CASE("a redis that stops answering times out instead of hanging") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.command_timeout = milliseconds(300);
  RedisPoolPtr pool = MakePool(options);
  REQUIRE(pool->Command({"SET", "k", "v"}).ok());
  // CLIENT PAUSE holds every client's commands: a server that hangs.
  REQUIRE(pool->Command({"CLIENT", "PAUSE", "1500", "ALL"}).ok());
  auto start = SteadyClock::now();
  Result<Reply> stuck = pool->Command({"GET", "k"});
  auto took = SteadyClock::now() - start;
  REQUIRE_FALSE(stuck.ok());
  CHECK(stuck.status().code() == Code::kUnavailable);
  CHECK(took < milliseconds(1000));

  // Once the server answers again the next calls reconnect and succeed.
  bool recovered = false;
  for (int i = 0; i < 40 && !recovered; ++i) {
    recovered = pool->Command({"GET", "k"}).ok();
    if (!recovered) std::this_thread::sleep_for(milliseconds(100));
  }
  CHECK(recovered);
}

TEST_CASE("blocking commands get their block time on top of the command timeout") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.command_timeout = milliseconds(200);
  RedisPoolPtr pool = MakePool(options);
  Result<Reply> r = pool->Command({"BLPOP", "empty", "0.5"}, milliseconds(500));
  REQUIRE(r.ok());
  CHECK(r->is_nil());
  // Without the allowance the same call is cut off by the command timeout.
  Result<Reply> cut = pool->Command({"BLPOP", "empty", "0.5"});
  CHECK(cut.status().code() == Code::kUnavailable);
}

TEST_CASE("an unresolvable host fails at creation, naming the host") {
  RedisOptions options;
  options.host = "no-such-host.invalid";
  Result<RedisPoolPtr> pool = RedisPool::Create(options);
  REQUIRE_FALSE(pool.ok());
  CHECK(pool.status().code() == Code::kUnavailable);
  CHECK(pool.status().message().find("no-such-host.invalid") != std::string::npos);
}

}  // namespace
}  // namespace aftersales::redis

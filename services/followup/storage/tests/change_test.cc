// The guarded change script against a real redis-server.
#include "services/followup/storage/change.h"

#include <catch2/catch.hpp>

#include "tests/support/redis_server.h"

using namespace aftersales;
using namespace aftersales::followup;

namespace {

struct Redis {
  aftersales::testing::RedisServer server{false};
  redis::RedisPoolPtr pool;
  Redis() {
    redis::RedisOptions options;
    options.port = server.port();
    pool = std::move(redis::RedisPool::Create(options)).value();
  }
  std::string Get(const std::string& key) {
    auto r = pool->Command({"GET", key});
    REQUIRE(r.ok());
    return r->string();
  }
};

}  // namespace

TEST_CASE("a change turned down by a guard writes nothing and leaves no event marker") {
  Redis redis;
  REQUIRE(redis.pool->Command({"HSET", "{followup}:k", "status", "1"}).ok());
  Change c;
  c.FirstTime("{followup}:marker", 60);
  c.FieldIs("{followup}:k", "status", "2");
  c.Write("SET", "{followup}:effect", {"done"});
  auto r = c.Apply(*redis.pool);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kAborted);
  CHECK(r.status().reason() == "CONCURRENT_UPDATE");
  CHECK(redis.Get("{followup}:marker").empty());
  CHECK(redis.Get("{followup}:effect").empty());
}

TEST_CASE("a change with an event marker applies once") {
  Redis redis;
  Change c;
  c.FirstTime("{followup}:marker", 60);
  c.Write("HINCRBY", "{followup}:count", {"n", "1"});
  c.Emit("{followup}:events", {"e-1", "aftersales.events.v1.ComplaintOpened", "K1", 1, "x"});
  REQUIRE(*c.Apply(*redis.pool));
  CHECK_FALSE(*c.Apply(*redis.pool));
  auto n = redis.pool->Command({"HGET", "{followup}:count", "n"});
  CHECK(n->string() == "1");
  auto len = redis.pool->Command({"XLEN", "{followup}:events"});
  CHECK(len->integer() == 1);
}

TEST_CASE("a timer fires only at its exact score") {
  Redis redis;
  REQUIRE(redis.pool->Command({"ZADD", "{followup}:timers", "100", "plan:1"}).ok());
  Change stale;
  stale.ScoreIs("{followup}:timers", "plan:1", 99);
  stale.Write("SET", "{followup}:fired", {"1"});
  CHECK_FALSE(*stale.Apply(*redis.pool));
  Change current;
  current.ScoreIs("{followup}:timers", "plan:1", 100);
  current.Write("ZADD", "{followup}:timers", {"200", "plan:1"});
  CHECK(*current.Apply(*redis.pool));
  CHECK_FALSE(*current.Apply(*redis.pool));  // a second worker with the same read
}

// Dead letters as an operator meets them: made by the real streams::Consumer,
// listed, replayed onto their stream (where the group then handles them) or
// dropped, against a real redis-server.
#include "services/aftersalesctl/dead_letters.h"

#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "services/aftersalesctl/cli.h"
#include "services/aftersalesctl/lag.h"
#include "services/common/redis/pool.h"
#include "services/common/streams/consumer.h"
#include "tests/support/redis_server.h"

namespace aftersales::ctl {
namespace {

using std::chrono::milliseconds;

constexpr char kStream[] = "{intake}:events";
constexpr char kDead[] = "{intake}:events:dead";

redis::RedisPoolPtr Connect(const testing::RedisServer& server) {
  redis::RedisOptions options;
  options.host = server.host();
  options.port = server.port();
  auto pool = redis::RedisPool::Create(options);
  REQUIRE(pool.ok());
  return std::move(pool).value();
}

std::string Publish(redis::RedisPool& pool, const std::string& event_id,
                    const std::string& payload = std::string("\x01\x00\xff", 3)) {
  auto id = pool.Command({"XADD", kStream, "*", "id", event_id, "type",
                          "aftersales.events.v1.TicketReported", "aggregate", "T-" + event_id,
                          "time", "1700000000000", "payload", payload});
  REQUIRE(id.ok());
  return id->string();
}

int64_t Length(redis::RedisPool& pool, const std::string& key) {
  auto n = pool.Command({"XLEN", key});
  REQUIRE(n.ok());
  return n->integer().value_or(-1);
}

// A "dispatch" consumer of the intake stream whose handler fails while
// `failing` is set; every event it handled is recorded.
struct DispatchConsumer {
  bool failing = true;
  std::multiset<std::string> handled;
  streams::ConsumerPtr consumer;

  explicit DispatchConsumer(redis::RedisPool& pool) {
    streams::ConsumerOptions options;
    options.stream = kStream;
    options.group = "dispatch";
    options.consumer = "dispatch-1";
    options.block = milliseconds(50);
    options.max_deliveries = 1;
    options.handled_prefix = "{dispatch}:";
    auto created = streams::Consumer::Create(pool, options, [this](const streams::Event& e) {
      if (failing) return Internal("STOCK_SERVICE_DOWN", "inventory did not answer");
      handled.insert(e.event_id);
      return Status::Ok();
    });
    REQUIRE(created.ok());
    consumer = std::move(created).value();
  }

  // Polls until `done` or 50 cycles (each at most ~50 ms).
  template <typename Done>
  void RunUntil(Done done) {
    for (int i = 0; i < 50 && !done(); ++i) REQUIRE(consumer->RunOnce().ok());
  }
};

TEST_CASE("a dead-lettered event is listed with its group and error, and replay gets it handled") {
  testing::RedisServer redis;
  auto pool = Connect(redis);
  DispatchConsumer dispatch(*pool);
  const std::string source_id = Publish(*pool, "ev-1");
  dispatch.RunUntil([&] { return dispatch.consumer->counters().dead_lettered.load() == 1; });
  REQUIRE(dispatch.consumer->counters().dead_lettered.load() == 1);

  auto letters = ListDeadLetters(*pool, kStream, 10);
  REQUIRE(letters.ok());
  REQUIRE(letters->size() == 1);
  const DeadLetter& d = letters->front();
  CHECK(d.source_stream == kStream);
  CHECK(d.source_id == source_id);
  CHECK(d.group == "dispatch");
  CHECK(d.error.find("inventory did not answer") != std::string::npos);
  CHECK(d.EventField("id") == "ev-1");
  CHECK(d.EventField("type") == "aftersales.events.v1.TicketReported");
  CHECK(d.EventField("payload") == std::string("\x01\x00\xff", 3));

  dispatch.failing = false;
  auto replayed = ReplayDeadLetter(*pool, kStream, d.id);
  REQUIRE(replayed.ok());
  CHECK(*replayed != source_id);
  CHECK(Length(*pool, kDead) == 0);

  dispatch.RunUntil([&] { return dispatch.handled.count("ev-1") == 1; });
  CHECK(dispatch.handled.count("ev-1") == 1);
  // The same bytes came back: the payload survived the round trip.
  auto back = pool->Command({"XRANGE", kStream, *replayed, *replayed});
  REQUIRE(back.ok());
  CHECK(back->ToString().find("ev-1") != std::string::npos);

  auto again = ReplayDeadLetter(*pool, kStream, d.id);
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == Code::kNotFound);
  CHECK(again.status().reason() == "DEAD_LETTER_NOT_FOUND");
}

TEST_CASE("replaying into a group that already handled the event does nothing twice") {
  testing::RedisServer redis;
  auto pool = Connect(redis);
  DispatchConsumer dispatch(*pool);
  dispatch.failing = false;
  Publish(*pool, "ev-2");
  dispatch.RunUntil([&] { return dispatch.handled.count("ev-2") == 1; });
  REQUIRE(dispatch.handled.count("ev-2") == 1);
  // Another group's dead letter of the same event, replayed onto the stream
  // that every group reads.
  auto dead = pool->Command({"XADD",
                             kDead,
                             "*",
                             "source_stream",
                             kStream,
                             "source_id",
                             "1-0",
                             "group",
                             "followup",
                             "consumer",
                             "followup-1",
                             "deliveries",
                             "5",
                             "error",
                             "boom",
                             "id",
                             "ev-2",
                             "type",
                             "t",
                             "aggregate",
                             "a",
                             "time",
                             "1700000000000",
                             "payload",
                             "p"});
  REQUIRE(dead.ok());
  REQUIRE(ReplayDeadLetter(*pool, kStream, dead->string()).ok());
  dispatch.RunUntil([&] { return dispatch.consumer->counters().duplicates.load() == 1; });
  CHECK(dispatch.consumer->counters().duplicates.load() == 1);
  CHECK(dispatch.handled.count("ev-2") == 1);
}

TEST_CASE("a dead letter that names another stream is refused and nothing changes") {
  testing::RedisServer redis;
  auto pool = Connect(redis);
  Publish(*pool, "ev-3");
  auto dead = pool->Command({"XADD",
                             kDead,
                             "*",
                             "source_stream",
                             "{dispatch}:events",
                             "source_id",
                             "1-0",
                             "group",
                             "followup",
                             "consumer",
                             "c",
                             "deliveries",
                             "5",
                             "error",
                             "boom",
                             "id",
                             "ev-3",
                             "type",
                             "t",
                             "aggregate",
                             "a",
                             "time",
                             "1700000000000",
                             "payload",
                             "p"});
  REQUIRE(dead.ok());
  auto replayed = ReplayDeadLetter(*pool, kStream, dead->string());
  REQUIRE_FALSE(replayed.ok());
  CHECK(replayed.status().code() == Code::kFailedPrecondition);
  CHECK(replayed.status().reason() == "DEAD_LETTER_OTHER_STREAM");
  CHECK(Length(*pool, kDead) == 1);
  CHECK(Length(*pool, kStream) == 1);

  auto bad = ReplayDeadLetter(*pool, kStream, "not-an-id");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Code::kInvalidArgument);
}

TEST_CASE("lag shows what each group has pending and has not been given yet") {
  testing::RedisServer redis;
  auto pool = Connect(redis);
  for (int i = 0; i < 5; ++i) Publish(*pool, "lag-" + std::to_string(i));
  REQUIRE(pool->Command({"XGROUP", "CREATE", kStream, "followup", "0"}).ok());
  REQUIRE(pool->Command({"XGROUP", "CREATE", kStream, "dispatch", "0"}).ok());
  // followup: two delivered, none acknowledged.
  REQUIRE(pool->Command(
                  {"XREADGROUP", "GROUP", "followup", "f-1", "COUNT", "2", "STREAMS", kStream, ">"})
              .ok());
  // dispatch: everything delivered and acknowledged.
  auto all = pool->Command(
      {"XREADGROUP", "GROUP", "dispatch", "d-1", "COUNT", "10", "STREAMS", kStream, ">"});
  REQUIRE(all.ok());
  for (size_t i = 0; i < (*all)[0][1].size(); ++i) {
    REQUIRE(pool->Command({"XACK", kStream, "dispatch", (*all)[0][1][i][0].string()}).ok());
  }

  auto lag = ReadLag(*pool, {kStream, "{inventory}:events"});
  REQUIRE(lag.ok());
  REQUIRE(lag->size() == 2);
  const StreamLag& intake = (*lag)[0];
  CHECK(intake.exists);
  CHECK(intake.length == 5);
  REQUIRE(intake.groups.size() == 2);
  for (const GroupLag& g : intake.groups) {
    if (g.group == "followup") {
      CHECK(g.pending == 2);
      CHECK(g.lag == 3);
      CHECK(g.consumers == 1);
    } else {
      CHECK(g.group == "dispatch");
      CHECK(g.pending == 0);
      CHECK(g.lag == 0);
    }
  }
  CHECK_FALSE((*lag)[1].exists);

  std::ostringstream out, err;
  EnvConfig env = EnvConfig::FromMap({{"AFTERSALES_REDIS_PORT", std::to_string(redis.port())}});
  SystemClock clock;
  REQUIRE(RunCli({"lag", "--stream", "intake"}, env, clock, out, err) == kExitOk);
  CHECK(out.str().find("followup") != std::string::npos);
  CHECK(out.str().find("STREAM") == 0);
}

}  // namespace
}  // namespace aftersales::ctl

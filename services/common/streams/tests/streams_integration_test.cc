// The outbox, consumer groups and trimming against a real redis-server.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "services/common/redis/pool.h"
#include "services/common/streams/consumer.h"
#include "services/common/streams/outbox.h"
#include "services/common/streams/trim.h"
#include "tests/support/redis_server.h"

namespace aftersales::streams {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr char kStream[] = "{intake}:events";

class StreamsTest {
 protected:
  StreamsTest() {
    redis::RedisOptions options;
    options.host = server_.host();
    options.port = server_.port();
    options.command_timeout = milliseconds(1000);
    Result<redis::RedisPoolPtr> pool = redis::RedisPool::Create(options);
    REQUIRE(pool.ok());
    pool_ = std::move(pool).value();
  }

  ConsumerOptions Options(std::string group, std::string consumer) const {
    ConsumerOptions o;
    o.stream = kStream;
    o.group = std::move(group);
    o.consumer = std::move(consumer);
    o.block = milliseconds(50);
    o.claim_idle = milliseconds(200);
    o.handled_prefix = "{dispatch}:";
    return o;
  }

  ConsumerPtr MakeConsumer(ConsumerOptions options, Consumer::Handler handler) {
    Result<ConsumerPtr> consumer = Consumer::Create(*pool_, std::move(options), std::move(handler));
    REQUIRE(consumer.ok());
    return std::move(consumer).value();
  }

  static EventToPublish MakeEvent(std::string id, std::string payload = "payload") {
    return {std::move(id), "aftersales.intake.v1.TicketReported", "ticket-1", 1700000000000,
            std::move(payload)};
  }

  std::string Publish(const EventToPublish& event) {
    Publisher publisher(*pool_, kStream);
    Result<std::string> id = publisher.Publish(event);
    REQUIRE(id.ok());
    return *id;
  }

  redis::Reply Command(const std::vector<std::string>& argv) {
    Result<redis::Reply> reply = pool_->Command(argv);
    REQUIRE(reply.ok());
    return std::move(reply).value();
  }

  int64_t PendingCount(const std::string& group) {
    return Command({"XPENDING", kStream, group})[0].integer().value_or(-1);
  }

  // RunOnce until `done` or about `limit`; the bound keeps a broken consumer
  // from hanging the test.
  static bool RunUntil(Consumer& consumer, const std::function<bool()>& done,
                       milliseconds limit = milliseconds(3000)) {
    auto deadline = SteadyClock::now() + limit;
    while (!done() && SteadyClock::now() < deadline) {
      (void)consumer.RunOnce();
    }
    return done();
  }

  testing::RedisServer server_;
  redis::RedisPoolPtr pool_;
};

// A consumer's effect: counts once per event id, recording the id atomically.
const redis::Script& EffectScript() {
  static const redis::Script script(OutboxScript(R"lua(
if not aftersales_first_time(KEYS[1], ARGV[1]) then return 0 end
redis.call('INCR', KEYS[2])
return 1
)lua"));
  return script;
}

// A state change and its event in one script; rejects a ticket that exists
// before writing anything.
const redis::Script& ReportTicketScript() {
  static const redis::Script script(OutboxScript(R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.error_reply('ALREADY_EXISTS TICKET_EXISTS ticket ' .. ARGV[3] .. ' already exists')
end
redis.call('SET', KEYS[1], ARGV[6])
return aftersales_emit_argv(KEYS[2], 1)
)lua"));
  return script;
}

Result<redis::Reply> ReportTicket(redis::RedisPool& pool, const EventToPublish& event) {
  std::vector<std::string> args = EmitArgs(event);
  args.push_back("reported");
  return pool.Eval(ReportTicketScript(), {"{intake}:ticket:" + event.aggregate_id, kStream}, args);
}

TEST_CASE_METHOD(StreamsTest, "a duplicated event changes the consumer's state once") {
  REQUIRE(ReportTicket(*pool_, MakeEvent("ev-1")).ok());
  CHECK(Command({"GET", "{intake}:ticket:ticket-1"}).str() == "reported");
  Publish(MakeEvent("ev-1"));  // the same event id on the stream twice
  REQUIRE(Command({"XLEN", kStream}).integer() == 2);

  int calls = 0;
  ConsumerPtr consumer;
  consumer = MakeConsumer(Options("dispatch", "d1"), [&](const Event& event) -> Status {
    ++calls;
    MarkHandledArgs mark = consumer->MarkHandled(event);
    return pool_->Eval(EffectScript(), {mark.key, "{dispatch}:effects"}, {mark.ttl_seconds})
        .status();
  });
  REQUIRE(RunUntil(*consumer, [&] { return calls == 2; }));
  // Both copies arrived in one batch, so both reached the handler: the effect
  // script's marker is what kept the second from counting.
  CHECK(Command({"GET", "{dispatch}:effects"}).str() == "1");
  CHECK(consumer->counters().handled == 2);
  CHECK(PendingCount("dispatch") == 0);

  // A third copy arriving later is skipped without reaching the handler.
  Publish(MakeEvent("ev-1"));
  REQUIRE(RunUntil(*consumer, [&] { return consumer->counters().duplicates == 1; }));
  CHECK(calls == 2);
  CHECK(Command({"GET", "{dispatch}:effects"}).str() == "1");
  CHECK(PendingCount("dispatch") == 0);
}

TEST_CASE_METHOD(StreamsTest, "a crash after the effect but before XACK does not repeat it") {
  REQUIRE(ReportTicket(*pool_, MakeEvent("ev-2")).ok());
  auto apply_effect = [this](Consumer& consumer, const Event& event) {
    MarkHandledArgs mark = consumer.MarkHandled(event);
    return pool_->Eval(EffectScript(), {mark.key, "{dispatch}:effects"}, {mark.ttl_seconds});
  };
  ConsumerOptions options = Options("dispatch", "d1");
  options.claim_idle = milliseconds(60000);  // only the restart replay may redeliver
  {
    ConsumerPtr first;
    first = MakeConsumer(options, [&](const Event& event) -> Status {
      CHECK(apply_effect(*first, event).ok());
      return Unavailable("CRASHED", "process died before XACK");
    });
    REQUIRE(RunUntil(*first, [&] { return first->counters().failed == 1; }));
  }
  REQUIRE(PendingCount("dispatch") == 1);

  int calls = 0;
  ConsumerPtr restarted;
  restarted = MakeConsumer(options, [&](const Event& event) -> Status {
    ++calls;
    return apply_effect(*restarted, event).status();
  });
  REQUIRE(RunUntil(*restarted, [&] { return PendingCount("dispatch") == 0; }));
  CHECK(Command({"GET", "{dispatch}:effects"}).str() == "1");
  CHECK(restarted->counters().duplicates == 1);
  CHECK(calls == 0);
}

TEST_CASE_METHOD(StreamsTest, "a dead consumer's entries are claimed by another after claim_idle") {
  const std::string entry_id = Publish(MakeEvent("ev-3"));
  ConsumerOptions a_options = Options("dispatch", "a");
  a_options.claim_idle = milliseconds(500);
  {
    ConsumerPtr a = MakeConsumer(a_options, [](const Event&) {
      return Unavailable("DYING", "killed before acknowledging");
    });
    REQUIRE(RunUntil(*a, [&] { return a->counters().failed == 1; }));
  }  // A is gone; its entry stays pending to it

  std::vector<Event> seen;
  ConsumerOptions b_options = a_options;
  b_options.consumer = "b";
  ConsumerPtr b = MakeConsumer(b_options, [&](const Event& event) {
    seen.push_back(event);
    return Status::Ok();
  });
  REQUIRE(b->RunOnce().ok());
  CHECK(seen.empty());  // not idle long enough yet: A might still be working on it

  std::this_thread::sleep_for(milliseconds(600));
  REQUIRE(RunUntil(*b, [&] { return !seen.empty(); }));
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].stream_id == entry_id);
  CHECK(seen[0].event_id == "ev-3");
  CHECK(seen[0].deliveries == 2);
  CHECK(b->counters().claimed == 1);
  CHECK(b->counters().handled == 1);
  CHECK(PendingCount("dispatch") == 0);
}

TEST_CASE_METHOD(StreamsTest, "a poison entry is dead-lettered after max_deliveries") {
  const std::string payload("bin\0ary\xff", 8);
  const std::string entry_id = Publish(MakeEvent("ev-4", payload));
  ConsumerOptions options = Options("dispatch", "d1");
  options.max_deliveries = 3;
  options.claim_idle = milliseconds(100);
  int calls = 0;
  auto metric = [](const char* outcome) {
    return metrics::DefaultRegistry()
        .Counter("aftersales_stream_events_total", "",
                 {{"stream", std::string(kStream)}, {"group", "dispatch"}, {"outcome", outcome}})
        .Value();
  };
  const double dead_before = metric("dead_lettered");
  const double failed_before = metric("failed");
  ConsumerPtr consumer = MakeConsumer(options, [&](const Event&) {
    ++calls;
    return FailedPrecondition("BAD_EVENT", "cannot apply ev-4");
  });
  REQUIRE(RunUntil(*consumer, [&] { return consumer->counters().dead_lettered == 1; }));
  CHECK(calls == 3);
  CHECK(consumer->counters().failed == 3);
  // Operators see the same in /metrics.
  CHECK(metric("dead_lettered") - dead_before == 1);
  CHECK(metric("failed") - failed_before == 3);
  CHECK(PendingCount("dispatch") == 0);

  redis::Reply dead = Command({"XRANGE", std::string(kStream) + ":dead", "-", "+"});
  REQUIRE(dead.size() == 1);
  redis::ReplyView fields = dead[0][1];
  auto field = [&](std::string_view name) {
    for (size_t i = 0; i + 1 < fields.size(); i += 2) {
      if (fields[i].str() == name) return fields[i + 1].string();
    }
    return std::string("<missing>");
  };
  CHECK(field("payload") == payload);
  CHECK(field("id") == "ev-4");
  CHECK(field("type") == "aftersales.intake.v1.TicketReported");
  CHECK(field("source_stream") == kStream);
  CHECK(field("source_id") == entry_id);
  CHECK(field("group") == "dispatch");
  CHECK(field("deliveries") == "3");
  CHECK(field("error").find("cannot apply ev-4") != std::string::npos);

  // Nothing comes back afterwards.
  std::this_thread::sleep_for(milliseconds(250));
  REQUIRE(consumer->RunOnce().ok());
  CHECK(calls == 3);
}

TEST_CASE_METHOD(StreamsTest, "a malformed entry is dead-lettered without reaching the handler") {
  Command({"XADD", kStream, "*", "type", "x.Y"});  // no id, aggregate, time, payload
  int calls = 0;
  ConsumerPtr consumer = MakeConsumer(Options("dispatch", "d1"), [&](const Event&) {
    ++calls;
    return Status::Ok();
  });
  REQUIRE(RunUntil(*consumer, [&] { return consumer->counters().dead_lettered == 1; }));
  CHECK(calls == 0);
  CHECK(PendingCount("dispatch") == 0);
  CHECK(Command({"XLEN", std::string(kStream) + ":dead"}).integer() == 1);
}

TEST_CASE_METHOD(StreamsTest, "pending entries are replayed when a consumer restarts") {
  Publish(MakeEvent("ev-5"));
  ConsumerOptions options = Options("dispatch", "d1");
  options.claim_idle = milliseconds(60000);  // rule out XAUTOCLAIM
  {
    ConsumerPtr before = MakeConsumer(
        options, [](const Event&) { return Unavailable("DOWNSTREAM_DOWN", "try later"); });
    REQUIRE(RunUntil(*before, [&] { return before->counters().failed == 1; }));
  }
  std::vector<Event> seen;
  ConsumerPtr after = MakeConsumer(options, [&](const Event& event) {
    seen.push_back(event);
    return Status::Ok();
  });
  REQUIRE(after->RunOnce().ok());  // the first cycle replays
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].event_id == "ev-5");
  CHECK(seen[0].deliveries == 2);
  CHECK(after->counters().claimed == 0);
  CHECK(PendingCount("dispatch") == 0);
}

TEST_CASE_METHOD(StreamsTest, "trimming keeps what a lagging group has not read or acked") {
  const std::string e1 = Publish(MakeEvent("t-1"));
  const std::string e2 = Publish(MakeEvent("t-2"));
  const std::string e3 = Publish(MakeEvent("t-3"));
  ConsumerPtr fast = MakeConsumer(Options("fast", "f"), [](const Event&) { return Status::Ok(); });
  REQUIRE(RunUntil(*fast, [&] { return fast->counters().handled == 3; }));
  // The slow group has read e1 and e2 and acknowledged only e1.
  Command({"XGROUP", "CREATE", kStream, "slow", "0"});
  REQUIRE(Command({"XREADGROUP", "GROUP", "slow", "s", "COUNT", "2", "STREAMS", kStream, ">"})[0][1]
              .size() == 2);
  Command({"XACK", kStream, "slow", e1});

  auto ids = [&] {
    std::vector<std::string> out;
    redis::Reply all = Command({"XRANGE", kStream, "-", "+"});
    for (size_t i = 0; i < all.size(); ++i) out.push_back(all[i][0].string());
    return out;
  };
  const TimePoint later = std::chrono::system_clock::now() + std::chrono::hours(2);

  // Young entries stay whatever the groups did.
  Result<TrimResult> young =
      TrimStream(*pool_, kStream, std::chrono::hours(1), std::chrono::system_clock::now());
  REQUIRE(young.ok());
  CHECK(young->removed == 0);

  Result<TrimResult> first = TrimStream(*pool_, kStream, std::chrono::hours(1), later);
  REQUIRE(first.ok());
  CHECK(first->removed == 1);
  CHECK(ids() == std::vector<std::string>{e2, e3});  // e2 unacked, e3 unread

  Command({"XACK", kStream, "slow", e2});
  Result<TrimResult> second = TrimStream(*pool_, kStream, std::chrono::hours(1), later);
  REQUIRE(second.ok());
  CHECK(second->removed == 1);
  CHECK(ids() == std::vector<std::string>{e3});

  Result<TrimResult> missing = TrimStream(*pool_, "{intake}:nothing", std::chrono::hours(1), later);
  REQUIRE(missing.ok());
  CHECK(missing->removed == 0);
}

TEST_CASE_METHOD(StreamsTest, "a rejected state change puts nothing on the stream") {
  REQUIRE(ReportTicket(*pool_, MakeEvent("ev-6")).ok());
  Result<redis::Reply> again = ReportTicket(*pool_, MakeEvent("ev-7"));
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == Code::kAlreadyExists);
  CHECK(again.status().reason() == "TICKET_EXISTS");
  CHECK(Command({"XLEN", kStream}).integer() == 1);
  redis::Reply only = Command({"XRANGE", kStream, "-", "+"});
  CHECK(only[0][1][1].str() == "ev-6");
}

TEST_CASE_METHOD(StreamsTest, "a running consumer handles events and stops promptly") {
  ConsumerOptions options = Options("dispatch", "d1");
  options.block = milliseconds(300);
  std::atomic<int> handled{0};
  ConsumerPtr consumer = MakeConsumer(options, [&](const Event&) {
    ++handled;
    return Status::Ok();
  });
  consumer->Start();
  Publish(MakeEvent("ev-8"));
  auto deadline = SteadyClock::now() + milliseconds(3000);
  while (handled == 0 && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  CHECK(handled == 1);
  std::this_thread::sleep_for(milliseconds(50));  // let it enter a blocking read
  auto start = SteadyClock::now();
  consumer->Stop();
  CHECK(SteadyClock::now() - start < milliseconds(1000));
  CHECK(PendingCount("dispatch") == 0);
}

TEST_CASE_METHOD(StreamsTest, "a consumer rides out a redis restart") {
  ConsumerOptions options = Options("dispatch", "d1");
  options.error_backoff = milliseconds(50);
  std::atomic<int> handled{0};
  ConsumerPtr consumer = MakeConsumer(options, [&](const Event&) {
    ++handled;
    return Status::Ok();
  });
  consumer->Start();
  server_.Stop();
  std::this_thread::sleep_for(milliseconds(200));
  CHECK(consumer->counters().poll_errors > 0);
  server_.Start();
  Publish(MakeEvent("ev-9"));
  auto deadline = SteadyClock::now() + milliseconds(3000);
  while (handled == 0 && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  CHECK(handled == 1);
  consumer->Stop();
}

}  // namespace
}  // namespace aftersales::streams

namespace aftersales::streams {
namespace {

TEST_CASE_METHOD(StreamsTest, "types the group does not act on are acked unread, with no marker") {
  EventToPublish wanted = MakeEvent("ev-wanted");
  wanted.type = "aftersales.events.v1.TicketOnsiteRequested";
  Publish(MakeEvent("ev-other-1"));  // TicketReported
  Publish(wanted);
  Publish(MakeEvent("ev-other-2"));

  ConsumerOptions options = Options("dispatch", "d1");
  options.types = {"aftersales.events.v1.TicketOnsiteRequested"};
  std::vector<std::string> seen;
  ConsumerPtr consumer = MakeConsumer(options, [&](const Event& event) -> Status {
    seen.push_back(event.event_id);
    return Status::Ok();
  });
  REQUIRE(RunUntil(*consumer, [&] { return consumer->counters().skipped == 2 && !seen.empty(); }));
  CHECK(seen == std::vector<std::string>{"ev-wanted"});
  CHECK(consumer->counters().handled == 1);
  CHECK(PendingCount("dispatch") == 0);
  // Only the handled event leaves a marker: skipped ones cost no memory.
  CHECK(Command({"EXISTS", consumer->HandledKey("ev-wanted")}).integer() == 1);
  CHECK(Command({"EXISTS", consumer->HandledKey("ev-other-1")}).integer() == 0);
  CHECK(Command({"EXISTS", consumer->HandledKey("ev-other-2")}).integer() == 0);
}

TEST_CASE_METHOD(
    StreamsTest,
    "a batch is acknowledged with its markers, and a failure in it keeps only that entry") {
  for (int i = 0; i < 10; ++i) {
    std::string id = "ev-batch-";
    id += std::to_string(i);
    Publish(MakeEvent(id));
  }
  ConsumerOptions options = Options("dispatch", "d1");
  options.batch_size = 16;
  int calls = 0;
  ConsumerPtr consumer = MakeConsumer(options, [&](const Event& event) -> Status {
    ++calls;
    if (event.event_id == "ev-batch-4") return Unavailable("DOWNSTREAM", "try later");
    return Status::Ok();
  });
  REQUIRE(consumer->RunOnce().ok());  // the replay of own pending: nothing
  REQUIRE(RunUntil(*consumer, [&] { return calls >= 10; }));
  CHECK(consumer->counters().handled == 9);
  CHECK(consumer->counters().failed == 1);
  // Only the failed entry is still pending; every handled one has its marker.
  CHECK(PendingCount("dispatch") == 1);
  for (int i = 0; i < 10; ++i) {
    std::string id = "ev-batch-";
    id += std::to_string(i);
    CHECK(Command({"EXISTS", consumer->HandledKey(id)}).integer() == (i == 4 ? 0 : 1));
  }
}

}  // namespace
}  // namespace aftersales::streams

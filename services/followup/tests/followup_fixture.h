// A real redis-server, a manual clock, the followup store and its consumers,
// and publishers standing in for the other services.
#pragma once

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aftersales/events/v1/dispatch_events.pb.h"
#include "aftersales/events/v1/followup_events.pb.h"
#include "aftersales/events/v1/intake_events.pb.h"
#include "aftersales/events/v1/inventory_events.pb.h"
#include "services/common/runtime/uuid.h"
#include "services/common/streams/outbox.h"
#include "services/followup/events/due_worker.h"
#include "services/followup/events/followup_consumers.h"
#include "services/followup/storage/followup_store.h"
#include "tests/support/redis_server.h"

namespace aftersales::followup::testing {

inline google::protobuf::Timestamp Ts(TimePoint t) {
  google::protobuf::Timestamp ts;
  const int64_t ms = ToUnixMillis(t);
  ts.set_seconds(ms / 1000);
  ts.set_nanos(static_cast<int32_t>(ms % 1000) * 1'000'000);
  return ts;
}

inline TimePoint Day(const std::string& ymd) { return CivilDate::Parse(ymd)->Start(); }

class RecordingNotifier final : public Notifier {
 public:
  Status Notify(const Notification& n) override {
    std::lock_guard lock(mu);
    sent.push_back(n);
    return Status::Ok();
  }
  std::mutex mu;
  std::vector<Notification> sent;
};

struct Fixture {
  ::aftersales::testing::RedisServer server;
  redis::RedisPoolPtr pool;
  ManualClock clock{Day("2026-01-01")};
  UuidGenerator ids;
  std::unique_ptr<FollowupStore> store;
  std::map<std::string, std::unique_ptr<streams::Publisher>> publishers;
  std::vector<streams::ConsumerPtr> consumers;
  RecordingNotifier notifier;

  Fixture() {
    redis::RedisOptions options;
    options.port = server.port();
    options.pool_size = 8;
    pool = std::move(redis::RedisPool::Create(options)).value();
    store = std::make_unique<FollowupStore>(*pool, clock, ids);
    for (const auto& stream : ReportStreams()) {
      publishers[stream] = std::make_unique<streams::Publisher>(*pool, stream);
      auto options = ConsumerOptionsFor(stream, "test-1");
      options.block = std::chrono::milliseconds(20);
      auto c = streams::Consumer::Create(*pool, options, EventHandler(*store));
      REQUIRE(c.ok());
      consumers.push_back(std::move(c).value());
    }
  }

  // Publishes `m` as the service owning `stream` would; returns the event id.
  std::string Publish(const std::string& stream, const google::protobuf::Message& m,
                      const std::string& aggregate, TimePoint at,
                      const std::string& event_id = NewUuid()) {
    streams::EventToPublish e;
    e.event_id = event_id;
    e.type = std::string(m.GetDescriptor()->full_name());
    e.aggregate_id = aggregate.empty() ? "x" : aggregate;
    e.time_ms = ToUnixMillis(at);
    e.payload = m.SerializeAsString();
    auto r = publishers.at(stream)->Publish(e);
    REQUIRE(r.ok());
    return event_id;
  }

  // Runs every consumer until a whole round handles nothing new (bounded).
  void Drain() {
    for (int round = 0; round < 50; ++round) {
      int64_t before = 0, after = 0;
      for (auto& c : consumers) before += c->counters().handled + c->counters().duplicates;
      for (auto& c : consumers) {
        Status s = c->RunOnce();
        INFO(s.ToString());
        REQUIRE(s.ok());
      }
      for (auto& c : consumers) after += c->counters().handled + c->counters().duplicates;
      if (after == before && round > 0) return;
    }
    FAIL("consumers did not settle");
  }

  std::vector<Task> Tasks(TaskKind kind) {
    TaskFilter f;
    f.kind = kind;
    auto page = store->ListTasks(f, 500, 0);
    REQUIRE(page.ok());
    return page->items;
  }

  // Payloads of events of type M on a stream, oldest first.
  template <typename M>
  std::vector<M> Events(const std::string& stream) {
    auto r = pool->Command({"XRANGE", stream, "-", "+"});
    REQUIRE(r.ok());
    std::vector<M> out;
    for (size_t i = 0; i < r->size(); ++i) {
      auto e = streams::EventFromEntry((*r)[i]);
      REQUIRE(e.ok());
      if (e->type != M::descriptor()->full_name()) continue;
      M m;
      REQUIRE(m.ParseFromString(e->payload));
      out.push_back(m);
    }
    return out;
  }
};

}  // namespace aftersales::followup::testing

// Stream pieces that need no server: entry parsing, ids, the outbox prelude.
#include <catch2/catch.hpp>
#include <string>

#include "services/common/redis/reply.h"
#include "services/common/streams/consumer.h"
#include "services/common/streams/event.h"
#include "services/common/streams/outbox.h"

namespace aftersales::streams {
namespace {

redis::Reply Parse(std::string_view resp) {
  Result<redis::Reply> reply = redis::ParseReply(resp);
  REQUIRE(reply.ok());
  return std::move(reply).value();
}

TEST_CASE("a stream entry becomes an event") {
  redis::Reply entry = Parse(
      "*2\r\n$3\r\n7-1\r\n*10\r\n"
      "$2\r\nid\r\n$2\r\ne1\r\n$4\r\ntype\r\n$5\r\na.b.C\r\n"
      "$9\r\naggregate\r\n$2\r\nt1\r\n$4\r\ntime\r\n$3\r\n123\r\n"
      "$7\r\npayload\r\n$2\r\n\x01\x02\r\n");
  Result<Event> event = EventFromEntry(entry.view());
  REQUIRE(event.ok());
  CHECK(event->stream_id == "7-1");
  CHECK(event->event_id == "e1");
  CHECK(event->type == "a.b.C");
  CHECK(event->aggregate_id == "t1");
  CHECK(event->time_ms == 123);
  CHECK(event->payload == "\x01\x02");
}

TEST_CASE("an entry missing fields is malformed, naming them") {
  redis::Reply entry =
      Parse("*2\r\n$3\r\n7-1\r\n*4\r\n$2\r\nid\r\n$2\r\ne1\r\n$4\r\ntime\r\n$1\r\nx\r\n");
  Result<Event> event = EventFromEntry(entry.view());
  REQUIRE_FALSE(event.ok());
  CHECK(event.status().reason() == "MALFORMED_EVENT");
  CHECK(event.status().message() ==
        "entry 7-1 lacks valid field(s): type, aggregate, time, payload");

  redis::Reply deleted = Parse("*2\r\n$3\r\n7-1\r\n*-1\r\n");
  CHECK_FALSE(EventFromEntry(deleted.view()).ok());
  CHECK_FALSE(EventFromEntry(redis::ReplyView()).ok());
}

TEST_CASE("stream ids parse and order like Redis") {
  CHECK(StreamId::Parse("5-3") == StreamId{5, 3});
  CHECK(StreamId::Parse("5") == StreamId{5, 0});
  CHECK_FALSE(StreamId::Parse("").has_value());
  CHECK_FALSE(StreamId::Parse("a-1").has_value());
  CHECK_FALSE(StreamId::Parse("1-").has_value());
  CHECK(StreamId{5, 3} < StreamId{6, 0});
  CHECK(StreamId{5, 3} < StreamId{5, 4});
  CHECK(StreamId{5, 3}.Next().ToString() == "5-4");
  CHECK(StreamId{5, UINT64_MAX}.Next().ToString() == "6-0");
}

TEST_CASE("the outbox script is the prelude followed by the body") {
  std::string script = OutboxScript("return 1");
  CHECK(script.rfind(OutboxPrelude(), 0) == 0);
  CHECK(script.substr(OutboxPrelude().size()) == "return 1");
  CHECK(OutboxPrelude().find("local function aftersales_emit(") != std::string_view::npos);
  CHECK(OutboxPrelude().find("local function aftersales_first_time(") != std::string_view::npos);
}

TEST_CASE("emit args follow the documented order") {
  EventToPublish e{"id1", "t.T", "agg", 42, std::string("p\0q", 3)};
  CHECK(EmitArgs(e) == std::vector<std::string>{"id1", "t.T", "agg", "42", std::string("p\0q", 3)});
  CHECK(ValidateEvent(e).ok());
  EventToPublish empty;
  Status s = ValidateEvent(empty);
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.field_violations().size() == 4);
}

TEST_CASE("consumer options are validated and defaulted") {
  redis::RedisOptions redis_options;
  redis_options.port = 1;  // never contacted
  Result<redis::RedisPoolPtr> pool = redis::RedisPool::Create(redis_options);
  REQUIRE(pool.ok());
  auto ok_handler = [](const Event&) { return Status::Ok(); };

  ConsumerOptions bad;
  bad.block = std::chrono::milliseconds(0);
  bad.start_id = "latest";
  Result<ConsumerPtr> rejected = Consumer::Create(**pool, bad, nullptr);
  REQUIRE_FALSE(rejected.ok());
  std::vector<std::string> fields;
  for (const auto& v : rejected.status().field_violations()) fields.push_back(v.field);
  CHECK(fields ==
        std::vector<std::string>{"stream", "group", "consumer", "block", "start_id", "handler"});

  ConsumerOptions good;
  good.stream = "{s}:events";
  good.group = "g";
  good.consumer = "c";
  good.handled_prefix = "{d}:";
  good.claim_idle = std::chrono::milliseconds(400);
  Result<ConsumerPtr> consumer = Consumer::Create(**pool, good, ok_handler);
  REQUIRE(consumer.ok());
  CHECK((*consumer)->options().dead_letter_stream == "{s}:events:dead");
  CHECK((*consumer)->options().claim_interval == std::chrono::milliseconds(200));
  Event event;
  event.event_id = "e9";
  MarkHandledArgs mark = (*consumer)->MarkHandled(event);
  CHECK(mark.key == "{d}:handled:g:e9");
  CHECK(mark.ttl_seconds == "604800");
}

}  // namespace
}  // namespace aftersales::streams

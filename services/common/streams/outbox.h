// The outbox without an outbox table: a service's Lua script changes its state
// and appends the event announcing it in one atomic step.
//
// Conventions:
//  - Every key one script touches shares one hash tag, so the script runs
//    unchanged on Redis Cluster: state `{intake}:ticket:42`, stream
//    `{intake}:events`, dead letters `{intake}:events:dead`. A consumer's
//    effect script uses its own service's tag for its keys *and* for the
//    handled-marker key (ConsumerOptions::handled_prefix = "{dispatch}:").
//  - Redis does not roll a script back: validate everything and reject (with
//    `return redis.error_reply("<CODE> <REASON> <message>")`, see
//    redis::ErrorReplyToStatus) before the first write, then write the state and
//    call aftersales_emit last.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "services/common/redis/pool.h"
#include "services/common/streams/event.h"

namespace aftersales::streams {

// Lua defining, for the script that follows it:
//   aftersales_emit(stream_key, event_id, type, aggregate_id, time_ms, payload)
//       XADD with the entry fields; returns the entry id. Does not trim
//       (TrimStream does, without dropping unread entries).
//   aftersales_emit_argv(stream_key, i)
//       the same, with the five values taken from ARGV[i..i+4] (see EmitArgs).
//   aftersales_first_time(handled_key, ttl_seconds)
//       true the first time it is called for a key (SET NX EX), false after:
//       a consumer's effect script records the event id with its effect.
std::string_view OutboxPrelude();

// The prelude followed by `body`.
std::string OutboxScript(std::string_view body);

// The five ARGV values aftersales_emit_argv reads, in order: event id, type,
// aggregate id, time (unix ms, decimal), payload.
std::vector<std::string> EmitArgs(const EventToPublish& event);

// Publishes an event with no state change attached (the simple case).
class Publisher {
 public:
  Publisher(redis::RedisPool& pool, std::string stream_key);

  // The Redis entry id; INVALID_ARGUMENT for an incomplete event.
  Result<std::string> Publish(const EventToPublish& event);

  const std::string& stream_key() const { return stream_key_; }

 private:
  redis::RedisPool& pool_;
  std::string stream_key_;
  redis::Script script_;
};

}  // namespace aftersales::streams

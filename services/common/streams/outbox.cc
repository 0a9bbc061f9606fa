#include "services/common/streams/outbox.h"

#include <utility>

namespace aftersales::streams {
namespace {

constexpr std::string_view kPrelude = R"lua(-- aftersales outbox prelude
local function aftersales_emit(stream_key, event_id, type, aggregate_id, time_ms, payload)
  return redis.call('XADD', stream_key, '*', 'id', event_id, 'type', type,
                    'aggregate', aggregate_id, 'time', tostring(time_ms), 'payload', payload)
end
local function aftersales_emit_argv(stream_key, i)
  return aftersales_emit(stream_key, ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4])
end
local function aftersales_first_time(handled_key, ttl_seconds)
  return redis.call('SET', handled_key, '1', 'NX', 'EX', tonumber(ttl_seconds)) ~= false
end
)lua";

constexpr std::string_view kPublishBody = "return aftersales_emit_argv(KEYS[1], 1)\n";

}  // namespace

std::string_view OutboxPrelude() { return kPrelude; }

std::string OutboxScript(std::string_view body) {
  std::string script(kPrelude);
  script += body;
  return script;
}

std::vector<std::string> EmitArgs(const EventToPublish& event) {
  return {event.event_id, event.type, event.aggregate_id, std::to_string(event.time_ms),
          event.payload};
}

Publisher::Publisher(redis::RedisPool& pool, std::string stream_key)
    : pool_(pool), stream_key_(std::move(stream_key)), script_(OutboxScript(kPublishBody)) {}

Result<std::string> Publisher::Publish(const EventToPublish& event) {
  if (Status s = ValidateEvent(event); !s.ok()) return s;
  Result<redis::Reply> reply = pool_.Eval(script_, {stream_key_}, EmitArgs(event));
  if (!reply.ok()) return reply.status();
  if (!reply->is_string()) {
    return Internal("UNEXPECTED_REPLY", "XADD returned " + reply->ToString());
  }
  return reply->string();
}

}  // namespace aftersales::streams

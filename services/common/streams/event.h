// What a stream entry carries, and how entries and their ids are read.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "services/common/redis/reply.h"
#include "services/common/status.h"

namespace aftersales::streams {

// Field names of a stream entry (architecture.md, "State and events in Redis").
inline constexpr std::string_view kFieldId = "id";                // event UUID
inline constexpr std::string_view kFieldType = "type";            // protobuf full name
inline constexpr std::string_view kFieldAggregate = "aggregate";  // aggregate id
inline constexpr std::string_view kFieldTime = "time";            // unix millis
inline constexpr std::string_view kFieldPayload = "payload";      // serialized protobuf

// An event as a consumer sees it.
struct Event {
  std::string stream_id;  // Redis entry id, e.g. "1700000000000-0"
  std::string event_id;
  std::string type;
  std::string aggregate_id;
  int64_t time_ms = 0;
  std::string payload;
  // How many times the group has delivered this entry, this time included.
  int64_t deliveries = 1;
};

// An event as a producer writes it.
struct EventToPublish {
  std::string event_id;
  std::string type;
  std::string aggregate_id;
  int64_t time_ms = 0;
  std::string payload;
};

// INVALID_ARGUMENT naming every missing field.
Status ValidateEvent(const EventToPublish& event);

// Reads one entry of an XRANGE/XREADGROUP reply: [id, [field, value, ...]].
// INVALID_ARGUMENT (MALFORMED_EVENT) when a field is missing or bad.
Result<Event> EventFromEntry(redis::ReplyView entry);

// A stream entry id "<ms>-<seq>", ordered as Redis orders them.
struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;

  static std::optional<StreamId> Parse(std::string_view text);
  std::string ToString() const { return std::to_string(ms) + "-" + std::to_string(seq); }
  // The smallest id after this one.
  StreamId Next() const;
  auto operator<=>(const StreamId&) const = default;
};

}  // namespace aftersales::streams

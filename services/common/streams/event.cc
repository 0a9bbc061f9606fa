#include "services/common/streams/event.h"

#include <charconv>
#include <limits>

namespace aftersales::streams {
namespace {

std::optional<uint64_t> ParseUint(std::string_view s) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

}  // namespace

Status ValidateEvent(const EventToPublish& event) {
  Validator v;
  v.Check(!event.event_id.empty(), "event_id", "must not be empty");
  v.Check(!event.type.empty(), "type", "must not be empty");
  v.Check(!event.aggregate_id.empty(), "aggregate_id", "must not be empty");
  v.Check(event.time_ms > 0, "time_ms", "must be a positive unix time in milliseconds");
  return v.ToStatus("INVALID_EVENT");
}

Result<Event> EventFromEntry(redis::ReplyView entry) {
  Event event;
  event.stream_id = entry[0].string();
  if (event.stream_id.empty()) {
    return InvalidArgument("MALFORMED_EVENT", "stream entry without an id: " + entry.ToString());
  }
  redis::ReplyView fields = entry[1];
  if (!fields.is_array()) {
    return InvalidArgument("MALFORMED_EVENT", "entry " + event.stream_id + " has no fields");
  }
  bool has_id = false, has_type = false, has_aggregate = false, has_time = false,
       has_payload = false;
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    std::string_view name = fields[i].str();
    redis::ReplyView value = fields[i + 1];
    if (name == kFieldId) {
      event.event_id = value.string();
      has_id = !event.event_id.empty();
    } else if (name == kFieldType) {
      event.type = value.string();
      has_type = !event.type.empty();
    } else if (name == kFieldAggregate) {
      event.aggregate_id = value.string();
      has_aggregate = true;
    } else if (name == kFieldTime) {
      std::optional<int64_t> ms = value.integer();
      has_time = ms.has_value();
      event.time_ms = ms.value_or(0);
    } else if (name == kFieldPayload) {
      event.payload = value.string();
      has_payload = true;
    }
  }
  std::string missing;
  auto need = [&](bool present, std::string_view field) {
    if (!present) missing += (missing.empty() ? "" : ", ") + std::string(field);
  };
  need(has_id, kFieldId);
  need(has_type, kFieldType);
  need(has_aggregate, kFieldAggregate);
  need(has_time, kFieldTime);
  need(has_payload, kFieldPayload);
  if (!missing.empty()) {
    return InvalidArgument("MALFORMED_EVENT",
                           "entry " + event.stream_id + " lacks valid field(s): " + missing);
  }
  return event;
}

std::optional<StreamId> StreamId::Parse(std::string_view text) {
  size_t dash = text.find('-');
  std::optional<uint64_t> ms = ParseUint(text.substr(0, dash));
  if (!ms) return std::nullopt;
  if (dash == std::string_view::npos) return StreamId{*ms, 0};
  std::optional<uint64_t> seq = ParseUint(text.substr(dash + 1));
  if (!seq) return std::nullopt;
  return StreamId{*ms, *seq};
}

StreamId StreamId::Next() const {
  if (seq == std::numeric_limits<uint64_t>::max()) return StreamId{ms + 1, 0};
  return StreamId{ms, seq + 1};
}

}  // namespace aftersales::streams

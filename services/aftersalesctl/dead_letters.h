// The dead-letter streams that streams::Consumer fills (`<stream>:dead`): what
// an operator lists, replays onto the source stream, or drops.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "services/common/redis/pool.h"
#include "services/common/status.h"

namespace aftersales::ctl {

// The producing services' event streams, in the order operators read them.
const std::vector<std::string>& KnownStreams();
// "intake" -> "{intake}:events"; a full stream name is returned as is.
std::string StreamName(const std::string& name_or_stream);
std::string DeadLetterStream(const std::string& stream);

struct DeadLetter {
  std::string id;             // entry id in the dead-letter stream
  std::string source_stream;  // where the event was
  std::string source_id;      // its entry id there
  std::string group;          // the consumer group that gave up on it
  std::string consumer;
  std::string deliveries;
  std::string error;
  // The original entry's fields (id, type, aggregate, time, payload), in order.
  std::vector<std::pair<std::string, std::string>> event;
  std::string EventField(const std::string& name) const;
};

// Oldest first, at most `count`, from entry id `start` on ("-" for the first).
Result<std::vector<DeadLetter>> ListDeadLetters(redis::RedisPool& pool, const std::string& stream,
                                                int count, const std::string& start = "-");

// Appends the original fields to the source stream as a new entry and deletes
// the dead letter, in one script: never both, never neither. Every consumer
// group of the stream sees the new entry; groups that had already handled the
// event skip it by its event id. Returns the new entry id.
// NOT_FOUND (DEAD_LETTER_NOT_FOUND) for an unknown id.
Result<std::string> ReplayDeadLetter(redis::RedisPool& pool, const std::string& stream,
                                     const std::string& id);

// Deletes one dead letter for good. NOT_FOUND (DEAD_LETTER_NOT_FOUND) for an
// unknown id.
Status DropDeadLetter(redis::RedisPool& pool, const std::string& stream, const std::string& id);

}  // namespace aftersales::ctl

// How far each consumer group is behind on each stream.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "services/common/redis/pool.h"
#include "services/common/status.h"

namespace aftersales::ctl {

struct GroupLag {
  std::string group;
  int64_t consumers = 0;
  // Delivered to a consumer but not acknowledged yet.
  int64_t pending = 0;
  // Entries not delivered to the group yet; nullopt when Redis cannot tell
  // (entries were deleted or trimmed inside the group's unread range).
  std::optional<int64_t> lag;
  std::string last_delivered_id;
};

struct StreamLag {
  std::string stream;
  bool exists = false;
  int64_t length = 0;
  int64_t dead_letters = 0;
  std::vector<GroupLag> groups;
};

// XINFO GROUPS (Redis 7: lag and entries-read) for each stream.
Result<std::vector<StreamLag>> ReadLag(redis::RedisPool& pool,
                                       const std::vector<std::string>& streams);

}  // namespace aftersales::ctl

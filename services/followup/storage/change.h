// One atomic state change: guards checked first, then writes and the events
// announcing them, all in one Lua script (nothing is half-written when a guard
// fails, and an event goes out exactly when its state change lands).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "services/common/redis/pool.h"
#include "services/common/streams/event.h"

namespace aftersales::followup {

class Change {
 public:
  // The change applies only if `key` does not exist (an effect marker, a
  // task's source); otherwise Apply() returns false and writes nothing.
  void Absent(const std::string& key);
  // Records a consumed event's effect (aftersales_first_time): the change
  // applies only the first time, and the marker is set with it. Checked after
  // every other guard, so a change turned down leaves no marker behind.
  void FirstTime(const std::string& marker, int64_t ttl_seconds);
  // Hash field must hold `value` ("" = missing), else ABORTED CONCURRENT_UPDATE.
  void FieldIs(const std::string& key, const std::string& field, const std::string& value);
  // Sorted-set member must have exactly this score, else Apply() returns false.
  void ScoreIs(const std::string& key, const std::string& member, int64_t score);

  // Writes, in order. `command` is one of HSET DEL ZADD ZREM RPUSH SADD SET HINCRBY HSETNX.
  void Write(const std::string& command, const std::string& key, std::vector<std::string> args);
  void Emit(const std::string& stream, const streams::EventToPublish& event);

  // true: applied; false: a guard said it was already done.
  Result<bool> Apply(redis::RedisPool& pool) const;

  bool empty() const { return writes_.empty(); }

 private:
  int KeyIndex(const std::string& key);
  std::vector<std::string> keys_;
  std::map<std::string, int> key_index_;
  std::vector<std::string> guards_;
  int guard_count_ = 0;
  std::vector<std::string> writes_;
  int write_count_ = 0;
};

}  // namespace aftersales::followup

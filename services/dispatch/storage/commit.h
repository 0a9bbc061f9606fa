// One atomic state change with its events: a list of guards checked first and
// writes applied after, in a single Lua script (streams::OutboxScript). Every
// use case of the service builds one Commit, so a state change and the event
// announcing it are never separated, and a guard that fails writes nothing.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "services/common/redis/pool.h"
#include "services/common/status.h"
#include "services/common/streams/event.h"

namespace aftersales::dispatch {

struct CommitOutcome {
  enum class Kind { kApplied, kExists, kLost };
  Kind kind = Kind::kApplied;
  // For kExists: the value of the key that had to be absent (e.g. the work
  // order already made for a ticket, the answer to a replayed request).
  std::string existing;
  // For kApplied with TouchEngineer: the engineers' revision after the last
  // touch. Equal to the revision the caller's index was at plus touch_count()
  // exactly when no one else changed an engineer in between, so the caller
  // may apply its own change to the index instead of re-reading it.
  int64_t revision = 0;
};

class Commit {
 public:
  // Guards, checked in order before any write.
  // ABORTED VERSION_CONFLICT unless the hash's `version` field equals version
  // (a missing hash has version 0): optimistic concurrency across replicas.
  void VersionIs(const std::string& hash_key, int64_t version);
  // Outcome kExists (nothing written) when the string key exists.
  void Absent(const std::string& key);
  // ABORTED ENGINEER_UNAVAILABLE when the engineer is OFF_DUTY, missing, or
  // would still hold max_jobs jobs after giving up `freed` of them.
  void HasCapacity(const std::string& engineer_key, const std::string& jobs_key, int freed = 0);
  // ABORTED STALE_ENGINEERS unless the engineers' revision (a missing key is
  // 0) still equals `revision`: a plan made from a cached index is committed
  // only if no engineer changed since the index was brought up to date.
  void EngineersRevisionIs(int64_t revision);
  // Outcome kLost when `member` is no longer in the sorted set (someone else
  // claimed it first).
  void Claim(const std::string& zset_key, const std::string& member);

  // Writes, in order.
  void HSet(const std::string& key, const std::string& field, const std::string& value);
  void HDel(const std::string& key, const std::string& field);
  void Set(const std::string& key, const std::string& value, int64_t ttl_seconds = 0);
  void Incr(const std::string& key);
  void ZAdd(const std::string& key, double score, const std::string& member);
  void ZRem(const std::string& key, const std::string& member);
  void RPush(const std::string& key, const std::string& value);
  void Emit(const std::string& stream_key, const streams::EventToPublish& event);
  // Records that the engineer (or its jobs) changed, for every replica's
  // planning index; with a state, sets it unless the engineer is OFF_DUTY
  // (the steps of a work order never put an engineer back on duty).
  void TouchEngineer(const std::string& engineer_id, const std::string& state = "");

  Result<CommitOutcome> Run(redis::RedisPool& pool) const;

  // How many TouchEngineer this commit makes (each one raises the revision).
  int touch_count() const { return touch_count_; }

 private:
  std::string KeyRef(const std::string& key);

  std::vector<std::string> keys_;
  std::map<std::string, size_t> key_index_;
  std::vector<std::string> guards_;
  int guard_count_ = 0;
  std::vector<std::string> ops_;
  int op_count_ = 0;
  int touch_count_ = 0;
};

}  // namespace aftersales::dispatch

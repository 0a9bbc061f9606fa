// Reading dispatch's records back from Redis: engineers with their jobs, work
// orders with their history. Writes go through Commit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aftersales/dispatch/v1/dispatch.pb.h"
#include "services/common/redis/pool.h"
#include "services/common/status.h"
#include "services/dispatch/domain/engineer.h"

namespace aftersales::dispatch {

struct StoredEngineer {
  v1::Engineer proto;  // active_jobs filled from the jobs hash
  int64_t version = 0;
  // Work order id -> the job as the planner sees it.
  std::vector<std::pair<std::string, EngineerJob>> jobs;
};

struct StoredWorkOrder {
  v1::WorkOrder proto;  // history and escalation_level filled in
  int64_t version = 0;
};

// "ticket|severity|started|expected_finish_ms|due_ms|travel_s|service_s"
std::string EncodeJob(const EngineerJob& job);
std::optional<EngineerJob> DecodeJob(std::string_view text);

// The fields of the work order hash other than the proto, written by every
// commit that changes the work order (see keys::WorkOrder).
struct WorkOrderFields {
  std::string proto;
  std::string status;
  std::string engineer;
};
WorkOrderFields FieldsOf(const v1::WorkOrder& work_order);

class DispatchRecords {
 public:
  explicit DispatchRecords(redis::RedisPool& pool) : pool_(pool) {}

  Result<std::optional<StoredEngineer>> LoadEngineer(const std::string& id);
  // Every engineer, for the planning index.
  Result<std::vector<StoredEngineer>> LoadEngineers(const std::vector<std::string>& ids);
  Result<std::optional<StoredWorkOrder>> LoadWorkOrder(const std::string& id);
  Result<std::optional<std::string>> Get(const std::string& key);
  Result<int64_t> EngineersRevision();
  // Members with a score in (after, upto].
  Result<std::vector<std::string>> ChangedSince(const std::string& key, int64_t after,
                                                int64_t upto);
  // ZRANGE key start stop (by rank).
  Result<std::vector<std::string>> Range(const std::string& key, int64_t start, int64_t stop);
  // ZRANGEBYSCORE key -inf max LIMIT 0 limit
  Result<std::vector<std::string>> DueMembers(const std::string& key, int64_t max_score, int limit);

  redis::RedisPool& pool() { return pool_; }

 private:
  redis::RedisPool& pool_;
};

}  // namespace aftersales::dispatch

// The inventory's state in Redis: every change is one Lua script (state,
// ledger, request id and event together); reads are plain commands.
//
// Records come back as field maps of the Redis hashes (snake_case fields as
// stored); rpc/ turns them into protos. Input is validated by the domain
// before it gets here.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "services/common/clock.h"
#include "services/common/redis/pool.h"
#include "services/common/runtime/uuid.h"
#include "services/common/status.h"
#include "services/inventory/domain/aftercare.h"
#include "services/inventory/domain/catalogue.h"
#include "services/inventory/domain/stock.h"

namespace aftersales::inventory {

using Record = std::map<std::string, std::string>;

// Field of a record, "" when absent; integer fields read as 0 when absent.
std::string Field(const Record& record, const std::string& name);
int64_t IntField(const Record& record, const std::string& name);

struct ReserveLine {
  std::string sku;
  int quantity = 0;
};

struct UsedPart {
  std::string sku;
  int quantity = 0;
  std::string location;  // "" = wherever it was reserved
  std::string serial_in;
  std::string serial_out;
};

class InventoryStore {
 public:
  // How long a request id is remembered (its first answer is replayed).
  static constexpr std::chrono::seconds kRequestMemory{24 * 3600};

  InventoryStore(redis::RedisPool& pool, const Clock& clock, IdGenerator& ids)
      : pool_(pool), clock_(clock), ids_(ids) {}

  Result<Record> CreatePart(const Part& part, const std::string& request_id);
  Result<Record> GetPart(const std::string& sku);
  Result<Record> CreateLocation(const Location& location, const std::string& request_id);
  // All locations in id order.
  Result<std::vector<Record>> ListLocations();
  // Candidate locations for a work order's line, best first.
  Result<std::vector<std::string>> SourceOrder(const std::string& engineer_id,
                                               const std::string& branch, const std::string& sku);

  Result<Record> SetReorderPoint(const std::string& sku, const std::string& location,
                                 int reorder_point, const std::string& request_id);
  Result<Record> Receive(const std::string& sku, const std::string& location, int quantity,
                         const std::string& request_id);
  // [from level, to level]
  Result<std::vector<Record>> Transfer(const std::string& sku, const std::string& from,
                                       const std::string& to, int quantity,
                                       const std::string& request_id);
  // A stock count correction (signed), with its reason in the ledger.
  Result<Record> Adjust(const std::string& sku, const std::string& location, int delta,
                        const std::string& reason, const std::string& request_id);
  // Levels filtered by sku and/or location ("" = any), in (sku, location) order.
  Result<std::vector<Record>> ListLevels(const std::string& sku, const std::string& location);
  Result<Record> GetLevel(const std::string& sku, const std::string& location);
  // Every "sku|location" that has a level (for audits).
  Result<std::vector<std::pair<std::string, std::string>>> LevelKeys();
  Result<std::vector<LedgerEntry>> ReadLedger(const std::string& sku, const std::string& location);

  // Records with kind "reservation" (the reservation) or "shortage" (sku, quantity).
  // FAILED_PRECONDITION INSUFFICIENT_STOCK when nothing at all could be reserved.
  Result<std::vector<Record>> Reserve(const std::string& work_order_id,
                                      const std::string& engineer_id, const std::string& branch,
                                      const std::vector<ReserveLine>& lines,
                                      const std::string& request_id);
  // No lines: everything still reserved for the work order.
  Result<std::vector<Record>> Release(const std::string& work_order_id,
                                      const std::vector<ReserveLine>& lines,
                                      const std::string& request_id);
  Result<std::vector<Record>> Issue(const std::string& work_order_id,
                                    const std::vector<UsedPart>& parts, bool release_rest,
                                    const std::string& request_id);
  Result<std::vector<Record>> ReservationsOf(const std::string& work_order_id);

  Result<Record> CreateAdvanceReplacement(const std::string& ticket_number, const std::string& sku,
                                          const std::string& ship_from, TimePoint return_due,
                                          const std::string& request_id);
  Result<Record> ReceiveAdvanceReturn(const std::string& id, const std::string& serial,
                                      const std::string& request_id);
  // overdue: outstanding ones past their due time (by due time); else all by creation.
  Result<std::vector<Record>> ListAdvanceReplacements(bool overdue);
  // Marks every shipped advance replacement past its due time OVERDUE and
  // publishes ReturnOverdue for each, once. Reads a sorted set by due time, at
  // most `limit` per call. Returns the records marked.
  Result<std::vector<Record>> ScanOverdueReturns(int limit = 100);

  Result<Record> CreateRepair(const std::string& sku, const std::string& serial,
                              const std::string& location, const std::string& ticket_number,
                              const std::string& request_id);
  Result<Record> CompleteRepair(const std::string& id, RepairOutcome outcome,
                                const std::string& request_id);
  Result<Record> GetRepair(const std::string& id);
  // Flags every repair still open past its deadline and publishes
  // RepairOverdue for each, once (sorted set by due time, at most `limit`).
  Result<std::vector<Record>> ScanOverdueRepairs(int limit = 100);

  Result<Record> CreateLoaner(const std::string& ticket_number, const std::string& sku,
                              const std::string& serial, const std::string& request_id);
  Result<Record> ReturnLoaner(const std::string& id, const std::string& request_id);
  // outstanding: only those still lent.
  Result<std::vector<Record>> ListLoaners(bool outstanding);

  Result<std::vector<Record>> ListReplenishments();

  const Clock& clock() const { return clock_; }

 private:
  Result<std::vector<Record>> Run(const redis::Script& script, std::string_view operation,
                                  const std::string& request_id, int ids,
                                  std::vector<std::string> args);
  Result<Record> RunOne(const redis::Script& script, std::string_view operation,
                        const std::string& request_id, int ids, std::vector<std::string> args);
  Result<std::vector<Record>> HashesByIds(const std::vector<std::string>& keys);

  redis::RedisPool& pool_;
  const Clock& clock_;
  IdGenerator& ids_;
};

}  // namespace aftersales::inventory

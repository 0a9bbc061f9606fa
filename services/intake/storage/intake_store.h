// Intake's state in Redis: install base and knowledge records as serialized
// protos, tickets as compact encoded records with their list indexes, clock
// schedule, idempotency keys and outbox events, each change in one Lua script.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "services/common/clock.h"
#include "services/common/redis/pool.h"
#include "services/common/redis/script.h"
#include "services/common/status.h"
#include "services/common/streams/consumer.h"
#include "services/common/streams/event.h"
#include "services/intake/storage/ticket_codec.h"

namespace aftersales::intake {

// How long a request id is remembered (a client retries within minutes; a
// day covers a gateway replaying a queue).
inline constexpr std::chrono::seconds kRequestIdTtl{24 * 3600};

struct VersionedTicket {
  StoredTicket ticket;
  int64_t version = 0;
};

// One change of one ticket and the events announcing it.
struct TicketWrite {
  const StoredTicket* ticket = nullptr;
  // The version read before the change; 0 for a new ticket. Another writer in
  // between makes the write ABORTED "TICKET_CHANGED" (the caller retries).
  int64_t expected_version = 0;
  // Index entries to move; empty for a new ticket.
  std::string previous_status;
  std::string previous_severity;
  // Remembered with the change; a replay returns what it produced.
  std::string request_id;
  // A consumer's handled marker, set with the change (first time only).
  std::optional<streams::MarkHandledArgs> handled;
  std::vector<streams::EventToPublish> events;
};

struct TicketWriteResult {
  enum class Outcome { kWritten, kReplayed, kAlreadyHandled };
  Outcome outcome = Outcome::kWritten;
  // kReplayed: what the request id produced first ("ticket:<number>").
  std::string replayed;
  int64_t version = 0;
};

// A slice of a ticket index, newest first.
struct TicketIndexPage {
  std::vector<std::string> numbers;
  std::vector<uint64_t> sequences;
  bool more = false;
};

class IntakeStore {
 public:
  explicit IntakeStore(redis::RedisPool& pool);

  redis::RedisPool& pool() { return pool_; }

  // Writes `blob` under `key` unless the key exists (ALREADY_EXISTS with
  // `reason`/`message`); adds `member` to the set `set_key` when given; remembers
  // `request_value` under the request id. A replayed request id returns its
  // first value without writing; otherwise returns `request_value`.
  Result<std::string> CreateRecord(const std::string& key, const std::string& blob,
                                   const std::string& request_id, const std::string& request_value,
                                   const std::string& set_key, const std::string& member,
                                   const std::string& exists_reason,
                                   const std::string& exists_message);
  Result<std::optional<std::string>> Get(const std::string& key);
  // Missing keys are skipped.
  Result<std::vector<std::string>> GetMany(const std::vector<std::string>& keys);
  Result<std::vector<std::string>> Members(const std::string& set_key);
  // What a new report refers to: the customer, site and asset records (each
  // nullopt when absent or not asked for: empty id) and, when Redis had to be
  // asked anyway, the request id's first answer. Install-base records are
  // never changed or deleted once written (v1 has no such RPC), so each
  // replica keeps those it has read and a report usually costs no round trip
  // here; the write script still catches a replayed request id.
  struct ReportLookup {
    std::optional<std::string> request;
    std::optional<std::string> customer;
    std::optional<std::string> site;
    std::optional<std::string> asset;
  };
  Result<ReportLookup> LookupReport(const std::string& request_id, const std::string& customer_id,
                                    const std::string& site_id, const std::string& asset_serial);

  // A customer's contracts (serialized v1 protos). Contracts only get added,
  // so a replica keeps the list for a few seconds: a new contract bought
  // through another replica applies within `kContractsTtl`, through this one
  // at once (ForgetContracts).
  static constexpr std::chrono::seconds kContractsTtl{5};
  Result<std::vector<std::string>> CustomerContracts(const std::string& customer_id, TimePoint now);
  void ForgetContracts(const std::string& customer_id);

  // What a request id produced, if it was seen.
  Result<std::optional<std::string>> RequestResult(const std::string& request_id);

  // Numbers are reserved from Redis in blocks (INCRBY) and handed out from
  // memory, so a report costs no extra round trip; a restart leaves a gap,
  // never a duplicate.
  Result<uint64_t> NextTicketSequence();
  Result<std::optional<VersionedTicket>> LoadTicket(const std::string& number);
  Result<std::vector<VersionedTicket>> LoadTickets(const std::vector<std::string>& numbers);
  Result<TicketWriteResult> WriteTicket(const TicketWrite& write);
  // Several independent changes in one script run (one round trip); each
  // gets its own answer. The outer status is for Redis itself failing.
  Result<std::vector<Result<TicketWriteResult>>> WriteTickets(
      const std::vector<const TicketWrite*>& writes);

  // Numbers in the union of `index_keys` (disjoint indexes, e.g. a status'
  // state indexes) with a sequence below `before` (0: from the newest), newest
  // first: one round trip, O(k (log n + limit)) for k indexes.
  Result<TicketIndexPage> ListIndexes(const std::vector<std::string>& index_keys, uint64_t before,
                                      int limit);
  // Tickets whose next clock event is at or before `now`, earliest first.
  Result<std::vector<std::string>> DueTickets(TimePoint now, int limit);

 private:
  redis::RedisPool& pool_;
  redis::Script create_record_;
  redis::Script write_ticket_;
  std::mutex cache_mu_;
  std::unordered_map<std::string, std::string> install_base_cache_;
  struct CachedContracts {
    TimePoint read_at;
    std::vector<std::string> blobs;
  };
  std::unordered_map<std::string, CachedContracts> contracts_cache_;
  std::mutex sequence_mu_;
  uint64_t sequence_next_ = 0;  // next number to hand out
  uint64_t sequence_end_ = 0;   // one past the reserved block
};

}  // namespace aftersales::intake

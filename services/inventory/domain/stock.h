// The stock ledger and the rules on stock levels: every level is what the
// ledger adds up to, and replenishment is asked for once per fall below the
// reorder point.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/common/status.h"

namespace aftersales::inventory {

// One kind per movement. Good stock is on_hand (of which `reserved` is held
// for work orders); faulty units waiting for repair are counted apart in
// `in_repair` so that they can never be reserved.
enum class LedgerKind {
  kReceive,      // on_hand += q (from supply)
  kTransferOut,  // on_hand -= q (to another location)
  kTransferIn,   // on_hand += q (from another location)
  kReserve,      // reserved += q
  kRelease,      // reserved -= q
  kIssue,        // on_hand -= q and, when it was reserved, reserved -= reserved part
  kReturn,       // a faulty unit comes back: in_repair += q
  kAdjust,       // on_hand += q (signed), with a reason (stock count)
  kScrap,        // in_repair -= q (faulty unit scrapped)
  kRepaired,     // in_repair -= q, on_hand += q (repaired stock)
};

std::string_view LedgerKindName(LedgerKind kind);
std::optional<LedgerKind> ParseLedgerKind(std::string_view name);

struct LedgerEntry {
  LedgerKind kind = LedgerKind::kReceive;
  int64_t quantity = 0;
  // For kIssue: how much of `quantity` had been reserved.
  int64_t reserved_quantity = 0;
  std::string reason;
};

struct StockCounters {
  int64_t on_hand = 0;
  int64_t reserved = 0;
  int64_t in_repair = 0;
  int64_t available() const { return on_hand - reserved; }
  bool operator==(const StockCounters&) const = default;
};

// Applies one entry; DATA_LOSS-like INTERNAL (LEDGER_INCONSISTENT) when it
// would drive a counter or availability below zero, which no script allows.
Status Apply(StockCounters& counters, const LedgerEntry& entry);

// What the ledger adds up to: the audit that levels are checked against.
Result<StockCounters> Recompute(const std::vector<LedgerEntry>& entries);

// Reorder point and safety stock of one part at one location.
struct ReorderPolicy {
  int reorder_point = 0;
  int safety_stock = 0;
  bool critical = false;
  // Available at or below this is low; 0 means never low. A critical part's
  // safety stock is a floor under the reorder point.
  int Trigger() const;
  // Order up to twice the trigger level.
  int QuantityToRequest(int64_t available) const;
};

struct ReorderDecision {
  bool raise_request = false;  // a new replenishment request, now
  bool low = false;            // the level is (still) below after this movement
};

// `was_low` is what the previous movement left. A request is raised on the
// movement that crosses into low, not on every movement while low; going back
// above the trigger re-arms it.
ReorderDecision EvaluateReorder(const ReorderPolicy& policy, bool was_low, int64_t available);

// A stock count correction: a non-zero whole number of units (`delta`) and a
// reason (`reason`).
Status ValidateAdjustment(int64_t delta, const std::string& reason);

// Quantities are whole positive units; `field` is named in the violation.
Status ValidateQuantity(int64_t quantity, const std::string& field = "quantity");

}  // namespace aftersales::inventory

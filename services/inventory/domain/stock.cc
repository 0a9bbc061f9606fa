#include "services/inventory/domain/stock.h"

#include <algorithm>
#include <array>
#include <utility>

namespace aftersales::inventory {
namespace {

constexpr std::array<std::pair<LedgerKind, std::string_view>, 10> kKindNames{{
    {LedgerKind::kReceive, "receive"},
    {LedgerKind::kTransferOut, "transfer_out"},
    {LedgerKind::kTransferIn, "transfer_in"},
    {LedgerKind::kReserve, "reserve"},
    {LedgerKind::kRelease, "release"},
    {LedgerKind::kIssue, "issue"},
    {LedgerKind::kReturn, "return"},
    {LedgerKind::kAdjust, "adjust"},
    {LedgerKind::kScrap, "scrap"},
    {LedgerKind::kRepaired, "repaired"},
}};

constexpr int64_t kMaxQuantity = 1'000'000;

}  // namespace

std::string_view LedgerKindName(LedgerKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<LedgerKind> ParseLedgerKind(std::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

Status Apply(StockCounters& c, const LedgerEntry& e) {
  StockCounters next = c;
  const int64_t q = e.quantity;
  switch (e.kind) {
    case LedgerKind::kReceive:
    case LedgerKind::kTransferIn:
    case LedgerKind::kAdjust:
      next.on_hand += q;
      break;
    case LedgerKind::kTransferOut:
      next.on_hand -= q;
      break;
    case LedgerKind::kReserve:
      next.reserved += q;
      break;
    case LedgerKind::kRelease:
      next.reserved -= q;
      break;
    case LedgerKind::kIssue:
      next.on_hand -= q;
      next.reserved -= e.reserved_quantity;
      break;
    case LedgerKind::kReturn:
      next.in_repair += q;
      break;
    case LedgerKind::kScrap:
      next.in_repair -= q;
      break;
    case LedgerKind::kRepaired:
      next.in_repair -= q;
      next.on_hand += q;
      break;
  }
  if (next.on_hand < 0 || next.reserved < 0 || next.in_repair < 0 || next.available() < 0) {
    return Internal("LEDGER_INCONSISTENT", std::string("a ") + std::string(LedgerKindName(e.kind)) +
                                               " entry drives stock below zero");
  }
  c = next;
  return Status::Ok();
}

Result<StockCounters> Recompute(const std::vector<LedgerEntry>& entries) {
  StockCounters c;
  for (const LedgerEntry& e : entries) {
    if (Status s = Apply(c, e); !s.ok()) return s;
  }
  return c;
}

int ReorderPolicy::Trigger() const { return std::max(reorder_point, critical ? safety_stock : 0); }

int ReorderPolicy::QuantityToRequest(int64_t available) const {
  const int64_t wanted = 2 * static_cast<int64_t>(Trigger()) - std::max<int64_t>(available, 0);
  return static_cast<int>(std::max<int64_t>(wanted, 1));
}

ReorderDecision EvaluateReorder(const ReorderPolicy& policy, bool was_low, int64_t available) {
  const int trigger = policy.Trigger();
  const bool low = trigger > 0 && available <= trigger;
  return {low && !was_low, low};
}

Status ValidateAdjustment(int64_t delta, const std::string& reason) {
  Validator v;
  v.Check(delta != 0 && delta >= -kMaxQuantity && delta <= kMaxQuantity, "delta",
          "a non-zero whole number of units between -1000000 and 1000000");
  v.Check(!reason.empty() && reason.size() <= 200, "reason", "required, at most 200 characters");
  return v.ToStatus();
}

Status ValidateQuantity(int64_t quantity, const std::string& field) {
  Validator v;
  v.Check(quantity > 0 && quantity <= kMaxQuantity, field,
          "must be a whole number of units between 1 and 1000000");
  return v.ToStatus();
}

}  // namespace aftersales::inventory

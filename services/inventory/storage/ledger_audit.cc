#include "services/inventory/storage/ledger_audit.h"

namespace aftersales::inventory {

Result<LedgerAudit> AuditLedger(InventoryStore& store) {
  LedgerAudit audit;
  auto levels = store.LevelKeys();
  if (!levels.ok()) return levels.status();
  for (const auto& [sku, location] : *levels) {
    auto entries = store.ReadLedger(sku, location);
    if (!entries.ok()) return entries.status();
    auto sum = Recompute(*entries);
    if (!sum.ok()) return sum.status();
    auto level = store.GetLevel(sku, location);
    if (!level.ok()) return level.status();
    const StockCounters stored{IntField(*level, "on_hand"), IntField(*level, "reserved"),
                               IntField(*level, "in_repair")};
    if (!(stored == *sum)) {
      std::string msg = sku;
      msg += " at ";
      msg += location;
      msg += ": stored on_hand/reserved/in_repair ";
      msg += std::to_string(stored.on_hand) + "/" + std::to_string(stored.reserved) + "/" +
             std::to_string(stored.in_repair);
      msg += ", ledger adds up to ";
      msg += std::to_string(sum->on_hand) + "/" + std::to_string(sum->reserved) + "/" +
             std::to_string(sum->in_repair);
      return Internal("LEDGER_MISMATCH", msg);
    }
    ++audit.levels_checked;
    audit.entries_read += static_cast<int>(entries->size());
  }
  return audit;
}

}  // namespace aftersales::inventory

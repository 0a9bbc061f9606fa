// The auditor's check: every stock level is exactly what its ledger adds up to.
#pragma once

#include "services/common/status.h"
#include "services/inventory/storage/inventory_store.h"

namespace aftersales::inventory {

struct LedgerAudit {
  int levels_checked = 0;
  int entries_read = 0;
};

// Recomputes every (sku, location) level from its ledger stream and compares
// it with the stored level; DATA_LOSS-class INTERNAL (LEDGER_MISMATCH) naming
// the first level that differs.
Result<LedgerAudit> AuditLedger(InventoryStore& store);

}  // namespace aftersales::inventory

// What inventory does when dispatch's work orders finish: a done work order
// issues the parts it used (and releases what it did not use), a cancelled one
// releases everything still reserved for it.
#pragma once

#include <chrono>
#include <stop_token>

#include "services/common/streams/consumer.h"
#include "services/inventory/storage/inventory_store.h"

namespace aftersales::inventory {

inline constexpr char kDispatchEvents[] = "{dispatch}:events";
inline constexpr char kConsumerGroup[] = "inventory";

// The handler for a consumer of {dispatch}:events. Idempotent: the event id is
// the request id of the script that applies it, so a redelivered event
// replays the first answer and changes nothing.
streams::Consumer::Handler WorkOrderEventHandler(InventoryStore& store);

// Consumer options for `consumer` (one name per process, stable across restarts).
streams::ConsumerOptions WorkOrderConsumerOptions(const std::string& consumer);

// Every `interval` until stopped: ScanOverdueReturns and ScanOverdueRepairs.
void RunDeadlineScan(std::stop_token stop, InventoryStore& store,
                     std::chrono::milliseconds interval);

}  // namespace aftersales::inventory

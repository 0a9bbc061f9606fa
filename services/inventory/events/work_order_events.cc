#include "services/inventory/events/work_order_events.h"

#include <condition_variable>
#include <mutex>

#include "aftersales/events/v1/dispatch_events.pb.h"
#include "services/common/runtime/log.h"

namespace aftersales::inventory {
namespace {

constexpr char kDoneType[] = "aftersales.events.v1.WorkOrderDone";
constexpr char kCancelledType[] = "aftersales.events.v1.WorkOrderCancelled";

std::string EventRequestId(const streams::Event& event) {
  std::string id = "event:";
  id += event.event_id;
  return id;
}

}  // namespace

streams::Consumer::Handler WorkOrderEventHandler(InventoryStore& store) {
  return [&store](const streams::Event& event) -> Status {
    if (event.type == kDoneType) {
      events::v1::WorkOrderDone done;
      if (!done.ParseFromString(event.payload)) {
        return InvalidArgument("MALFORMED_EVENT", "WorkOrderDone payload does not parse");
      }
      std::vector<UsedPart> used;
      for (const auto& p : done.parts_used()) {
        if (p.quantity() <= 0 || !IsValidId(p.sku())) continue;  // nothing to take from stock
        used.push_back({p.sku(), p.quantity(), IsValidId(p.location()) ? p.location() : "",
                        p.serial_in(), p.serial_out()});
      }
      auto r =
          store.Issue(done.work_order_id(), used, /*release_rest=*/true, EventRequestId(event));
      return r.ok() ? Status::Ok() : r.status();
    }
    if (event.type == kCancelledType) {
      events::v1::WorkOrderCancelled cancelled;
      if (!cancelled.ParseFromString(event.payload)) {
        return InvalidArgument("MALFORMED_EVENT", "WorkOrderCancelled payload does not parse");
      }
      auto r = store.Release(cancelled.work_order_id(), {}, EventRequestId(event));
      return r.ok() ? Status::Ok() : r.status();
    }
    return Status::Ok();  // other dispatch events are not inventory's business
  };
}

streams::ConsumerOptions WorkOrderConsumerOptions(const std::string& consumer) {
  streams::ConsumerOptions options;
  options.stream = kDispatchEvents;
  options.group = kConsumerGroup;
  options.consumer = consumer;
  options.handled_prefix = "{inventory}:";
  options.types = {kDoneType, kCancelledType};
  return options;
}

void RunDeadlineScan(std::stop_token stop, InventoryStore& store,
                     std::chrono::milliseconds interval) {
  std::mutex mu;
  std::condition_variable_any wakeup;
  while (!stop.stop_requested()) {
    auto marked = store.ScanOverdueReturns();
    if (!marked.ok()) {
      log::Warn("overdue return scan failed", {{"error", marked.status().ToString()}});
    } else {
      for (const Record& r : *marked) {
        log::Info("advance return overdue", {{"advance_replacement_id", Field(r, "id")},
                                             {"ticket", Field(r, "ticket_number")}});
      }
    }
    auto repairs = store.ScanOverdueRepairs();
    if (!repairs.ok()) {
      log::Warn("overdue repair scan failed", {{"error", repairs.status().ToString()}});
    } else {
      for (const Record& r : *repairs) {
        log::Info("repair overdue",
                  {{"repair_id", Field(r, "id")}, {"serial", Field(r, "serial")}});
      }
    }
    std::unique_lock lock(mu);
    wakeup.wait_for(lock, stop, interval, [] { return false; });
  }
}

}  // namespace aftersales::inventory

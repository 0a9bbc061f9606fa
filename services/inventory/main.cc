// The inventory service process: the gRPC service, the consumer of dispatch's
// work order events and the overdue-return scan.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "aftersales/inventory/v1/inventory.grpc.pb.h"
#include "services/common/host/service_host.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/uuid.h"
#include "services/common/streams/trim.h"
#include "services/inventory/events/work_order_events.h"
#include "services/inventory/rpc/inventory_service.h"
#include "services/inventory/storage/keys.h"

namespace {

std::string ConsumerName() {
  // The pod name in a cluster (stable across a container's restarts).
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0') return host;
  return "inventory-1";
}

}  // namespace

int main() {
  using namespace aftersales;
  using namespace std::chrono;
  const Clock& clock = ServiceClock();  // a test clock in test mode only
  UuidGenerator ids;
  std::unique_ptr<inventory::InventoryStore> store;
  streams::ConsumerPtr consumer;

  return RunService({"inventory", 50053, 9103}, [&](ServiceHost& host) -> Result<ServiceParts> {
    EnvConfig& env = host.env();
    inventory::InventoryPolicy policy;
    policy.return_window = env.Duration("AFTERSALES_INVENTORY_RETURN_WINDOW", hours(24 * 15),
                                        hours(1), hours(24 * 365));
    const milliseconds scan_interval = env.Duration("AFTERSALES_INVENTORY_OVERDUE_SCAN_INTERVAL",
                                                    seconds(60), milliseconds(100), hours(24));
    // The event stream is trimmed by age (never past what a group has not
    // read); the ledger streams never are: they are the audit trail.
    const milliseconds events_retention = env.Duration("AFTERSALES_INVENTORY_EVENTS_RETENTION",
                                                       hours(24 * 7), hours(1), hours(24 * 365));
    const std::string consumer_name = env.String("AFTERSALES_CONSUMER_NAME", ConsumerName());
    const milliseconds claim_idle = StreamClaimIdle(env);
    if (Status s = env.Finish(); !s.ok()) return s;

    store = std::make_unique<inventory::InventoryStore>(host.redis(), clock, ids);
    streams::ConsumerOptions options = inventory::WorkOrderConsumerOptions(consumer_name);
    options.claim_idle = claim_idle;
    auto created =
        streams::Consumer::Create(host.redis(), options, inventory::WorkOrderEventHandler(*store));
    if (!created.ok()) return created.status();
    consumer = std::move(created).value();

    ServiceParts parts;
    parts.grpc_services.push_back(
        {inventory::v1::InventoryService::service_full_name(),
         std::make_unique<inventory::InventoryGrpcService>(*store, clock, policy)});
    parts.workers.push_back([&](std::stop_token stop) { consumer->Run(stop); });
    parts.workers.push_back([&, scan_interval](std::stop_token stop) {
      inventory::RunDeadlineScan(stop, *store, scan_interval);
    });
    parts.workers.push_back([&, events_retention](std::stop_token stop) {
      std::mutex mu;
      std::condition_variable_any wakeup;
      while (!stop.stop_requested()) {
        auto trimmed = streams::TrimStream(host.redis(), inventory::keys::Events(),
                                           events_retention, SystemClock().Now());
        if (!trimmed.ok())
          log::Warn("event stream trim failed", {{"error", trimmed.status().ToString()}});
        std::unique_lock lock(mu);
        wakeup.wait_for(lock, stop, minutes(10), [] { return false; });
      }
    });
    return parts;
  });
}

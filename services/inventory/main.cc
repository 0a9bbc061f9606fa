// The inventory service process.
#include "aftersales/inventory/v1/inventory.grpc.pb.h"
#include "services/common/host/service_host.h"

int main() {
  return aftersales::RunService(
      {"inventory", 50053, 9103}, [](aftersales::ServiceHost&) -> aftersales::Result<aftersales::ServiceParts> {
        aftersales::ServiceParts parts;
        // The full v1 surface is registered; each RPC answers UNIMPLEMENTED
        // until the Inventory service's own issue gives it behaviour.
        using Service = aftersales::inventory::v1::InventoryService;
        parts.grpc_services.push_back(
            {Service::service_full_name(), std::make_unique<Service::CallbackService>()});
        return parts;
      });
}

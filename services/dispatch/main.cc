// The dispatch service process.
#include "aftersales/dispatch/v1/dispatch.grpc.pb.h"
#include "services/common/host/service_host.h"

int main() {
  return aftersales::RunService(
      {"dispatch", 50052, 9102},
      [](aftersales::ServiceHost&) -> aftersales::Result<aftersales::ServiceParts> {
        aftersales::ServiceParts parts;
        // The full v1 surface is registered; each RPC answers UNIMPLEMENTED
        // until the Dispatch service's own issue gives it behaviour.
        using Service = aftersales::dispatch::v1::DispatchService;
        parts.grpc_services.push_back(
            {Service::service_full_name(), std::make_unique<Service::CallbackService>()});
        return parts;
      });
}

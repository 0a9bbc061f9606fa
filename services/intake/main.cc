// The intake service process.
#include "aftersales/intake/v1/intake.grpc.pb.h"
#include "services/common/host/service_host.h"

int main() {
  return aftersales::RunService(
      {"intake", 50051, 9101}, [](aftersales::ServiceHost&) -> aftersales::Result<aftersales::ServiceParts> {
        aftersales::ServiceParts parts;
        // The full v1 surface is registered; each RPC answers UNIMPLEMENTED
        // until the Intake service's own issue gives it behaviour.
        using Service = aftersales::intake::v1::IntakeService;
        parts.grpc_services.push_back(
            {Service::service_full_name(), std::make_unique<Service::CallbackService>()});
        return parts;
      });
}

// The followup service process.
#include "aftersales/followup/v1/followup.grpc.pb.h"
#include "services/common/host/service_host.h"

int main() {
  return aftersales::RunService(
      {"followup", 50054, 9104},
      [](aftersales::ServiceHost&) -> aftersales::Result<aftersales::ServiceParts> {
        aftersales::ServiceParts parts;
        // The full v1 surface is registered; each RPC answers UNIMPLEMENTED
        // until the Followup service's own issue gives it behaviour.
        using Service = aftersales::followup::v1::FollowupService;
        parts.grpc_services.push_back(
            {Service::service_full_name(), std::make_unique<Service::CallbackService>()});
        return parts;
      });
}

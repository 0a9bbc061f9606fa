// The gRPC face of followup: proto <-> domain and store, caller scoping
// (a customer sees only its own records), status mapping.
#pragma once

#include <grpcpp/grpcpp.h>

#include "aftersales/followup/v1/followup.grpc.pb.h"
#include "services/common/clock.h"
#include "services/followup/storage/followup_store.h"

namespace aftersales::followup {

class FollowupGrpcService final : public v1::FollowupService::CallbackService {
 public:
  FollowupGrpcService(FollowupStore& store, const Clock& clock) : store_(store), clock_(clock) {}

  grpc::ServerUnaryReactor* ListFollowups(grpc::CallbackServerContext* context,
                                          const v1::ListFollowupsRequest* request,
                                          v1::ListFollowupsResponse* response) override;
  grpc::ServerUnaryReactor* CompleteFollowup(grpc::CallbackServerContext* context,
                                             const v1::CompleteFollowupRequest* request,
                                             v1::CompleteFollowupResponse* response) override;
  grpc::ServerUnaryReactor* CreateComplaint(grpc::CallbackServerContext* context,
                                            const v1::CreateComplaintRequest* request,
                                            v1::Complaint* response) override;
  grpc::ServerUnaryReactor* AdvanceComplaint(grpc::CallbackServerContext* context,
                                             const v1::AdvanceComplaintRequest* request,
                                             v1::AdvanceComplaintResponse* response) override;
  grpc::ServerUnaryReactor* ListComplaints(grpc::CallbackServerContext* context,
                                           const v1::ListComplaintsRequest* request,
                                           v1::ListComplaintsResponse* response) override;
  grpc::ServerUnaryReactor* CreateMaintenancePlan(grpc::CallbackServerContext* context,
                                                  const v1::CreateMaintenancePlanRequest* request,
                                                  v1::MaintenancePlan* response) override;
  grpc::ServerUnaryReactor* ListMaintenancePlans(
      grpc::CallbackServerContext* context, const v1::ListMaintenancePlansRequest* request,
      v1::ListMaintenancePlansResponse* response) override;
  grpc::ServerUnaryReactor* GetServiceReport(grpc::CallbackServerContext* context,
                                             const v1::GetServiceReportRequest* request,
                                             v1::ServiceReport* response) override;
  grpc::ServerUnaryReactor* NotifyProductChange(grpc::CallbackServerContext* context,
                                                const v1::NotifyProductChangeRequest* request,
                                                v1::NotifyProductChangeResponse* response) override;

 private:
  FollowupStore& store_;
  const Clock& clock_;
};

}  // namespace aftersales::followup

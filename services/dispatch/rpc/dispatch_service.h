// The DispatchService gRPC surface: caller identity from the gateway's
// metadata, proto requests handed to the DispatchDesk, statuses mapped with
// lowerCamelCase field names.
#pragma once

#include <memory>
#include <string>

#include "aftersales/dispatch/v1/dispatch.grpc.pb.h"
#include "services/common/status.h"
#include "services/dispatch/desk/dispatch_desk.h"

namespace aftersales::dispatch {

// "parts_used[0].amount.currency_code" -> "partsUsed[0].amount.currencyCode"
std::string ApiFieldName(const std::string& field);
Status WithApiFieldNames(const Status& status);

class DispatchServiceImpl final : public v1::DispatchService::CallbackService {
 public:
  explicit DispatchServiceImpl(DispatchDesk& desk) : desk_(desk) {}

  grpc::ServerUnaryReactor* CreateEngineer(grpc::CallbackServerContext* ctx,
                                           const v1::CreateEngineerRequest* request,
                                           v1::Engineer* response) override;
  grpc::ServerUnaryReactor* SetEngineerStatus(grpc::CallbackServerContext* ctx,
                                              const v1::SetEngineerStatusRequest* request,
                                              v1::SetEngineerStatusResponse* response) override;
  grpc::ServerUnaryReactor* ListEngineers(grpc::CallbackServerContext* ctx,
                                          const v1::ListEngineersRequest* request,
                                          v1::ListEngineersResponse* response) override;
  grpc::ServerUnaryReactor* GetWorkOrder(grpc::CallbackServerContext* ctx,
                                         const v1::GetWorkOrderRequest* request,
                                         v1::WorkOrder* response) override;
  grpc::ServerUnaryReactor* ListWorkOrders(grpc::CallbackServerContext* ctx,
                                           const v1::ListWorkOrdersRequest* request,
                                           v1::ListWorkOrdersResponse* response) override;
  grpc::ServerUnaryReactor* AcceptWorkOrder(grpc::CallbackServerContext* ctx,
                                            const v1::AcceptWorkOrderRequest* request,
                                            v1::AcceptWorkOrderResponse* response) override;
  grpc::ServerUnaryReactor* DeclineWorkOrder(grpc::CallbackServerContext* ctx,
                                             const v1::DeclineWorkOrderRequest* request,
                                             v1::DeclineWorkOrderResponse* response) override;
  grpc::ServerUnaryReactor* DepartWorkOrder(grpc::CallbackServerContext* ctx,
                                            const v1::DepartWorkOrderRequest* request,
                                            v1::DepartWorkOrderResponse* response) override;
  grpc::ServerUnaryReactor* ArriveWorkOrder(grpc::CallbackServerContext* ctx,
                                            const v1::ArriveWorkOrderRequest* request,
                                            v1::ArriveWorkOrderResponse* response) override;
  grpc::ServerUnaryReactor* CompleteWorkOrder(grpc::CallbackServerContext* ctx,
                                              const v1::CompleteWorkOrderRequest* request,
                                              v1::CompleteWorkOrderResponse* response) override;
  grpc::ServerUnaryReactor* SignOffWorkOrder(grpc::CallbackServerContext* ctx,
                                             const v1::SignOffWorkOrderRequest* request,
                                             v1::SignOffWorkOrderResponse* response) override;
  grpc::ServerUnaryReactor* ReassignWorkOrder(grpc::CallbackServerContext* ctx,
                                              const v1::ReassignWorkOrderRequest* request,
                                              v1::ReassignWorkOrderResponse* response) override;

 private:
  DispatchDesk& desk_;
};

}  // namespace aftersales::dispatch

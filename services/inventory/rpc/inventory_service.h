// The gRPC face of the inventory: proto <-> domain and store, status mapping.
#pragma once

#include <grpcpp/grpcpp.h>

#include "aftersales/inventory/v1/inventory.grpc.pb.h"
#include "services/common/clock.h"
#include "services/inventory/storage/inventory_store.h"

namespace aftersales::inventory {

struct InventoryPolicy {
  // When the faulty part of an advance replacement is due back by default.
  Duration return_window = kDefaultReturnWindow;
};

#define AS_INVENTORY_UNARY(Method)                                                             \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context,                       \
                                   const v1::Method##Request* request,                         \
                                   v1::Method##Response* response) override;                   \
                                                                                               \
 private:                                                                                      \
  Status Do##Method(const grpc::CallbackServerContext& context, const v1::Method##Request& in, \
                    v1::Method##Response& out);                                                \
                                                                                               \
 public:

class InventoryGrpcService final : public v1::InventoryService::CallbackService {
 public:
  InventoryGrpcService(InventoryStore& store, const Clock& clock, InventoryPolicy policy = {})
      : store_(store), clock_(clock), policy_(policy) {}

  // RPCs answering a resource rather than a <Method>Response.
  grpc::ServerUnaryReactor* CreatePart(grpc::CallbackServerContext* context,
                                       const v1::CreatePartRequest* request,
                                       v1::Part* response) override;
  grpc::ServerUnaryReactor* GetPart(grpc::CallbackServerContext* context,
                                    const v1::GetPartRequest* request, v1::Part* response) override;
  grpc::ServerUnaryReactor* CreateLocation(grpc::CallbackServerContext* context,
                                           const v1::CreateLocationRequest* request,
                                           v1::Location* response) override;
  grpc::ServerUnaryReactor* CreateAdvanceReplacement(
      grpc::CallbackServerContext* context, const v1::CreateAdvanceReplacementRequest* request,
      v1::AdvanceReplacement* response) override;
  grpc::ServerUnaryReactor* CreateRepair(grpc::CallbackServerContext* context,
                                         const v1::CreateRepairRequest* request,
                                         v1::Repair* response) override;
  grpc::ServerUnaryReactor* CreateLoaner(grpc::CallbackServerContext* context,
                                         const v1::CreateLoanerRequest* request,
                                         v1::Loaner* response) override;

  AS_INVENTORY_UNARY(ListLocations)
  AS_INVENTORY_UNARY(SetReorderPoint)
  AS_INVENTORY_UNARY(ReceiveStock)
  AS_INVENTORY_UNARY(TransferStock)
  AS_INVENTORY_UNARY(AdjustStock)
  AS_INVENTORY_UNARY(ListStockLevels)
  AS_INVENTORY_UNARY(ReserveParts)
  AS_INVENTORY_UNARY(IssueParts)
  AS_INVENTORY_UNARY(ReleaseParts)
  AS_INVENTORY_UNARY(ReceiveAdvanceReturn)
  AS_INVENTORY_UNARY(ListAdvanceReplacements)
  AS_INVENTORY_UNARY(CompleteRepair)
  AS_INVENTORY_UNARY(ReturnLoaner)
  AS_INVENTORY_UNARY(ListLoaners)
  AS_INVENTORY_UNARY(ListReplenishmentRequests)

 private:
  InventoryStore& store_;
  const Clock& clock_;
  const InventoryPolicy policy_;
};

#undef AS_INVENTORY_UNARY

}  // namespace aftersales::inventory

#include "services/dispatch/rpc/dispatch_service.h"

#include <cctype>
#include <exception>

#include "services/common/grpc/status_mapping.h"

namespace aftersales::dispatch {
namespace {

std::string Metadata(const grpc::CallbackServerContext& ctx, const char* name) {
  const auto& md = ctx.client_metadata();
  auto it = md.find(name);
  if (it == md.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

Caller CallerOf(const grpc::CallbackServerContext& ctx) {
  return Caller{Metadata(ctx, "x-caller-role"), Metadata(ctx, "x-caller-subject"),
                Metadata(ctx, "x-caller-engineer-id")};
}

// Runs a handler and finishes the call with its status; nothing a handler
// throws escapes as a crash.
template <typename F>
grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx, F&& handler) {
  auto* reactor = ctx->DefaultReactor();
  Status status;
  try {
    status = handler();
  } catch (const std::exception& e) {
    status = Internal("INTERNAL", e.what());
  }
  reactor->Finish(grpcx::ToGrpcStatus(WithApiFieldNames(status)));
  return reactor;
}

// Copies a work order result into a response's work_order field.
template <typename Response>
Status Into(Result<v1::WorkOrder> result, Response* response) {
  if (!result.ok()) return result.status();
  *response->mutable_work_order() = std::move(*result);
  return Status::Ok();
}

}  // namespace

std::string ApiFieldName(const std::string& field) {
  std::string out;
  bool upper = false;
  for (char c : field) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

Status WithApiFieldNames(const Status& status) {
  if (status.field_violations().empty()) return status;
  std::vector<FieldViolation> violations;
  for (const FieldViolation& v : status.field_violations()) {
    violations.push_back({ApiFieldName(v.field), v.description});
  }
  return Status(status.code(), status.reason(), status.message(), std::move(violations));
}

grpc::ServerUnaryReactor* DispatchServiceImpl::CreateEngineer(
    grpc::CallbackServerContext* ctx, const v1::CreateEngineerRequest* request,
    v1::Engineer* response) {
  return Serve(ctx, [&] {
    const Caller caller = CallerOf(*ctx);
    if (caller.IsEngineer()) {
      return PermissionDenied("ROLE_NOT_ALLOWED", "engineers cannot create engineers");
    }
    auto r = desk_.CreateEngineer(*request);
    if (!r.ok()) return r.status();
    *response = std::move(*r);
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* DispatchServiceImpl::SetEngineerStatus(
    grpc::CallbackServerContext* ctx, const v1::SetEngineerStatusRequest* request,
    v1::SetEngineerStatusResponse* response) {
  return Serve(ctx, [&] {
    auto r = desk_.SetEngineerStatus(CallerOf(*ctx), *request);
    if (!r.ok()) return r.status();
    *response->mutable_engineer() = std::move(*r);
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* DispatchServiceImpl::ListEngineers(
    grpc::CallbackServerContext* ctx, const v1::ListEngineersRequest* request,
    v1::ListEngineersResponse* response) {
  return Serve(ctx, [&] {
    auto r = desk_.ListEngineers(*request);
    if (!r.ok()) return r.status();
    *response = std::move(*r);
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* DispatchServiceImpl::GetWorkOrder(grpc::CallbackServerContext* ctx,
                                                            const v1::GetWorkOrderRequest* request,
                                                            v1::WorkOrder* response) {
  return Serve(ctx, [&] {
    auto r = desk_.GetWorkOrder(CallerOf(*ctx), request->work_order_id());
    if (!r.ok()) return r.status();
    *response = std::move(*r);
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* DispatchServiceImpl::ListWorkOrders(
    grpc::CallbackServerContext* ctx, const v1::ListWorkOrdersRequest* request,
    v1::ListWorkOrdersResponse* response) {
  return Serve(ctx, [&] {
    auto r = desk_.ListWorkOrders(CallerOf(*ctx), *request);
    if (!r.ok()) return r.status();
    *response = std::move(*r);
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* DispatchServiceImpl::AcceptWorkOrder(
    grpc::CallbackServerContext* ctx, const v1::AcceptWorkOrderRequest* request,
    v1::AcceptWorkOrderResponse* response) {
  return Serve(ctx, [&] { return Into(desk_.Accept(CallerOf(*ctx), *request), response); });
}

grpc::ServerUnaryReactor* DispatchServiceImpl::DeclineWorkOrder(
    grpc::CallbackServerContext* ctx, const v1::DeclineWorkOrderRequest* request,
    v1::DeclineWorkOrderResponse* response) {
  return Serve(ctx, [&] { return Into(desk_.Decline(CallerOf(*ctx), *request), response); });
}

grpc::ServerUnaryReactor* DispatchServiceImpl::DepartWorkOrder(
    grpc::CallbackServerContext* ctx, const v1::DepartWorkOrderRequest* request,
    v1::DepartWorkOrderResponse* response) {
  return Serve(ctx, [&] { return Into(desk_.Depart(CallerOf(*ctx), *request), response); });
}

grpc::ServerUnaryReactor* DispatchServiceImpl::ArriveWorkOrder(
    grpc::CallbackServerContext* ctx, const v1::ArriveWorkOrderRequest* request,
    v1::ArriveWorkOrderResponse* response) {
  return Serve(ctx, [&] { return Into(desk_.Arrive(CallerOf(*ctx), *request), response); });
}

grpc::ServerUnaryReactor* DispatchServiceImpl::CompleteWorkOrder(
    grpc::CallbackServerContext* ctx, const v1::CompleteWorkOrderRequest* request,
    v1::CompleteWorkOrderResponse* response) {
  return Serve(ctx, [&] { return Into(desk_.Complete(CallerOf(*ctx), *request), response); });
}

grpc::ServerUnaryReactor* DispatchServiceImpl::SignOffWorkOrder(
    grpc::CallbackServerContext* ctx, const v1::SignOffWorkOrderRequest* request,
    v1::SignOffWorkOrderResponse* response) {
  return Serve(ctx, [&] { return Into(desk_.SignOff(CallerOf(*ctx), *request), response); });
}

grpc::ServerUnaryReactor* DispatchServiceImpl::ReassignWorkOrder(
    grpc::CallbackServerContext* ctx, const v1::ReassignWorkOrderRequest* request,
    v1::ReassignWorkOrderResponse* response) {
  return Serve(ctx, [&] { return Into(desk_.Reassign(CallerOf(*ctx), *request), response); });
}

}  // namespace aftersales::dispatch

// Domain Status <-> grpc::Status. The reason and field violations travel as
// google.rpc.ErrorInfo and google.rpc.BadRequest in grpc-status-details-bin,
// so any gRPC client (and the gateway) can read them.
#pragma once

#include <grpcpp/grpcpp.h>

#include "services/common/status.h"

namespace aftersales::grpcx {

inline constexpr char kErrorDomain[] = "aftersales";

grpc::Status ToGrpcStatus(const Status& status);
Status FromGrpcStatus(const grpc::Status& status);

}  // namespace aftersales::grpcx

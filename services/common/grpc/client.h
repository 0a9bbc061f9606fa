// Client side of inter-service calls: channels with keepalive, and a call
// context that always carries a deadline and the caller's request id.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "services/common/status.h"

namespace aftersales::grpcx {

inline constexpr char kRequestIdHeader[] = "x-request-id";

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target);

// A context with a deadline and the request id (and any caller identity the
// gateway attached) passed on in metadata.
std::unique_ptr<grpc::ClientContext> NewCallContext(std::chrono::milliseconds deadline,
                                                    std::string_view request_id);

// The request id a server received, or "" when the caller sent none.
std::string RequestIdOf(const grpc::ServerContextBase& context);

// grpc.health.v1.Health/Check over a generic stub, so that any process (the
// gateway's /readyz, tests, the CLI) can probe a service without its protos.
// Returns OK when SERVING, FAILED_PRECONDITION when NOT_SERVING, UNAVAILABLE
// or DEADLINE_EXCEEDED when it cannot be reached.
Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                   std::chrono::milliseconds deadline);

}  // namespace aftersales::grpcx

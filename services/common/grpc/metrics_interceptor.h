// Per-RPC metrics for every server: handled count by method and code, and a
// latency histogram by method, in the process's default metrics registry.
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <memory>

namespace aftersales::grpcx {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewMetricsInterceptorFactory();

}  // namespace aftersales::grpcx

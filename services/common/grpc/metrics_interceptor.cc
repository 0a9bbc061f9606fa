#include "services/common/grpc/metrics_interceptor.h"

#include <chrono>
#include <string>

#include "services/common/metrics/metrics.h"
#include "services/common/status.h"

namespace aftersales::grpcx {
namespace {

class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit MetricsInterceptor(grpc::experimental::ServerRpcInfo* info)
      : method_(info->method() ? info->method() : "unknown"),
        start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      auto& registry = metrics::DefaultRegistry();
      registry
          .Counter("grpc_server_handled_total", "RPCs completed on the server, by method and code",
                   {{"grpc_method", method_},
                    {"grpc_code", CodeName(static_cast<Code>(status.error_code()))}})
          .Increment();
      registry
          .Histogram("grpc_server_handling_seconds", "RPC handling time on the server",
                     {{"grpc_method", method_}})
          .ObserveDuration(std::chrono::steady_clock::now() - start_);
    }
    methods->Proceed();
  }

 private:
  std::string method_;
  std::chrono::steady_clock::time_point start_;
};

class MetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(info);
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewMetricsInterceptorFactory() {
  return std::make_unique<MetricsInterceptorFactory>();
}

}  // namespace aftersales::grpcx

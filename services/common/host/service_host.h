// The process around a service: configuration from the environment, JSON
// logs, a Redis pool, the gRPC server with health tied to Redis, an HTTP port
// for /metrics /healthz /readyz, background workers, and a bounded graceful
// shutdown on SIGTERM/SIGINT. A service's main() is a few lines over this.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/service_type.h>

#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "services/common/redis/pool.h"
#include "services/common/runtime/env_config.h"
#include "services/common/runtime/shutdown_signal.h"

namespace aftersales {

struct ServiceDefaults {
  std::string name;  // "intake"
  int grpc_port = 0;
  int metrics_port = 0;
};

// What a service adds to the host once Redis and config are there.
class ServiceHost;
struct ServiceParts {
  struct GrpcService {
    std::string full_name;  // for grpc.health.v1
    std::unique_ptr<grpc::Service> service;
  };
  std::vector<GrpcService> grpc_services;
  // Each runs on its own thread until its stop_token is signalled.
  std::vector<std::function<void(std::stop_token)>> workers;
};
using ServiceFactory = std::function<Result<ServiceParts>(ServiceHost&)>;

class ServiceHost {
 public:
  ServiceHost(ServiceDefaults defaults, EnvConfig& env);

  redis::RedisPool& redis() { return *redis_; }
  EnvConfig& env() { return env_; }
  const std::string& name() const { return defaults_.name; }

  // Runs until a shutdown signal; returns the process exit code (0 clean, 2
  // bad configuration, 1 start-up failure).
  int Run(const ServiceFactory& factory, ShutdownSignal& shutdown);

 private:
  ServiceDefaults defaults_;
  EnvConfig& env_;
  redis::RedisPoolPtr redis_;
};

// main() of a service: `return RunService({"intake", 50051, 9101}, factory);`
int RunService(ServiceDefaults defaults, const ServiceFactory& factory);

}  // namespace aftersales

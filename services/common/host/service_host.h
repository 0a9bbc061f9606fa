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

#include "services/common/clock.h"
#include "services/common/host/test_clock.h"
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
  // Run once the gRPC server has drained and the workers have stopped, while
  // Redis is still open: stop anything else of the service's that uses the
  // pool (intake's batch writer thread), or it would outlive it.
  std::vector<std::function<void()>> on_stop;
};
using ServiceFactory = std::function<Result<ServiceParts>(ServiceHost&)>;

class ServiceHost {
 public:
  ServiceHost(ServiceDefaults defaults, EnvConfig& env);

  redis::RedisPool& redis() { return *redis_; }
  EnvConfig& env() { return env_; }
  // The business clock: ServiceClock(), settled by Run before the factory.
  const Clock& clock() const;
  const std::string& name() const { return defaults_.name; }

  // Runs until a shutdown signal; returns the process exit code (0 clean, 2
  // bad configuration, 1 start-up failure).
  int Run(const ServiceFactory& factory, ShutdownSignal& shutdown);

 private:
  ServiceDefaults defaults_;
  EnvConfig& env_;
  redis::RedisPoolPtr redis_;
};

// How long an event may sit pending with the consumer that took it before
// another replica claims it (AFTERSALES_STREAMS_CLAIM_IDLE, "30s" by default,
// 100ms to 1h): the longest a crashed or stalled replica's events wait. Too
// short, and a slow handler's event is handled twice (harmless: handlers are
// idempotent) and counts a delivery towards its dead-letter limit.
std::chrono::milliseconds StreamClaimIdle(EnvConfig& env);

// The business clock of this process, for everything that reads "now" in a
// domain sense (deadlines, due dates, records' times): the system clock, or
// in test mode the shared test clock of AFTERSALES_TEST_CLOCK_FILE once
// ServiceHost::Run has read the configuration. Valid for the whole process,
// so a main() may take it before RunService. Logs and Redis stream ids keep
// real time: trim streams by SystemClock, not by this.
const Clock& ServiceClock();

// The test clock the configuration asks for: null for the system clock (no
// file). A file is refused unless test_mode (AFTERSALES_TEST_MODE=true), so
// that no production configuration can move a service's time; a file that
// cannot be used is refused too. Both are INVALID_ARGUMENT "INVALID_CONFIG"
// with a message naming AFTERSALES_TEST_CLOCK_FILE.
Result<std::unique_ptr<TestClock>> OpenConfiguredTestClock(bool test_mode,
                                                           const std::string& clock_file);

// main() of a service: `return RunService({"intake", 50051, 9101}, factory);`
int RunService(ServiceDefaults defaults, const ServiceFactory& factory);

}  // namespace aftersales

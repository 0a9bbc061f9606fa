// gRPC server bootstrap shared by every service: callback API, health checking,
// reflection, keepalive and max connection age, bounded graceful shutdown.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "services/common/status.h"

namespace aftersales::grpcx {

// A grpc.health.v1 service name that is SERVING for as long as the process
// runs, whatever its dependencies do: what a liveness probe asks, while
// readiness asks "" (which follows Redis).
inline constexpr char kLivenessHealthName[] = "liveness";

struct GrpcServerOptions {
  // host:port; port 0 picks a free one (read it back with port()).
  std::string address = "127.0.0.1:0";
  std::chrono::milliseconds keepalive_time{30'000};
  std::chrono::milliseconds keepalive_timeout{10'000};
  // Connections are recycled so that new replicas behind a Kubernetes Service
  // get their share of long-lived client channels.
  std::chrono::milliseconds max_connection_age{300'000};
  std::chrono::milliseconds max_connection_age_grace{30'000};
  std::chrono::milliseconds shutdown_grace{10'000};
  int max_receive_message_bytes = 4 * 1024 * 1024;
};

// A service and its full name ("aftersales.intake.v1.IntakeService"), under
// which grpc.health.v1 reports it.
struct NamedService {
  std::string full_name;
  grpc::Service* service;  // not owned; must outlive the server
};

class GrpcServer {
 public:
  GrpcServer(GrpcServerOptions options, std::vector<NamedService> services);
  ~GrpcServer();

  // Boot order from gRPC's own examples: health service and reflection on, port
  // added, services registered, started; serving status starts NOT_SERVING
  // until the caller says the dependencies are reachable.
  Status Start();
  int port() const { return port_; }
  // Sets the overall ("") and every registered service's serving status.
  void SetServing(bool serving);
  // Stops accepting, lets in-flight calls finish within shutdown_grace, then
  // cancels the rest.
  void Shutdown();

 private:
  GrpcServerOptions options_;
  std::vector<NamedService> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// Splits "host:port" and checks the port; used when validating configuration.
Status ValidateAddress(const std::string& address, const std::string& field);

}  // namespace aftersales::grpcx

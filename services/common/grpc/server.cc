#include "services/common/grpc/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <charconv>

#include "services/common/grpc/metrics_interceptor.h"

namespace aftersales::grpcx {

GrpcServer::GrpcServer(GrpcServerOptions options, std::vector<NamedService> services)
    : options_(std::move(options)), services_(std::move(services)) {}

GrpcServer::~GrpcServer() { Shutdown(); }

Status GrpcServer::Start() {
  if (Status s = ValidateAddress(options_.address, "listen address"); !s.ok()) return s;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.address, grpc::InsecureServerCredentials(), &port_);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             static_cast<int>(options_.keepalive_time.count()));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             static_cast<int>(options_.keepalive_timeout.count()));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                             static_cast<int>(options_.max_connection_age.count()));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             static_cast<int>(options_.max_connection_age_grace.count()));
  builder.SetMaxReceiveMessageSize(options_.max_receive_message_bytes);
  // Without this, a second process on the same port would silently share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  for (const auto& s : services_) builder.RegisterService(s.service);

  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(NewMetricsInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(creators));

  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    server_.reset();
    return Unavailable("GRPC_BIND_FAILED",
                       "cannot listen on " + options_.address + " (address in use or not local?)");
  }
  SetServing(false);
  if (auto* health = server_->GetHealthCheckService()) {
    health->SetServingStatus(kLivenessHealthName, true);
  }
  return Status::Ok();
}

void GrpcServer::SetServing(bool serving) {
  if (!server_) return;
  if (auto* health = server_->GetHealthCheckService()) {
    health->SetServingStatus("", serving);  // the whole server
    for (const auto& s : services_) health->SetServingStatus(s.full_name, serving);
  }
}

void GrpcServer::Shutdown() {
  if (!server_) return;
  if (auto* health = server_->GetHealthCheckService()) health->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() + options_.shutdown_grace);
  server_->Wait();
  server_.reset();
}

Status ValidateAddress(const std::string& address, const std::string& field) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return InvalidArgument("BAD_ADDRESS", field + " \"" + address + "\" is not host:port");
  }
  std::string_view port = std::string_view(address).substr(colon + 1);
  int value = -1;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || ptr != port.data() + port.size() || value < 0 || value > 65535) {
    return InvalidArgument("BAD_ADDRESS", field + " \"" + address + "\" has a malformed port \"" +
                                              std::string(port) + "\" (0-65535)");
  }
  return Status::Ok();
}

}  // namespace aftersales::grpcx

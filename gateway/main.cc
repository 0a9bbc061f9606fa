// The gateway process: the public HTTP/JSON API in front of the four services.
#include <iostream>

#include "gateway/upstreams.h"
#include "services/common/grpc/client.h"
#include "services/common/grpc/server.h"
#include "services/common/http/http_router.h"
#include "services/common/http/http_server.h"
#include "services/common/runtime/env_config.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/shutdown_signal.h"

namespace aftersales::gateway {
namespace {

int Run(ShutdownSignal& shutdown) {
  using std::chrono::milliseconds;
  EnvConfig env;
  LogLevel level = LogLevel::kInfo;
  const std::string level_text = env.String("AFTERSALES_LOG_LEVEL", "info");
  if (!ParseLogLevel(level_text, level)) {
    std::cerr << "gateway: bad configuration: AFTERSALES_LOG_LEVEL=\"" << level_text
              << "\" is not one of debug, info, warn, error" << std::endl;
    return 2;
  }
  SetDefaultLogger(std::make_shared<Logger>(LoggerOptions{"gateway", level, nullptr}));

  HttpServerOptions http_options;
  http_options.address = env.String("AFTERSALES_LISTEN_HOST", "127.0.0.1");
  http_options.port = env.Port("AFTERSALES_HTTP_PORT", 8080);
  http_options.body_limit = static_cast<size_t>(
      env.Int("AFTERSALES_HTTP_BODY_LIMIT", 1 << 20, 1024, 64 << 20));
  http_options.read_timeout =
      env.Duration("AFTERSALES_HTTP_READ_TIMEOUT", milliseconds(10'000), milliseconds(10));
  http_options.worker_threads = env.Int("AFTERSALES_HTTP_WORKERS", 8, 1, 256);
  const milliseconds shutdown_grace = env.Duration(
      "AFTERSALES_SHUTDOWN_GRACE", milliseconds(10'000), milliseconds(0), milliseconds(120'000));
  redis::RedisOptions redis_options;
  redis_options.host = env.String("AFTERSALES_REDIS_HOST", "127.0.0.1");
  redis_options.port = env.Port("AFTERSALES_REDIS_PORT", 6379);
  redis_options.password = env.String("AFTERSALES_REDIS_PASSWORD", "");

  std::vector<Upstream> upstreams;
  const std::pair<const char*, const char*> kUpstreams[] = {
      {"intake", "127.0.0.1:50051"},
      {"dispatch", "127.0.0.1:50052"},
      {"inventory", "127.0.0.1:50053"},
      {"followup", "127.0.0.1:50054"}};
  std::vector<std::string> bad_addresses;
  for (const auto& [name, fallback] : kUpstreams) {
    std::string var = "AFTERSALES_" + std::string(name) + "_ADDR";
    for (auto& c : var) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const std::string address = env.String(var, fallback);
    if (Status s = grpcx::ValidateAddress(address, var); !s.ok()) {
      bad_addresses.push_back(s.message());
      continue;
    }
    upstreams.push_back({name, address, grpcx::MakeChannel(address)});
  }
  Status config = env.Finish();
  if (!config.ok() || !bad_addresses.empty()) {
    std::cerr << "gateway: bad configuration:\n";
    if (!config.ok()) std::cerr << config.message() << "\n";
    for (const auto& m : bad_addresses) std::cerr << m << "\n";
    std::cerr.flush();
    return 2;
  }
  auto pool = redis::RedisPool::Create(redis_options);
  if (!pool.ok()) {
    std::cerr << "gateway: bad configuration: AFTERSALES_REDIS_HOST=\"" << redis_options.host
              << "\": " << pool.status().message() << std::endl;
    return 2;
  }
  Upstreams deps(std::move(upstreams), pool->get());

  HttpRouter router;
  InstallHealthRoutes(router, [&] {
    Status s = deps.CheckReady(milliseconds(1000));
    if (!s.ok()) log::Warn("not ready", {{"error", s.message()}});
    return s.ok();
  });
  InstallMetricsRoute(router);
  // The public API's routes join as their services land (the gateway issue).
  router.SetFallback([](const HttpRequest& req) {
    if (req.path.rfind("/v1/", 0) == 0) {
      return JsonError(501, "UNIMPLEMENTED", "ROUTE_NOT_IMPLEMENTED",
                       req.method + " " + req.path + " is not implemented yet");
    }
    return JsonError(404, "NOT_FOUND", "ROUTE_NOT_FOUND", "no route for " + req.path);
  });

  HttpServer server(http_options, router.AsHandler());
  if (Status s = server.Start(); !s.ok()) {
    log::Error("http server failed", {{"error", s.ToString()}});
    return 1;
  }
  log::Info("started", {{"http_port", server.port()}});
  const int sig = shutdown.Wait();
  log::Info("shutting down", {{"signal", SignalName(sig)}});
  server.Shutdown(shutdown_grace);
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace aftersales::gateway

int main() {
  aftersales::ShutdownSignal shutdown;  // first: every thread inherits the mask
  return aftersales::gateway::Run(shutdown);
}

// The gateway process: the public HTTP/JSON API in front of the four services.
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <iostream>

#include "gateway/api.h"
#include "gateway/idempotency.h"
#include "gateway/openapi.h"
#include "gateway/rate_limiter.h"
#include "gateway/route_table.h"
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

// Only with AFTERSALES_JWT_DEV_SECRET=true, for a laptop: published here, so
// it protects nothing, and the gateway says so in its log at start.
constexpr char kDevSecret[] = "aftersales-dev-secret-not-for-production";
constexpr size_t kMinSecretBytes = 16;

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
  http_options.body_limit =
      static_cast<size_t>(env.Int("AFTERSALES_HTTP_BODY_LIMIT", 1 << 20, 1024, 64 << 20));
  http_options.read_timeout =
      env.Duration("AFTERSALES_HTTP_READ_TIMEOUT", milliseconds(10'000), milliseconds(10));
  // The pool for what blocks (Redis, probes, health checks); the common
  // path never leaves the I/O threads and gRPC's own.
  const int blocking_threads = env.Int("AFTERSALES_HTTP_WORKERS", 8, 1, 256);
  http_options.io_threads = env.Int("AFTERSALES_HTTP_IO_THREADS", 2, 1, 64);
  const milliseconds shutdown_grace = env.Duration(
      "AFTERSALES_SHUTDOWN_GRACE", milliseconds(10'000), milliseconds(0), milliseconds(120'000));
  redis::RedisOptions redis_options;
  redis_options.host = env.String("AFTERSALES_REDIS_HOST", "127.0.0.1");
  redis_options.port = env.Port("AFTERSALES_REDIS_PORT", 6379);
  redis_options.password = env.String("AFTERSALES_REDIS_PASSWORD", "");

  // The JWT secret is required: a gateway that cannot verify tokens must not
  // start (in a cluster it comes from a Secret; a missing one should crash
  // loop, loudly). It is never logged.
  const bool dev_secret = env.Bool("AFTERSALES_JWT_DEV_SECRET", false);
  std::string jwt_secret = env.String("AFTERSALES_JWT_SECRET", "");
  std::vector<std::string> bad_secret;
  if (jwt_secret.empty() && dev_secret) {
    jwt_secret = kDevSecret;
  } else if (jwt_secret.empty()) {
    bad_secret.push_back(
        "AFTERSALES_JWT_SECRET: required (or AFTERSALES_JWT_DEV_SECRET=true for a local dev "
        "secret)");
  } else if (jwt_secret.size() < kMinSecretBytes) {
    bad_secret.push_back("AFTERSALES_JWT_SECRET: must be at least 16 bytes");
  }
  const int rate_limit = env.Int("AFTERSALES_RATE_LIMIT", 50, 0, 1'000'000);
  const int rate_burst = env.Int("AFTERSALES_RATE_BURST", 100, 1, 1'000'000);
  const milliseconds upstream_deadline = env.Duration(
      "AFTERSALES_UPSTREAM_DEADLINE", milliseconds(5'000), milliseconds(1), milliseconds(300'000));
  const milliseconds idempotency_ttl =
      env.Duration("AFTERSALES_IDEMPOTENCY_TTL", std::chrono::hours(24), milliseconds(1000));

  std::vector<Upstream> upstreams;
  const std::pair<const char*, const char*> kUpstreams[] = {{"intake", "127.0.0.1:50051"},
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
  if (!config.ok() || !bad_addresses.empty() || !bad_secret.empty()) {
    std::cerr << "gateway: bad configuration:\n";
    if (!config.ok()) std::cerr << config.message() << "\n";
    for (const auto& m : bad_addresses) std::cerr << m << "\n";
    for (const auto& m : bad_secret) std::cerr << m << "\n";
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
  const std::string openapi = OpenApiDocument(RouteTable::V1());
  router.Get("/openapi.json",
             [&openapi](const HttpRequest&) { return HttpResponse::Json(200, openapi); });

  GrpcRpcCaller rpc(deps, upstream_deadline);
  std::unique_ptr<RateLimiter> limiter;
  if (rate_limit > 0) limiter = std::make_unique<RateLimiter>(pool->get(), rate_limit, rate_burst);
  // A pending key lives as long as its request can: the upstream deadline
  // plus the probe call before it, with room to spare.
  IdempotencyStore idempotency(pool->get(), idempotency_ttl, upstream_deadline * 3);
  // Declared before the server: its destructor waits for the requests in
  // flight, which may still be running here.
  boost::asio::thread_pool blocking(static_cast<size_t>(blocking_threads));
  const auto run_blocking = [&blocking](std::function<void()> task) {
    boost::asio::post(blocking, std::move(task));
  };
  Api api(RouteTable::V1(), ApiOptions{jwt_secret, nullptr, run_blocking}, &rpc, limiter.get(),
          &idempotency, router.AsHandler());
  if (dev_secret && jwt_secret == kDevSecret) {
    log::Warn("AFTERSALES_JWT_DEV_SECRET is on: tokens are signed with a published secret");
  }

  HttpServer server(http_options,
                    AsyncHttpHandler([&api](HttpRequest request, HttpResponder respond) {
                      api.HandleAsync(std::move(request), std::move(respond));
                    }));
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

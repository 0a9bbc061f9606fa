// Exact (method, path) routing with a fallback: enough for /metrics,
// /healthz, /readyz; the gateway puts its own pattern matching in the fallback.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "services/common/http/http_message.h"

namespace aftersales {

namespace metrics {
class Registry;
}

// Register every route before the server starts: routing reads the tables
// from many worker threads without a lock.
class HttpRouter {
 public:
  HttpRouter();

  void Handle(std::string method, std::string path, HttpHandler handler);
  void Get(std::string path, HttpHandler handler) {
    Handle("GET", std::move(path), std::move(handler));
  }
  void Post(std::string path, HttpHandler handler) {
    Handle("POST", std::move(path), std::move(handler));
  }
  // Called when no route has the request's path. Default: 404 ROUTE_NOT_FOUND.
  void SetFallback(HttpHandler handler);

  // 405 METHOD_NOT_ALLOWED (with Allow) when the path exists under other
  // methods; HEAD is served by the GET handler.
  HttpResponse Route(const HttpRequest& request) const;
  // A handler for HttpServer that routes through this router, which must
  // outlive the server.
  HttpHandler AsHandler() const;

 private:
  // path → method → handler
  std::map<std::string, std::map<std::string, HttpHandler>, std::less<>> routes_;
  HttpHandler fallback_;
};

// GET /healthz: 200 while the process runs. GET /readyz: 200 when `ready()`,
// else 503 NOT_READY; a null `ready` means always ready.
void InstallHealthRoutes(HttpRouter& router, std::function<bool()> ready = nullptr);

// GET /metrics: the registry's Prometheus exposition. The registry must
// outlive the router.
void InstallMetricsRoute(HttpRouter& router, const metrics::Registry& registry);
// Same, for metrics::DefaultRegistry().
void InstallMetricsRoute(HttpRouter& router);

}  // namespace aftersales

#include "services/common/http/http_router.h"

#include "services/common/metrics/metrics.h"

namespace aftersales {

HttpRouter::HttpRouter()
    : fallback_([](const HttpRequest& request) {
        return JsonError(404, "NOT_FOUND", "ROUTE_NOT_FOUND", "no route for " + request.path);
      }) {}

void HttpRouter::Handle(std::string method, std::string path, HttpHandler handler) {
  routes_[std::move(path)][std::move(method)] = std::move(handler);
}

void HttpRouter::SetFallback(HttpHandler handler) {
  if (handler) {
    fallback_ = std::move(handler);
  }
}

HttpResponse HttpRouter::Route(const HttpRequest& request) const {
  const auto path_it = routes_.find(request.path);
  if (path_it == routes_.end()) {
    return fallback_(request);
  }
  const auto& methods = path_it->second;
  auto it = methods.find(request.method);
  if (it == methods.end() && request.method == "HEAD") {
    it = methods.find("GET");
  }
  if (it != methods.end()) {
    return it->second(request);
  }

  std::string allow;
  for (const auto& [method, handler] : methods) {
    if (!allow.empty()) {
      allow += ", ";
    }
    allow += method;
    if (method == "GET" && !methods.contains("HEAD")) {
      allow += ", HEAD";
    }
  }
  HttpResponse r = JsonError(405, "UNIMPLEMENTED", "METHOD_NOT_ALLOWED",
                             request.method + " is not allowed on " + request.path);
  r.headers.Set("Allow", std::move(allow));
  return r;
}

HttpHandler HttpRouter::AsHandler() const {
  return [this](const HttpRequest& request) { return Route(request); };
}

void InstallHealthRoutes(HttpRouter& router, std::function<bool()> ready) {
  router.Get("/healthz",
             [](const HttpRequest&) { return HttpResponse::Json(200, R"({"status":"SERVING"})"); });
  router.Get("/readyz", [ready = std::move(ready)](const HttpRequest&) {
    if (!ready || ready()) {
      return HttpResponse::Json(200, R"({"status":"SERVING"})");
    }
    return JsonError(503, "UNAVAILABLE", "NOT_READY", "the service is not ready yet");
  });
}

void InstallMetricsRoute(HttpRouter& router, const metrics::Registry& registry) {
  router.Get("/metrics", [&registry](const HttpRequest&) {
    return HttpResponse::Text(200, registry.Exposition(),
                              std::string(metrics::kExpositionContentType));
  });
}

void InstallMetricsRoute(HttpRouter& router) {
  InstallMetricsRoute(router, metrics::DefaultRegistry());
}

}  // namespace aftersales

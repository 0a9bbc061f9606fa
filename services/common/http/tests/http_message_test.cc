#include "services/common/http/http_message.h"

#include <catch2/catch.hpp>

#include "services/common/http/http_router.h"
#include "services/common/metrics/metrics.h"

namespace aftersales {
namespace {

HttpRequest Request(std::string method, std::string target) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  REQUIRE(ParseTarget(r.target, r.path, r.query).ok());
  return r;
}

TEST_CASE("ParseTarget splits path and decodes the query", "[http]") {
  std::string path;
  QueryParams q;
  REQUIRE(
      ParseTarget("/v1/tickets?pageSize=5&status=NEW&status=OPEN&q=a+b%2Fc%3D&flag&&e=", path, q)
          .ok());
  CHECK(path == "/v1/tickets");
  CHECK(q.count("status") == 2);
  CHECK(q.find("pageSize")->second == "5");
  CHECK(q.find("q")->second == "a b/c=");
  CHECK(q.find("flag")->second.empty());
  CHECK(q.find("e")->second.empty());
  CHECK(q.size() == 6);

  REQUIRE(ParseTarget("/v1/tickets/a%2Fb:close", path, q).ok());
  CHECK(path == "/v1/tickets/a%2Fb:close");  // the path stays encoded
  CHECK(q.empty());

  REQUIRE(ParseTarget("http://gateway:8080/healthz?x=1", path, q).ok());
  CHECK(path == "/healthz");
  CHECK(q.find("x")->second == "1");
  REQUIRE(ParseTarget("http://gateway:8080", path, q).ok());
  CHECK(path == "/");
}

TEST_CASE("ParseTarget rejects bad targets and escapes", "[http]") {
  std::string path;
  QueryParams q;
  const Status bad_escape = ParseTarget("/x?a=%zz", path, q);
  CHECK(bad_escape.code() == Code::kInvalidArgument);
  CHECK(bad_escape.reason() == "MALFORMED_QUERY");
  CHECK(ParseTarget("/x?a=%4", path, q).reason() == "MALFORMED_QUERY");
  CHECK(ParseTarget("/x?a%=1", path, q).reason() == "MALFORMED_QUERY");
  CHECK(ParseTarget("relative/path", path, q).reason() == "MALFORMED_TARGET");
  CHECK(ParseTarget("", path, q).reason() == "MALFORMED_TARGET");
  std::string out = "unchanged";
  CHECK_FALSE(PercentDecode("%", false, out));
  CHECK(out == "unchanged");
  CHECK(PercentDecode("a+b%41", false, out));
  CHECK(out == "a+bA");
}

TEST_CASE("HttpHeaders look names up case-insensitively", "[http]") {
  HttpHeaders h;
  h.Add("Content-Type", "application/json");
  h.Add("X-Tag", "1");
  h.Add("x-tag", "2");
  CHECK(h.Get("content-type") == "application/json");
  CHECK(h.Get("X-TAG") == "1");
  CHECK_FALSE(h.Get("missing").has_value());
  CHECK(h.GetOr("missing", "d") == "d");
  h.Set("X-TAG", "3");
  CHECK(h.size() == 2);
  CHECK(h.Get("x-tag") == "3");
  h.Remove("CONTENT-TYPE");
  CHECK_FALSE(h.Has("Content-Type"));
}

TEST_CASE("ErrorResponse follows the google.rpc table and the http-api error shape", "[http]") {
  const HttpResponse r = ErrorResponse(
      InvalidArgument("INVALID_TICKET", "bad \"ticket\"", {{"contactPhone", "must be E.164"}}));
  CHECK(r.status == 400);
  CHECK(r.headers.Get("Content-Type") == "application/json");
  CHECK(r.body == R"({"error":{"code":400,"status":"INVALID_ARGUMENT","message":"bad \"ticket\"",)"
                  R"("reason":"INVALID_TICKET","fieldViolations":[{"field":"contactPhone",)"
                  R"("description":"must be E.164"}]}})");
  CHECK(ErrorResponse(NotFound("TICKET_NOT_FOUND", "m")).body ==
        R"({"error":{"code":404,"status":"NOT_FOUND","message":"m","reason":"TICKET_NOT_FOUND"}})");
  CHECK(HttpStatusFromCode(Code::kUnavailable) == 503);
  CHECK(HttpStatusFromCode(Code::kDeadlineExceeded) == 504);
  CHECK(HttpStatusFromCode(Code::kAborted) == 409);
  CHECK(HttpStatusFromCode(Code::kResourceExhausted) == 429);
  CHECK(HttpStatusFromCode(Code::kUnauthenticated) == 401);
  CHECK(HttpStatusFromCode(Code::kPermissionDenied) == 403);
  CHECK(HttpStatusFromCode(Code::kFailedPrecondition) == 400);
}

TEST_CASE("HttpRouter routes exact paths and answers 404 and 405", "[http]") {
  HttpRouter router;
  router.Get("/a", [](const HttpRequest&) { return HttpResponse::Text(200, "get a"); });
  router.Post("/a", [](const HttpRequest& r) { return HttpResponse::Text(201, "post " + r.body); });
  CHECK(router.Route(Request("GET", "/a?x=1")).body == "get a");
  HttpRequest post = Request("POST", "/a");
  post.body = "b";
  CHECK(router.Route(post).status == 201);
  CHECK(router.Route(post).body == "post b");
  CHECK(router.Route(Request("HEAD", "/a")).status == 200);

  const HttpResponse missing = router.Route(Request("GET", "/nope"));
  CHECK(missing.status == 404);
  CHECK(missing.body.find(R"("reason":"ROUTE_NOT_FOUND")") != std::string::npos);

  const HttpResponse wrong = router.Route(Request("DELETE", "/a"));
  CHECK(wrong.status == 405);
  CHECK(wrong.headers.Get("Allow") == "GET, HEAD, POST");
  CHECK(wrong.body.find(R"("code":405)") != std::string::npos);
  CHECK(wrong.body.find(R"("reason":"METHOD_NOT_ALLOWED")") != std::string::npos);

  router.SetFallback(
      [](const HttpRequest& r) { return HttpResponse::Text(200, "fallback " + r.path); });
  CHECK(router.Route(Request("GET", "/v1/tickets/1")).body == "fallback /v1/tickets/1");
}

TEST_CASE("Health and metrics routes", "[http]") {
  HttpRouter router;
  bool ready = false;
  InstallHealthRoutes(router, [&ready] { return ready; });
  metrics::Registry registry;
  registry.Counter("hits_total", "Hits.").Increment(2);
  InstallMetricsRoute(router, registry);

  CHECK(router.Route(Request("GET", "/healthz")).status == 200);
  const HttpResponse not_ready = router.Route(Request("GET", "/readyz"));
  CHECK(not_ready.status == 503);
  CHECK(not_ready.body.find(R"("reason":"NOT_READY")") != std::string::npos);
  ready = true;
  CHECK(router.Route(Request("GET", "/readyz")).status == 200);

  const HttpResponse m = router.Route(Request("GET", "/metrics"));
  CHECK(m.status == 200);
  CHECK(m.headers.Get("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(m.body == "# HELP hits_total Hits.\n# TYPE hits_total counter\nhits_total 2\n");
}

}  // namespace
}  // namespace aftersales

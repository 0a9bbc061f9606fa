// Every binary starts, answers health checks and /metrics, follows Redis up
// and down, shuts down cleanly, and refuses bad configuration at start.
#include "tests/e2e/platform.h"

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <thread>

#include "services/common/auth/jwt.h"
#include "services/common/grpc/client.h"
#include "services/common/grpc/server.h"
#include "tests/support/http_client.h"

namespace aftersales::testing {
namespace {

Status Health(const ServiceProcess& p) {
  return grpcx::CheckHealth(grpcx::MakeChannel("127.0.0.1:" + std::to_string(p.grpc_port)), "",
                            std::chrono::seconds(2));
}

// Polls `probe` until it returns true, at most `timeout`.
template <typename F>
bool Eventually(F probe, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (probe()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return probe();
}

TEST_CASE("every service starts, reports SERVING over grpc.health.v1 and serves /metrics") {
  Platform platform;
  for (const auto& name : platform.service_names()) {
    INFO(name << " log:\n" << platform.Log(name));
    auto& svc = platform.service(name);
    CHECK(Eventually([&] { return Health(svc).ok(); }));
    HttpResult metrics = HttpGet(svc.http_port, "/metrics");
    CHECK(metrics.status == 200);
    CHECK_THAT(metrics.body, Catch::Contains("aftersales_redis_up{service=\"" + name + "\"} 1"));
    CHECK(HttpGet(svc.http_port, "/healthz").status == 200);
    CHECK(HttpGet(svc.http_port, "/readyz").status == 200);
  }
}

TEST_CASE("the gateway answers health, readiness, metrics, and routes /v1 to the services") {
  Platform platform;
  const int port = platform.gateway().http_port;
  INFO("gateway log:\n" << platform.Log("gateway"));
  CHECK(HttpGet(port, "/healthz").status == 200);
  CHECK(Eventually([&] { return HttpGet(port, "/readyz").status == 200; }));
  HttpResult metrics = HttpGet(port, "/metrics");
  CHECK(metrics.status == 200);
  CHECK_THAT(metrics.header("content-type"), Catch::StartsWith("text/plain"));

  CHECK(HttpGet(port, "/v1/tickets/12345").status == 401);  // no token
  auth::Claims claims;
  claims.sub = "platform-test";
  claims.role = "agent";
  claims.exp = std::chrono::system_clock::now() + std::chrono::hours(1);
  HttpResult api =
      HttpGet(port, "/v1/knowledge/articles?q=printer",
              {{"Authorization", "Bearer " + auth::SignJwt(claims, kPlatformJwtSecret)}});
  CHECK(api.status == 200);  // through the gateway to intake and back
  CHECK_THAT(api.header("content-type"), Catch::StartsWith("application/json"));
  CHECK_THAT(api.body, Catch::Contains("\"articles\""));
  CHECK(HttpGet(port, "/nowhere").status == 404);
}

TEST_CASE(
    "Redis down: services stop serving and the gateway is not ready and Redis back: all recover") {
  Platform platform;
  auto& intake = platform.service("intake");
  REQUIRE(Eventually([&] { return Health(intake).ok(); }));
  platform.redis().Stop();
  for (const auto& name : platform.service_names()) {
    INFO(name);
    CHECK(Eventually([&] { return !Health(platform.service(name)).ok(); }));
    CHECK(platform.service(name).process->running());  // degraded, not dead
    // Liveness stays up: restarting replicas would not bring Redis back.
    CHECK(grpcx::CheckHealth(
              grpcx::MakeChannel("127.0.0.1:" + std::to_string(platform.service(name).grpc_port)),
              grpcx::kLivenessHealthName, std::chrono::seconds(2))
              .ok());
  }
  CHECK(HttpGet(platform.gateway().http_port, "/readyz").status == 503);
  CHECK(HttpGet(platform.gateway().http_port, "/healthz").status == 200);

  platform.redis().Start();
  for (const auto& name : platform.service_names()) {
    INFO(name << " log:\n" << platform.Log(name));
    CHECK(Eventually([&] { return Health(platform.service(name)).ok(); }));
  }
  CHECK(Eventually([&] { return HttpGet(platform.gateway().http_port, "/readyz").status == 200; }));
}

// Every pooled Redis connection of every process dies with a restart. The
// next callers must not be the ones to find that out: a quick restart (the
// services never saw Redis down) costs no request an error.
TEST_CASE("after a quick Redis restart no request through the gateway fails") {
  Platform platform;
  const int port = platform.gateway().http_port;
  INFO("platform logs in " << platform.log_dir());
  REQUIRE(Eventually([&] { return HttpGet(port, "/readyz").status == 200; }));
  // One route per service; several callers at once, so that each process
  // has several connections out of its pool, not one reused over and over.
  const std::vector<std::string> routes = {"/v1/tickets?pageSize=1", "/v1/workorders?pageSize=1",
                                           "/v1/locations?pageSize=1", "/v1/followups?pageSize=1"};
  constexpr int kCallers = 12;
  auto burst = [&] {
    std::vector<std::string> failures[kCallers];
    std::vector<std::thread> callers;
    for (int c = 0; c < kCallers; ++c) {
      callers.emplace_back([&, c] {
        auth::Claims claims;
        claims.sub = "restart-" + std::to_string(c);  // its own rate-limit bucket
        claims.role = "admin";
        claims.exp = std::chrono::system_clock::now() + std::chrono::hours(1);
        const std::string bearer = "Bearer " + auth::SignJwt(claims, kPlatformJwtSecret);
        for (const auto& route : routes) {
          HttpResult r = HttpGet(port, route, {{"Authorization", bearer}});
          if (r.status != 200)
            failures[c].push_back(route + " -> " + std::to_string(r.status) + " " + r.body);
        }
      });
    }
    for (auto& t : callers) t.join();
    std::vector<std::string> all;
    for (auto& f : failures) all.insert(all.end(), f.begin(), f.end());
    return all;
  };
  for (int warm = 0; warm < 2; ++warm) REQUIRE(burst().empty());

  platform.redis().Restart();
  for (const auto& name : platform.service_names()) {
    INFO(name);
    REQUIRE(Eventually([&] { return Health(platform.service(name)).ok(); }));
  }
  REQUIRE(Eventually([&] { return HttpGet(port, "/readyz").status == 200; }));
  for (int round = 0; round < 3; ++round) {
    const std::vector<std::string> failures = burst();
    INFO("round " << round << ": " << failures.size()
                  << " failed, first: " << (failures.empty() ? "" : failures.front()));
    CHECK(failures.empty());
  }
}

TEST_CASE("SIGTERM stops every process cleanly and promptly") {
  Platform platform;
  for (const auto& name : {"gateway", "intake", "dispatch", "inventory", "followup"}) {
    INFO(name << " log:\n" << platform.Log(name));
    auto& p = *platform.service(name).process;
    auto start = std::chrono::steady_clock::now();
    int status = p.Stop(SIGTERM, std::chrono::seconds(15));
    REQUIRE(status != -1);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
    CHECK_THAT(platform.Log(name), Catch::Contains("\"msg\":\"stopped\""));
  }
}

TEST_CASE("bad configuration stops a process at start with a message naming the variable") {
  const std::string intake = BinDir() + "/intake";
  struct Case {
    std::map<std::string, std::string> env;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {{{"AFTERSALES_REDIS_PORT", "abc"}}, "AFTERSALES_REDIS_PORT"},
      {{{"AFTERSALES_GRPC_PORT", "70000"}}, "AFTERSALES_GRPC_PORT"},
      {{{"AFTERSALES_REDIS_HOST", "no-such-host.invalid"}}, "no-such-host.invalid"},
      {{{"AFTERSALES_HEALTH_INTERVAL", "soon"}}, "AFTERSALES_HEALTH_INTERVAL"},
      {{{"AFTERSALES_LOG_LEVEL", "loud"}}, "AFTERSALES_LOG_LEVEL"},
      {{{"AFTERSALES_HOLIDAYS", "2026-10-01,2026-02-30"}}, "AFTERSALES_HOLIDAYS"},
  };
  for (const auto& c : cases) {
    auto [status, out] = RunToExit(intake, c.env, std::chrono::seconds(10));
    INFO(c.expect << ": " << out);
    REQUIRE(status != -1);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 2);
    CHECK_THAT(out, Catch::Contains(c.expect));
  }
  auto [status, out] = RunToExit(BinDir() + "/gateway", {{"AFTERSALES_INTAKE_ADDR", "intake"}},
                                 std::chrono::seconds(10));
  INFO(out);
  CHECK(WEXITSTATUS(status) == 2);
  CHECK_THAT(out, Catch::Contains("AFTERSALES_INTAKE_ADDR"));
}

}  // namespace
}  // namespace aftersales::testing

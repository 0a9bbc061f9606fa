// GET /v1/tickets/{number} through the gateway (wrk over HTTP/1.1
// keep-alive) next to the same GetTicket over gRPC from a C++ client, in the
// same run on the same machine, so the ratio says what the gateway costs.
// Prints figures, never asserts on them.
//
//   build/bin/gateway-bench [seconds=5] [connections=32] [http_workers=32] [rate_limit=0]
// A GET never waits on the worker pool (the upstream call is asynchronous);
// `http_workers` only sizes the pool for the blocking steps, which this
// benchmark does not take (no Idempotency-Key; rate limiting is off unless
// `rate_limit` is given, which shows what the Redis token bucket costs).
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "aftersales/intake/v1/intake.grpc.pb.h"
#include "services/common/auth/jwt.h"
#include "services/common/grpc/client.h"
#include "tests/bench/bench_support.h"
#include "tests/e2e/platform.h"
#include "tests/support/http_client.h"

namespace aftersales {
namespace {

constexpr char kSecret[] = "bench-secret-0123456789abcdefgh";

std::string Token() {
  auth::Claims c;
  c.sub = "bench";
  c.role = "admin";
  c.exp = std::chrono::system_clock::now() + std::chrono::hours(2);
  return auth::SignJwt(c, kSecret);
}

std::string JsonStringValue(const std::string& json, const std::string& key) {
  const std::string needle = "\"" + key + "\":\"";
  const size_t at = json.find(needle);
  if (at == std::string::npos) return "";
  const size_t start = at + needle.size();
  return json.substr(start, json.find('"', start) - start);
}

bench::Figures RunWrk(int port, const std::string& path, int seconds, int connections) {
  const std::string script = "/tmp/gateway_bench_" + std::to_string(::getpid()) + ".lua";
  std::ofstream(script) << "wrk.headers[\"Authorization\"] = \"Bearer " << Token() << "\"\n";
  const std::string out = bench::Shell(
      "wrk -t2 -c" + std::to_string(connections) + " -d" + std::to_string(seconds) +
      "s --latency -s " + script + " http://127.0.0.1:" + std::to_string(port) + path + " 2>&1");
  std::remove(script.c_str());
  std::cout << out;
  return bench::ParseWrk(out);
}

bench::Figures RunGrpc(const std::string& address, const std::string& number, int seconds,
                       int callers, grpc::StatusCode& code) {
  auto channel = grpcx::MakeChannel(address);
  auto stub = intake::v1::IntakeService::NewStub(channel);
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(callers);
  std::vector<std::thread> threads;
  std::atomic<int> last_code{0};
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < callers; ++i) {
    threads.emplace_back([&, i] {
      intake::v1::GetTicketRequest req;
      req.set_ticket_number(number);
      while (!stop.load()) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        ctx.AddMetadata("x-caller-role", "admin");
        ctx.AddMetadata("x-caller-subject", "bench");
        intake::v1::Ticket ticket;
        const auto t0 = std::chrono::steady_clock::now();
        grpc::Status s = stub->GetTicket(&ctx, req, &ticket);
        latencies[i].push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
        last_code = s.error_code();
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  bench::Figures f;
  f.calls = static_cast<int64_t>(all.size());
  if (!all.empty()) {
    f.rps = static_cast<double>(all.size()) / elapsed;
    f.p50_ms = bench::Percentile(all, 0.50);
    f.p99_ms = bench::Percentile(all, 0.99);
  }
  code = static_cast<grpc::StatusCode>(last_code.load());
  return f;
}

int Main(int argc, char** argv) {
  bench::FindPlatformBinaries();  // next to this one
  const int seconds = argc > 1 ? std::atoi(argv[1]) : 5;
  const int connections = argc > 2 ? std::atoi(argv[2]) : 32;
  const std::string workers = argc > 3 ? argv[3] : "32";
  const std::string rate_limit = argc > 4 ? argv[4] : "0";
  testing::Platform platform({{"AFTERSALES_JWT_SECRET", kSecret},
                              {"AFTERSALES_RATE_LIMIT", rate_limit},
                              {"AFTERSALES_RATE_BURST", "1000000"},
                              {"AFTERSALES_HTTP_WORKERS", workers},
                              {"AFTERSALES_LOG_LEVEL", "warn"}});
  const int port = platform.gateway().http_port;
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + Token()}};
  for (int i = 0; i < 100 && testing::HttpGet(port, "/readyz").status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  // A real ticket to read, when intake can make one.
  std::string number = "2611210007";
  auto customer = testing::HttpRequest(
      port, "POST", "/v1/customers",
      R"({"name":"Bench Ltd","contactName":"B","contactPhone":"+86 21 5555 0100","email":"b@example.com"})",
      auth);
  const std::string customer_id = JsonStringValue(customer.body, "id");
  auto site = testing::HttpRequest(
      port, "POST", "/v1/customers/" + customer_id + "/sites",
      R"({"name":"HQ","address":"1 Road","zone":"CITY","branch":"head-office","latitude":31.2,"longitude":121.5})",
      auth);
  const std::string site_id = JsonStringValue(site.body, "id");
  auto ticket = testing::HttpRequest(
      port, "POST", "/v1/tickets",
      R"({"customerId":")" + customer_id + R"(","siteId":")" + site_id +
          R"(","kind":"FAULT","channel":"HOTLINE","contactName":"B","contactPhone":"+86 21 5555 0100","symptoms":"barrier does not open","impact":"COMMON_DEVICE_DOWN","startedAt":"2026-11-21T07:00:00Z"})",
      auth);
  if (ticket.status == 201) {
    number = JsonStringValue(ticket.body, "number");
  } else {
    std::cout << "note: no ticket could be created (" << ticket.status << " " << ticket.body
              << "); both paths read a number that answers an error instead\n";
  }
  const auto probe = testing::HttpGet(port, "/v1/tickets/" + number, auth);
  std::cout << "GET /v1/tickets/" << number << " answers " << probe.status << "; gateway with "
            << workers << " HTTP workers, rate limit " << rate_limit << "/s (0: off)\n\n";

  std::cout << "== gateway: wrk, " << connections << " connections, " << seconds << " s\n";
  bench::Figures http = RunWrk(port, "/v1/tickets/" + number, seconds, connections);
  std::cout << "\n== direct gRPC GetTicket: " << connections << " callers, " << seconds << " s\n";
  grpc::StatusCode code;
  bench::Figures direct =
      RunGrpc("127.0.0.1:" + std::to_string(platform.service("intake").grpc_port), number, seconds,
              connections, code);
  std::printf("gRPC status %d\n\n", static_cast<int>(code));
  std::printf("%-22s %12s %10s %10s\n", "path", "req/s", "p50 ms", "p99 ms");
  std::printf("%-22s %12.0f %10.2f %10.2f\n", "gateway (HTTP/JSON)", http.rps, http.p50_ms,
              http.p99_ms);
  std::printf("%-22s %12.0f %10.2f %10.2f\n", "direct gRPC", direct.rps, direct.p50_ms,
              direct.p99_ms);
  if (direct.rps > 0) {
    std::printf("gateway / direct throughput: %.2f (target >= 0.50)\n", http.rps / direct.rps);
  }
  return 0;
}

}  // namespace
}  // namespace aftersales

int main(int argc, char** argv) { return aftersales::Main(argc, argv); }

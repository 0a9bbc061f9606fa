// The gateway through real HTTP in front of the real services and a real
// redis-server: the authorisation matrix generated from the route table,
// malformed input of every kind, request ids, rate limits, upstream failures
// and /openapi.json checked by an OpenAPI validator.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <thread>

#include "gateway/route_table.h"
#include "services/common/auth/jwt.h"
#include "tests/e2e/platform.h"
#include "tests/support/http_client.h"

namespace aftersales::testing {
namespace {

using gateway::Route;
using gateway::RouteTable;
using gateway::Scope;

constexpr char kSecret[] = "e2e-gateway-secret-0123456789abcdef";

std::map<std::string, std::string> Env(std::map<std::string, std::string> more = {}) {
  std::map<std::string, std::string> env = {{"AFTERSALES_JWT_SECRET", kSecret},
                                            {"AFTERSALES_RATE_LIMIT", "100000"},
                                            {"AFTERSALES_RATE_BURST", "100000"}};
  for (auto& [k, v] : more) env[k] = v;
  return env;
}

std::string Token(const std::string& role, const std::string& id = "") {
  auth::Claims c;
  c.sub = "e2e-" + role;
  c.role = role;
  c.exp = std::chrono::system_clock::now() + std::chrono::hours(1);
  if (role == "customer") c.customer_id = id.empty() ? "C1" : id;
  if (role == "engineer") c.engineer_id = id.empty() ? "E1" : id;
  return auth::SignJwt(c, kSecret);
}

std::map<std::string, std::string> Bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

// The route's template with every variable set to `value`.
std::string Concrete(const Route& r, const std::string& value) {
  std::string out;
  for (size_t i = 0; i < r.path.size(); ++i) {
    if (r.path[i] == '{') {
      i = r.path.find('}', i);
      out += value;
    } else {
      out += r.path[i];
    }
  }
  return out;
}

// Sends raw bytes and returns what came back before the server closed or
// the timeout passed.
std::string RawExchange(int port, const std::string& bytes) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "";
  }
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + sent, bytes.size() - sent);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string got;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) break;
    got.append(chunk, static_cast<size_t>(n));
  }
  close(fd);
  return got;
}

// What a working route answers whatever state its service is in: the
// service's own answer (501 while it is not built), never the gateway
// refusing the caller or failing.
bool ServiceAnswered(int status) {
  return status != 0 && status != 401 && status != 403 && status != 429 && status != 500 &&
         status != 503 && status != 504;
}

// A top-level string field of a JSON answer ("" when absent).
std::string JsonString(const std::string& json, const std::string& key) {
  const std::string needle = "\"" + key + "\":\"";
  const size_t at = json.find(needle);
  if (at == std::string::npos) return "";
  const size_t start = at + needle.size();
  return json.substr(start, json.find('"', start) - start);
}

// A customer with one site in zone CITY, created by `agent`: {customer id, site id}.
std::pair<std::string, std::string> CustomerWithSite(
    int port, const std::map<std::string, std::string>& agent, const std::string& name,
    const std::string& phone) {
  HttpResult customer =
      HttpRequest(port, "POST", "/v1/customers",
                  R"({"name":")" + name + R"(","contactName":"N","contactPhone":")" + phone +
                      R"(","email":"n@example.com"})",
                  agent);
  REQUIRE(customer.status == 201);
  const std::string customer_id = JsonString(customer.body, "id");
  HttpResult site = HttpRequest(
      port, "POST", "/v1/customers/" + customer_id + "/sites",
      R"({"name":"HQ","address":"1 Road","zone":"CITY","branch":"head-office","latitude":31.2,"longitude":121.5})",
      agent);
  REQUIRE(site.status == 201);
  return {customer_id, JsonString(site.body, "id")};
}

template <typename F>
bool Eventually(F probe, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (probe()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return probe();
}

TEST_CASE("authorisation matrix: every route by every role, no token and a bad token") {
  Platform platform(Env());
  const int port = platform.gateway().http_port;
  INFO("gateway log:\n" << platform.Log("gateway"));
  auth::Claims forged;
  forged.sub = "mallory";
  forged.role = "admin";
  forged.exp = std::chrono::system_clock::now() + std::chrono::hours(1);
  const std::string bad_token = auth::SignJwt(forged, "not-the-gateway-secret-at-all");

  int checked = 0;
  for (const Route& r : RouteTable::V1().routes()) {
    const std::string body = r.method == "POST" ? "{}" : "";
    const std::string target = Concrete(r, "X1");
    INFO(r.method << " " << target);
    CHECK(HttpRequest(port, r.method, target, body).status == 401);
    CHECK(HttpRequest(port, r.method, target, body, Bearer(bad_token)).status == 401);
    for (std::string_view role_view : auth::kRoles) {
      const std::string role(role_view);
      INFO("role " << role);
      // A customer/engineer uses its own id where the path names itself.
      const bool self = (role == "customer" && r.customer.scope == Scope::kPathIsSelf) ||
                        (role == "engineer" && r.engineer.scope == Scope::kPathIsSelf);
      const std::string own_target = self ? Concrete(r, role == "customer" ? "C1" : "E1") : target;
      HttpResult res = HttpRequest(port, r.method, own_target, body, Bearer(Token(role)));
      INFO(res.body);
      if (r.Allows(role)) {
        CHECK(res.status != 401);
        CHECK(res.status != 403);
        CHECK(res.status != 500);
      } else {
        CHECK(res.status == 403);
        CHECK_THAT(res.body, Catch::Contains("ROLE_NOT_ALLOWED"));
      }
      CHECK(!res.header("x-request-id").empty());
      ++checked;
    }
  }
  CHECK(checked == static_cast<int>(RouteTable::V1().routes().size() * std::size(auth::kRoles)));
}

TEST_CASE("a customer and an engineer reaching for someone else's record get 404") {
  Platform platform(Env());
  const int port = platform.gateway().http_port;
  const std::string customer = Token("customer", "C1");
  const std::string engineer = Token("engineer", "E1");
  struct Case {
    std::string method, target, body, token;
  };
  const std::vector<Case> cases = {
      {"GET", "/v1/customers/C2", "", customer},
      {"GET", "/v1/tickets?customerId=C2", "", customer},
      {"GET", "/v1/followups?customerId=C2", "", customer},
      {"POST", "/v1/tickets",
       R"({"customerId":"C2","siteId":"S","kind":"FAULT","channel":"WEB","contactPhone":"1","symptoms":"x"})",
       customer},
      {"POST", "/v1/engineers/E2:setStatus", R"({"state":"AVAILABLE"})", engineer},
      {"GET", "/v1/workorders?engineerId=E2", "", engineer},
  };
  for (const auto& c : cases) {
    INFO(c.method << " " << c.target);
    HttpResult r = HttpRequest(port, c.method, c.target, c.body, Bearer(c.token));
    CHECK(r.status == 404);
    CHECK_THAT(r.body, Catch::Contains("\"status\":\"NOT_FOUND\""));
  }
  // Their own: through to the service, whatever it answers.
  HttpResult own = HttpGet(port, "/v1/customers/C1", Bearer(customer));
  CHECK(ServiceAnswered(own.status));
  CHECK_THAT(own.body, !Catch::Contains("no such record"));
}

TEST_CASE(
    "malformed input of every kind is a 4xx that says what is wrong and the gateway serves on") {
  Platform platform(Env());
  const int port = platform.gateway().http_port;
  INFO("gateway log:\n" << platform.Log("gateway"));
  const auto admin = Bearer(Token("admin"));
  struct Case {
    std::string method, target, body;
    int status;
    std::string expect;
  };
  std::string deep(5000, '[');
  deep += std::string(5000, ']');
  const std::vector<Case> cases = {
      {"POST", "/v1/customers", R"({"name":)", 400, "MALFORMED_JSON"},
      {"POST", "/v1/customers", "not json", 400, "MALFORMED_JSON"},
      {"POST", "/v1/customers", R"({"name":"A","colour":"red"})", 400, "colour"},
      {"POST", "/v1/customers", R"({"name":["A"]})", 400, "MALFORMED_JSON"},
      {"POST", "/v1/customers", "{\"name\":\"\xc3\x28\"}", 400, "UTF-8"},
      {"POST", "/v1/customers", "{}", 400, "\"field\":\"name\""},
      {"POST", "/v1/customers", "{\"name\":" + deep + "}", 400, "MALFORMED_JSON"},
      {"POST", "/v1/engineers", R"({"name":"E","branch":"b","maxConcurrentJobs":99999999999})", 400,
       "MALFORMED_JSON"},
      {"POST", "/v1/workorders/W1:complete",
       R"({"fixed":true,"feeLines":[{"amount":{"minorUnits":"123456789012345678901234"}}]})", 400,
       "MALFORMED_JSON"},
      {"POST", "/v1/tickets", R"({"kind":"EARTHQUAKE"})", 400, "MALFORMED_JSON"},
      {"GET", "/v1/tickets?pageSize=-5", "", 400, "pageSize"},
      {"GET", "/v1/tickets?pageSize=99999999999", "", 400, "pageSize"},
      {"GET", "/v1/tickets?nosuch=1", "", 400, "nosuch"},
      {"GET", "/v1/tickets?status=%zz", "", 400, "MALFORMED_QUERY"},
      {"GET", "/v1/tickets/%ff%fe", "", 400, "MALFORMED_PATH"},
      {"GET", "/v1/nowhere", "", 404, "ROUTE_NOT_FOUND"},
      {"DELETE", "/v1/tickets/1", "", 405, "METHOD_NOT_ALLOWED"},
      {"POST", "/v1/customers", std::string(2 << 20, 'x'), 413, "PAYLOAD_TOO_LARGE"},
  };
  for (const auto& c : cases) {
    INFO(c.method << " " << c.target << " " << c.body.substr(0, 80));
    auto headers = admin;
    headers["X-Request-Id"] = "bad-input-1";
    HttpResult r = HttpRequest(port, c.method, c.target, c.body, headers);
    CHECK(r.status == c.status);
    CHECK_THAT(r.body, Catch::Contains(c.expect));
    CHECK_THAT(r.body, Catch::Contains("\"message\":"));
    // The HTTP server's own answers (413 here) too: the client's id, the
    // spec's error body.
    CHECK(r.header("x-request-id") == "bad-input-1");
    CHECK_THAT(r.body, Catch::StartsWith("{\"error\":{\"code\":" + std::to_string(c.status)));
  }
  // Garbage on the wire and an oversized header block: answered by the HTTP
  // server before any handler, still with a request id and the error body.
  const std::string garbage = RawExchange(port, "\x16\x03\x01 hello\r\n\r\n");
  CHECK_THAT(garbage, Catch::StartsWith("HTTP/1.1 400"));
  CHECK_THAT(garbage, Catch::Contains("X-Request-Id: "));
  CHECK_THAT(garbage, Catch::Contains(R"({"error":{"code":400,"status":"INVALID_ARGUMENT")"));
  CHECK_THAT(garbage, Catch::Contains(R"("reason":"MALFORMED_REQUEST")"));
  const std::string big = RawExchange(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                                std::string(64 * 1024, 'a') + "\r\n\r\n");
  CHECK_THAT(big, Catch::StartsWith("HTTP/1.1 431"));
  CHECK_THAT(big, Catch::Contains("X-Request-Id: "));
  CHECK_THAT(big, Catch::Contains(R"("reason":"HEADERS_TOO_LARGE")"));
  // Still serving.
  CHECK(HttpGet(port, "/healthz").status == 200);
  CHECK(ServiceAnswered(HttpGet(port, "/v1/tickets/1", admin).status));
}

TEST_CASE("request ids are echoed or made up, and errors and metrics follow the conventions") {
  Platform platform(Env());
  const int port = platform.gateway().http_port;
  HttpResult echoed = HttpGet(port, "/v1/tickets/1", {{"X-Request-Id", "mobile-77"}});
  CHECK(echoed.status == 401);
  CHECK(echoed.header("x-request-id") == "mobile-77");
  CHECK(HttpGet(port, "/healthz").header("x-request-id").size() == 36);
  // An error answer of the service: the spec's error body.
  HttpResult api = HttpGet(port, "/v1/tickets/12345", Bearer(Token("agent")));
  REQUIRE(ServiceAnswered(api.status));
  CHECK_THAT(api.header("content-type"), Catch::StartsWith("application/json"));
  if (api.status >= 400) {
    CHECK_THAT(api.body, Catch::StartsWith("{\"error\":{\"code\":" + std::to_string(api.status)));
    CHECK_THAT(api.body, Catch::Contains("\"reason\":"));
  }
  HttpResult metrics = HttpGet(port, "/metrics");
  CHECK_THAT(
      metrics.body,
      Catch::Contains(R"(http_requests_total{method="GET",route="/v1/tickets/{number}",status=")" +
                      std::to_string(api.status) + "\"} 1"));
  CHECK_THAT(
      metrics.body,
      Catch::Contains(R"(http_request_duration_seconds_bucket{route="/v1/tickets/{number}")"));
  // The access log: one JSON line per request, never the token.
  const std::string log = platform.Log("gateway");
  CHECK_THAT(log, Catch::Contains(R"("msg":"request")"));
  CHECK_THAT(log, Catch::Contains(R"("request_id":"mobile-77")"));
  CHECK_THAT(log, !Catch::Contains(kSecret));
  CHECK_THAT(log, !Catch::Contains(Token("agent").substr(0, 40)));
}

TEST_CASE("a create with an Idempotency-Key answers the same twice and 409 for another body") {
  Platform platform(Env());
  const int port = platform.gateway().http_port;
  auto headers = Bearer(Token("agent"));
  headers["Idempotency-Key"] = "create-acme-1";
  const std::string body =
      R"({"name":"Acme Parking","contactName":"Li Wei","contactPhone":"+86 21 5555 0101","email":"li@acme.example"})";
  HttpResult first = HttpRequest(port, "POST", "/v1/customers", body, headers);
  INFO(first.body);
  REQUIRE(first.status == 201);
  HttpResult again = HttpRequest(port, "POST", "/v1/customers", body, headers);
  CHECK(again.status == 201);
  CHECK(again.body == first.body);
  CHECK(again.header("idempotent-replayed") == "true");
  HttpResult other = HttpRequest(port, "POST", "/v1/customers",
                                 R"({"name":"Someone Else","contactPhone":"1"})", headers);
  CHECK(other.status == 409);
  CHECK_THAT(other.body, Catch::Contains("IDEMPOTENCY_KEY_REUSED"));
  // Without a key, the same body is a second customer.
  HttpResult unkeyed = HttpRequest(port, "POST", "/v1/customers", body, Bearer(Token("agent")));
  CHECK(unkeyed.status == 201);
  CHECK(unkeyed.body != first.body);
}

TEST_CASE("one Idempotency-Key sent by many clients at once makes one ticket, Redis down is 503") {
  Platform platform(Env());
  const int port = platform.gateway().http_port;
  INFO("gateway log:\n" << platform.Log("gateway"));
  const auto agent = Bearer(Token("agent"));
  const auto [customer_id, site_id] = CustomerWithSite(port, agent, "Race Ltd", "+86 21 5555 0177");
  const std::string body =
      R"({"customerId":")" + customer_id + R"(","siteId":")" + site_id +
      R"(","kind":"FAULT","channel":"HOTLINE","contactName":"R","contactPhone":"+86 21 5555 0177","symptoms":"gate stuck","impact":"COMMON_DEVICE_DOWN"})";
  auto keyed = agent;
  keyed["Idempotency-Key"] = "race-1";
  constexpr int kClients = 8;
  std::vector<HttpResult> answers(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      answers[static_cast<size_t>(i)] = HttpRequest(port, "POST", "/v1/tickets", body, keyed);
    });
  }
  for (auto& t : clients) t.join();
  std::string created;
  for (const HttpResult& a : answers) {
    INFO(a.status << " " << a.body);
    CHECK(!a.header("x-request-id").empty());
    if (a.status == 201) {
      if (created.empty()) created = a.body;
      CHECK(a.body == created);
    } else {
      CHECK(a.status == 409);
      CHECK_THAT(a.body, Catch::Contains("IDEMPOTENCY_KEY_IN_USE"));
    }
  }
  // A replay right after: the stored answer; still one ticket.
  HttpResult again = HttpRequest(port, "POST", "/v1/tickets", body, keyed);
  CHECK(again.status == 201);
  if (created.empty()) created = again.body;
  CHECK(again.body == created);
  CHECK(again.header("idempotent-replayed") == "true");
  HttpResult list = HttpGet(port, "/v1/tickets?customerId=" + customer_id, agent);
  INFO(list.body);
  REQUIRE(list.status == 200);
  CHECK(list.body.find(JsonString(created, "number")) != std::string::npos);
  size_t tickets = 0;
  for (size_t at = list.body.find("\"symptoms\""); at != std::string::npos;
       at = list.body.find("\"symptoms\"", at + 1)) {
    ++tickets;
  }
  CHECK(tickets == 1);

  // Redis stopped: 503 IDEMPOTENCY_UNAVAILABLE with the request id; back: served.
  platform.redis().Stop();
  auto down = keyed;
  down["Idempotency-Key"] = "while-down";
  down["X-Request-Id"] = "down-1";
  HttpResult refused = HttpRequest(port, "POST", "/v1/tickets", body, down);
  CHECK(refused.status == 503);
  CHECK_THAT(refused.body, Catch::Contains("IDEMPOTENCY_UNAVAILABLE"));
  CHECK(refused.header("x-request-id") == "down-1");
  platform.redis().Start();
  HttpResult after;
  CHECK(Eventually(
      [&] {
        after = HttpRequest(port, "POST", "/v1/tickets", body, down);
        return after.status == 201;
      },
      std::chrono::seconds(20)));
  HttpResult replay = HttpRequest(port, "POST", "/v1/tickets", body, down);
  CHECK(replay.status == 201);
  CHECK(replay.body == after.body);
}

TEST_CASE("POST /v1/product-notices makes one PRODUCT_NOTICE followup per owning customer") {
  Platform platform(Env());
  const int port = platform.gateway().http_port;
  INFO("gateway log:\n" << platform.Log("gateway"));
  const auto agent = Bearer(Token("agent"));
  const std::string model = "BARRIER-PN-" + std::to_string(::getpid());
  // Followup learns who owns what from intake's ticket events: a customer
  // with an asset of the model and a ticket on it.
  const auto [customer_id, site_id] =
      CustomerWithSite(port, agent, "Notice Ltd", "+86 21 5555 0199");
  const std::string serial = "SN-" + model;
  HttpResult asset = HttpRequest(port, "POST", "/v1/assets",
                                 R"({"serialNumber":")" + serial + R"(","model":")" + model +
                                     R"(","category":"CONTROLLER","siteId":")" + site_id +
                                     R"(","acceptedOn":"2026-01-05","warrantyMonths":24})",
                                 agent);
  INFO(asset.body);
  REQUIRE(asset.status == 201);
  HttpResult ticket = HttpRequest(
      port, "POST", "/v1/tickets",
      R"({"customerId":")" + customer_id + R"(","siteId":")" + site_id + R"(","assetSerial":")" +
          serial +
          R"(","kind":"FAULT","channel":"HOTLINE","contactName":"N","contactPhone":"+86 21 5555 0199","symptoms":"gate stuck","impact":"COMMON_DEVICE_DOWN","startedAt":"2026-11-21T07:00:00Z"})",
      agent);
  INFO(ticket.body);
  REQUIRE(ticket.status == 201);

  auto manager = Bearer(Token("manager"));
  const std::string body = R"({"model":")" + model + R"(","change":"WITHDRAWN","detail":"use Y"})";
  // Until followup has read the ticket event, a notice finds no owner and
  // makes nothing; each try has its own key.
  HttpResult notice;
  int key = 0;
  REQUIRE(Eventually([&] {
    manager["Idempotency-Key"] = "notice-" + std::to_string(++key);
    notice = HttpRequest(port, "POST", "/v1/product-notices", body, manager);
    return notice.status != 201 || notice.body.find(customer_id) != std::string::npos;
  }));
  INFO(notice.body);
  REQUIRE(notice.status == 201);
  CHECK_THAT(notice.body, Catch::Contains(R"("kind":"PRODUCT_NOTICE")"));
  // The same key again: the first answer, nothing new.
  HttpResult again = HttpRequest(port, "POST", "/v1/product-notices", body, manager);
  CHECK(again.status == 201);
  CHECK(again.body == notice.body);
  CHECK(again.header("idempotent-replayed") == "true");

  HttpResult list = HttpGet(port, "/v1/followups?kind=PRODUCT_NOTICE&customerId=" + customer_id,
                            Bearer(Token("care")));
  INFO(list.body);
  REQUIRE(list.status == 200);
  size_t tasks = 0;
  for (size_t at = list.body.find("\"kind\":\"PRODUCT_NOTICE\""); at != std::string::npos;
       at = list.body.find("\"kind\":\"PRODUCT_NOTICE\"", at + 1)) {
    ++tasks;
  }
  CHECK(tasks == 1);
  CHECK_THAT(list.body, Catch::Contains(model + " withdrawn: use Y"));
  // Care may read the tasks but not send notices.
  CHECK(HttpRequest(port, "POST", "/v1/product-notices", body, Bearer(Token("care"))).status ==
        403);
}

TEST_CASE("over the burst a client gets 429 with Retry-After") {
  Platform platform(Env({{"AFTERSALES_RATE_LIMIT", "1"}, {"AFTERSALES_RATE_BURST", "5"}}));
  const int port = platform.gateway().http_port;
  const auto agent = Bearer(Token("agent"));
  int limited = 0;
  HttpResult last;
  for (int i = 0; i < 10; ++i) {
    last = HttpGet(port, "/v1/tickets/1", agent);
    if (last.status == 429) {
      ++limited;
      CHECK(last.header("retry-after") == "1");
      CHECK_THAT(last.body, Catch::Contains("RATE_LIMITED"));
    }
  }
  CHECK(limited >= 4);
  // Another client has its own bucket; health probes are never limited.
  CHECK(ServiceAnswered(HttpGet(port, "/v1/tickets/1", Bearer(Token("dispatcher"))).status));
  CHECK(HttpGet(port, "/healthz").status == 200);
}

// kill(SIGSTOP) returns before the process has stopped: wait (bounded) until
// /proc says it is stopped, or a request may still be answered meanwhile.
bool WaitUntilStopped(pid_t pid) {
  for (int i = 0; i < 200; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const size_t paren = line.rfind(')');
    if (paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'T') {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST_CASE("a stopped service answers 503 and a hung one 504 within the deadline") {
  Platform platform(Env({{"AFTERSALES_UPSTREAM_DEADLINE", "500ms"}}));
  const int port = platform.gateway().http_port;
  const auto agent = Bearer(Token("agent"));
  REQUIRE(ServiceAnswered(HttpGet(port, "/v1/tickets/1", agent).status));  // channel connected
  auto& intake = *platform.service("intake").process;
  ::kill(intake.pid(), SIGSTOP);
  REQUIRE(WaitUntilStopped(intake.pid()));
  const auto start = std::chrono::steady_clock::now();
  HttpResult hung = HttpGet(port, "/v1/tickets/1", agent);
  const auto took = std::chrono::steady_clock::now() - start;
  ::kill(intake.pid(), SIGCONT);
  CHECK(hung.status == 504);
  CHECK_THAT(hung.body, Catch::Contains("DEADLINE_EXCEEDED"));
  CHECK(took < std::chrono::seconds(3));

  intake.Stop(SIGKILL);
  HttpResult down = HttpGet(port, "/v1/tickets/1", agent);
  CHECK(down.status == 503);
  CHECK_THAT(down.body, Catch::Contains("\"status\":\"UNAVAILABLE\""));
  // Other services are unaffected.
  CHECK(ServiceAnswered(HttpGet(port, "/v1/workorders/W1", Bearer(Token("dispatcher"))).status));
}

TEST_CASE("the gateway refuses to start without a JWT secret") {
  auto [status, out] = RunToExit(BinDir() + "/gateway", {}, std::chrono::seconds(10));
  INFO(out);
  CHECK(WEXITSTATUS(status) == 2);
  CHECK_THAT(out, Catch::Contains("AFTERSALES_JWT_SECRET"));
  auto [short_status, short_out] = RunToExit(
      BinDir() + "/gateway", {{"AFTERSALES_JWT_SECRET", "short"}}, std::chrono::seconds(10));
  CHECK(WEXITSTATUS(short_status) == 2);
  CHECK_THAT(short_out, !Catch::Contains("short\""));
}

TEST_CASE("/openapi.json is served without a token and is a valid OpenAPI 3 document") {
  Platform platform(Env());
  HttpResult doc = HttpGet(platform.gateway().http_port, "/openapi.json");
  REQUIRE(doc.status == 200);
  CHECK_THAT(doc.header("content-type"), Catch::StartsWith("application/json"));
  const char* source = GATEWAY_SOURCE_ROOT;
  const std::string parser =
      std::string(source) + "/.tools/node_modules/@apidevtools/swagger-parser";
  INFO("needs `npm install --prefix .tools @apidevtools/swagger-parser` (./dev does it)");
  REQUIRE(std::ifstream(parser + "/package.json").good());
  const std::string dir = MakeTempDir("openapi");
  std::ofstream(dir + "/openapi.json") << doc.body;
  const std::string cmd =
      "node -e \"require('" + parser + "').validate('" + dir +
      "/openapi.json').then(a => console.log('VALID ' + Object.keys(a.paths).length))"
      ".catch(e => { console.log('INVALID ' + e.message); process.exit(1); })\" 2>&1";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (fgets(buf, sizeof buf, p)) out += buf;
    const int rc = pclose(p);
    INFO(out);
    CHECK(rc == 0);
  }
  RemoveTree(dir);
  CHECK_THAT(out, Catch::StartsWith("VALID"));
}

}  // namespace
}  // namespace aftersales::testing

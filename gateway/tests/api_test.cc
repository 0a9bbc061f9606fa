// The request pipeline without a network: tokens, roles, transcoding errors,
// confinement of customers and engineers, and the gRPC → HTTP status table.
#include "gateway/api.h"

#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "gateway/openapi.h"
#include "gateway/tests/fake_upstream.h"
#include "services/common/auth/jwt.h"

namespace aftersales::gateway {
namespace {

using std::chrono::seconds;
constexpr char kSecret[] = "unit-test-secret-0123456789";
const TimePoint kNow = TimePoint(seconds(1'795'248'000));

std::string Token(const std::string& role, const std::string& id = "") {
  auth::Claims c;
  c.sub = role + "-1";
  c.role = role;
  c.exp = kNow + seconds(3600);
  if (role == "customer") c.customer_id = id.empty() ? "C1" : id;
  if (role == "engineer") c.engineer_id = id.empty() ? "E1" : id;
  return auth::SignJwt(c, kSecret);
}

struct Fixture {
  ManualClock clock{kNow};
  testing::FakeUpstream upstream;
  Api api{RouteTable::V1(), ApiOptions{kSecret, &clock, nullptr}, &upstream, nullptr, nullptr,
          nullptr};

  HttpResponse Send(const std::string& method, const std::string& target, const std::string& body,
                    const std::string& token, std::map<std::string, std::string> headers = {}) {
    HttpRequest r;
    r.method = method;
    r.target = target;
    REQUIRE(ParseTarget(target, r.path, r.query).ok());
    r.body = body;
    r.remote_address = "127.0.0.1";
    if (!token.empty()) r.headers.Add("Authorization", "Bearer " + token);
    for (auto& [k, v] : headers) r.headers.Add(k, v);
    return api.Handle(r);
  }
};

TEST_CASE("no token, a malformed one, a bad signature or an expired one: 401 with the reason") {
  Fixture f;
  auto reason = [&](const std::string& auth) {
    HttpRequest r;
    r.method = "GET";
    r.path = "/v1/tickets/1";
    if (!auth.empty()) r.headers.Add("Authorization", auth);
    HttpResponse resp = f.api.Handle(r);
    CHECK(resp.status == 401);
    CHECK(resp.headers.Has("WWW-Authenticate"));
    return resp.body;
  };
  CHECK_THAT(reason(""), Catch::Contains("TOKEN_MISSING"));
  CHECK_THAT(reason("Basic dXNlcjpwdw=="), Catch::Contains("TOKEN_MALFORMED"));
  CHECK_THAT(reason("Bearer abc"), Catch::Contains("TOKEN_MALFORMED"));
  auth::Claims c;
  c.sub = "x";
  c.role = "agent";
  c.exp = kNow + seconds(10);
  CHECK_THAT(reason("Bearer " + auth::SignJwt(c, "other-secret-xxxxxxxx")),
             Catch::Contains("TOKEN_SIGNATURE_INVALID"));
  c.exp = kNow;
  CHECK_THAT(reason("Bearer " + auth::SignJwt(c, kSecret)), Catch::Contains("TOKEN_EXPIRED"));
  CHECK(f.upstream.calls == 0);
}

TEST_CASE("a token that verified once still expires on time") {
  Fixture f;
  const std::string token = Token("agent");  // exp = kNow + 1 h
  CHECK(f.Send("GET", "/v1/tickets/1", "", token).status == 501);
  CHECK(f.Send("GET", "/v1/tickets/1", "", token).status == 501);  // from the cache
  f.clock.Advance(std::chrono::hours(1));
  HttpResponse r = f.Send("GET", "/v1/tickets/1", "", token);
  CHECK(r.status == 401);
  CHECK_THAT(r.body, Catch::Contains("TOKEN_EXPIRED"));
  // A different secret's token with the same claims is not a cache hit.
  f.clock.Set(kNow);
  auth::Claims c;
  c.sub = "agent-1";
  c.role = "agent";
  c.exp = kNow + seconds(3600);
  CHECK(f.Send("GET", "/v1/tickets/1", "", auth::SignJwt(c, "another-secret-0123456789")).status ==
        401);
}

TEST_CASE("a role the route does not list gets 403 and the service is never called") {
  Fixture f;
  HttpResponse r = f.Send("POST", "/v1/parts", R"({"sku":"P1","name":"fan"})", Token("agent"));
  CHECK(r.status == 403);
  CHECK_THAT(r.body, Catch::Contains("\"reason\":\"ROLE_NOT_ALLOWED\""));
  CHECK(f.upstream.calls == 0);
  CHECK(f.Send("POST", "/v1/parts", R"({"sku":"P1","name":"fan"})", Token("warehouse")).status ==
        501);
  CHECK(f.Send("POST", "/v1/parts", R"({"sku":"P1","name":"fan"})", Token("admin")).status == 501);
}

TEST_CASE("the body, path and query become the request, identity and request id travel along") {
  Fixture f;
  f.upstream.Answer("CreateTicket",
                    R"({"number":"2611210007","severity":"MAJOR","customerId":"C1"})");
  HttpResponse r = f.Send("POST", "/v1/tickets",
                          R"({"siteId":"S1","kind":"FAULT","channel":"MOBILE_APP",
                              "contact_phone":"+86 10 1234","symptoms":"barrier stuck",
                              "startedAt":"2026-11-21T07:55:00Z","impact":"COMMON_DEVICE_DOWN"})",
                          Token("customer"), {{"X-Request-Id", "req-42"}});
  CHECK(r.status == 201);
  CHECK(r.headers.GetOr("X-Request-Id", "") == "req-42");
  CHECK_THAT(r.body, Catch::Contains(R"("number":"2611210007")"));
  CHECK_THAT(r.body, Catch::Contains(R"("severity":"MAJOR")"));
  CHECK_THAT(f.upstream.last_request, Catch::Contains(R"("customer_id":"C1")"));
  CHECK_THAT(f.upstream.last_request, Catch::Contains(R"("contact_phone":"+86 10 1234")"));
  CHECK_THAT(f.upstream.last_request, Catch::Contains(R"("request_id":"req-42")"));
  CHECK(f.upstream.last_caller.role == "customer");
  CHECK(f.upstream.last_caller.customer_id == "C1");
  CHECK(f.upstream.last_request_id == "req-42");

  f.upstream.Answer("ListTickets", R"({"tickets":[]})");
  r = f.Send("GET", "/v1/tickets?status=OPEN&severity=EMERGENCY&pageSize=5&pageToken=abc", "",
             Token("agent"));
  CHECK(r.status == 200);
  CHECK(r.body == R"({"tickets":[],"nextPageToken":""})");
  CHECK_THAT(f.upstream.last_request, Catch::Contains(R"("status":"OPEN")"));
  CHECK_THAT(f.upstream.last_request, Catch::Contains(R"("page_size":5)"));
  CHECK_THAT(f.upstream.last_request, Catch::Contains(R"("page_token":"abc")"));

  f.upstream.Answer("RespondTicket", R"({"ticket":{"number":"26"}})");
  r = f.Send("POST", "/v1/tickets/26%2001:respond", R"({"note":"called"})", Token("agent"));
  CHECK(r.status == 200);
  CHECK_THAT(f.upstream.last_request, Catch::Contains(R"("ticket_number":"26 01")"));
  // Without X-Request-Id one is made up, answered and sent on.
  CHECK(r.headers.GetOr("X-Request-Id", "").size() == 36);
  CHECK(f.upstream.last_request_id == r.headers.GetOr("X-Request-Id", ""));
}

TEST_CASE("every kind of bad input is a 400 naming the problem, never a call or a 500") {
  Fixture f;
  struct Case {
    std::string method, target, body, expect;
  };
  const std::vector<Case> cases = {
      {"POST", "/v1/customers", R"({"name":"A",)", "MALFORMED_JSON"},
      {"POST", "/v1/customers", R"({"name":"A","colour":"red"})", "colour"},
      {"POST", "/v1/customers", R"({"name":42})", "MALFORMED_JSON"},
      {"POST", "/v1/customers", R"([1,2])", "MALFORMED_JSON"},
      {"POST", "/v1/customers", "{\"name\":\"\xff\xfe\"}", "INVALID_UTF8"},
      {"POST", "/v1/customers", R"({})", "name"},
      {"POST", "/v1/customers", R"({"contactName":"x"})", "MISSING_REQUIRED_FIELD"},
      {"POST", "/v1/engineers", R"({"name":"E","branch":"b","maxConcurrentJobs":1e20})",
       "MALFORMED_JSON"},
      {"POST", "/v1/engineers", R"({"name":"E","branch":"b","maxConcurrentJobs":2147483648})",
       "MALFORMED_JSON"},
      {"POST", "/v1/engineers", R"({"name":"E","branch":"b","maxConcurrentJobs":1.5})",
       "MALFORMED_JSON"},
      {"POST", "/v1/engineers", R"({"name":"E","branch":"b","zones":["MOON"]})", "MALFORMED_JSON"},
      {"POST", "/v1/workorders/W1:complete",
       R"({"fixed":true,"feeLines":[{"amount":{"currencyCode":"CNY","minorUnits":"99999999999999999999"}}]})",
       "MALFORMED_JSON"},
      {"POST", "/v1/workorders/W1:complete", R"({"fixed":[true]})", "MALFORMED_JSON"},
      {"POST", "/v1/tickets", R"({"siteId":"S1","startedAt":"yesterday"})", "MALFORMED_JSON"},
      {"GET", "/v1/tickets?pageSize=-1", "", "pageSize"},
      {"GET", "/v1/tickets?pageSize=abc", "", "INVALID_QUERY_PARAMETER"},
      {"GET", "/v1/tickets?status=LOST", "", "INVALID_QUERY_PARAMETER"},
      {"GET", "/v1/tickets?colour=red", "", "UNKNOWN_QUERY_PARAMETER"},
      {"GET", "/v1/tickets?status=OPEN&status=CLOSED", "", "more than once"},
      {"GET", "/v1/advance-replacements?overdue=maybe", "", "true or false"},
      {"GET", "/v1/reports/service?from=2026-01-01T00:00:00Z", "", "to"},
      {"GET", "/v1/tickets/%zz", "", "MALFORMED_PATH"},
  };
  for (const auto& c : cases) {
    INFO(c.method << " " << c.target << " " << c.body);
    HttpResponse r = f.Send(c.method, c.target, c.body, Token("admin"));
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains(c.expect));
    CHECK_THAT(r.body, Catch::Contains("\"status\":\"INVALID_ARGUMENT\""));
  }
  CHECK(f.upstream.calls == 0);
  HttpResponse xml = f.Send("POST", "/v1/customers", "<a/>", Token("admin"),
                            {{"Content-Type", "application/xml"}});
  CHECK(xml.status == 415);
  // Money as a number or a string; proto field names; an empty body is {}.
  f.upstream.Answer("CompleteWorkOrder", "{}");
  CHECK(
      f.Send(
           "POST", "/v1/workorders/W1:complete",
           R"({"fixed":false,"fee_lines":[{"amount":{"currencyCode":"CNY","minorUnits":12999}}]})",
           Token("admin"))
          .status == 200);
  CHECK_THAT(f.upstream.last_request, Catch::Contains(R"("minor_units":"12999")"));
  f.upstream.Answer("ReturnLoaner", "{}");
  CHECK(f.Send("POST", "/v1/loaners/L1:return", "", Token("admin")).status == 200);
}

TEST_CASE("gRPC statuses map by the google.rpc table with reason and field violations") {
  Fixture f;
  struct Case {
    Status status;
    int http;
  };
  const std::vector<Case> cases = {
      {InvalidArgument("INVALID_FAULT_NUMBER", "bad check digit", {{"number", "check digit"}}),
       400},
      {NotFound("TICKET_NOT_FOUND", "no ticket"), 404},
      {AlreadyExists("CUSTOMER_EXISTS", "dup"), 409},
      {FailedPrecondition("TICKET_CLOSED", "closed"), 400},
      {Aborted("CONFLICT", "lost a race"), 409},
      {Unavailable("UPSTREAM_UNAVAILABLE", "down"), 503},
      {DeadlineExceeded("DEADLINE_EXCEEDED", "slow"), 504},
      {Unimplemented("UNIMPLEMENTED", "not yet"), 501},
      {PermissionDenied("NOT_YOURS", "no"), 403},
  };
  for (const auto& c : cases) {
    INFO(c.status.ToString());
    f.upstream.On("GetTicket", [&](const auto&, auto&) { return c.status; });
    HttpResponse r = f.Send("GET", "/v1/tickets/1", "", Token("agent"));
    CHECK(r.status == c.http);
    CHECK_THAT(r.body, Catch::Contains("\"reason\":\"" + c.status.reason() + "\""));
    CHECK_THAT(r.body, Catch::Contains("\"status\":\"" + std::string(CodeName(c.status.code()))));
  }
  f.upstream.On("GetTicket", [](const auto&, auto&) {
    return InvalidArgument("INVALID_FAULT_NUMBER", "bad", {{"number", "wrong check digit"}});
  });
  CHECK_THAT(f.Send("GET", "/v1/tickets/1", "", Token("agent")).body,
             Catch::Contains(
                 R"("fieldViolations":[{"field":"number","description":"wrong check digit"}])"));
}

TEST_CASE("a customer sees only its own records and someone else's is 404") {
  Fixture f;
  // GET /v1/customers/{id}: the path must be its own id.
  f.upstream.Answer("GetCustomer", R"({"id":"C1"})");
  CHECK(f.Send("GET", "/v1/customers/C1", "", Token("customer")).status == 200);
  CHECK(f.Send("GET", "/v1/customers/C2", "", Token("customer")).status == 404);
  // A ticket answer of another customer is hidden.
  f.upstream.Answer("GetTicket", R"({"number":"7","customerId":"C2"})");
  HttpResponse r = f.Send("GET", "/v1/tickets/7", "", Token("customer"));
  CHECK(r.status == 404);
  CHECK_THAT(r.body, Catch::Contains("TICKET_NOT_FOUND"));
  CHECK(f.Send("GET", "/v1/tickets/7", "", Token("agent")).status == 200);
  // History: the ticket is looked up first.
  f.upstream.Answer("GetTicketHistory", R"({"entries":[]})");
  f.upstream.calls = 0;
  CHECK(f.Send("GET", "/v1/tickets/7/history", "", Token("customer")).status == 404);
  CHECK(f.upstream.last_rpc == "GetTicket");
  CHECK(f.upstream.calls == 1);
  CHECK(f.Send("GET", "/v1/tickets/7/history", "", Token("customer", "C2")).status == 200);
  // Lists: asking for another customer is 404, no filter means its own.
  f.upstream.Answer("ListTickets", R"({"tickets":[]})");
  CHECK(f.Send("GET", "/v1/tickets?customerId=C2", "", Token("customer")).status == 404);
  CHECK(f.Send("GET", "/v1/tickets", "", Token("customer")).status == 200);
  CHECK_THAT(f.upstream.last_request, Catch::Contains(R"("customer_id":"C1")"));
  // Creating a ticket for someone else is 404.
  CHECK(
      f.Send(
           "POST", "/v1/tickets",
           R"({"customerId":"C2","siteId":"S","kind":"FAULT","channel":"WEB","contactPhone":"1","symptoms":"x"})",
           Token("customer"))
          .status == 404);
}

TEST_CASE("an engineer acts on its own work orders only") {
  Fixture f;
  f.upstream.Answer("GetWorkOrder", R"({"id":"W1","engineerId":"E2"})");
  f.upstream.Answer("AcceptWorkOrder", R"({"workOrder":{"id":"W1"}})");
  HttpResponse r = f.Send("POST", "/v1/workorders/W1:accept", "{}", Token("engineer"));
  CHECK(r.status == 404);
  CHECK_THAT(r.body, Catch::Contains("WORK_ORDER_NOT_FOUND"));
  CHECK(f.upstream.last_rpc == "GetWorkOrder");  // the accept never went out
  CHECK(f.Send("POST", "/v1/workorders/W1:accept", "{}", Token("engineer", "E2")).status == 200);
  CHECK(f.upstream.last_rpc == "AcceptWorkOrder");
  CHECK(f.Send("GET", "/v1/workorders/W1", "", Token("engineer")).status == 404);
  CHECK(f.Send("GET", "/v1/workorders/W1", "", Token("engineer", "E2")).status == 200);
  CHECK(f.Send("POST", "/v1/engineers/E2:setStatus", R"({"state":"AVAILABLE"})", Token("engineer"))
            .status == 404);
  f.upstream.Answer("ListWorkOrders", "{}");
  CHECK(f.Send("GET", "/v1/workorders", "", Token("engineer")).status == 200);
  CHECK_THAT(f.upstream.last_request, Catch::Contains(R"("engineer_id":"E1")"));
  CHECK(f.Send("POST", "/v1/workorders/W1:reassign", R"({"engineerId":"E3"})", Token("engineer"))
            .status == 403);
}

TEST_CASE("POST /v1/product-notices: managers notify a model's owners, a create") {
  Fixture f;
  f.upstream.Answer(
      "NotifyProductChange",
      R"({"followups":[{"id":"F1","kind":"PRODUCT_NOTICE","status":"OPEN","customerId":"C1"}]})");
  const std::string body = R"({"model":"BARRIER-X","change":"WITHDRAWN","detail":"use Y"})";
  HttpResponse r = f.Send("POST", "/v1/product-notices", body, Token("manager"),
                          {{"Idempotency-Key", "notice-7"}});
  CHECK(r.status == 201);
  CHECK_THAT(r.body, Catch::Contains(R"("kind":"PRODUCT_NOTICE")"));
  CHECK(f.upstream.last_rpc == "NotifyProductChange");
  CHECK_THAT(f.upstream.last_request, Catch::Contains(R"("model":"BARRIER-X")"));
  CHECK_THAT(f.upstream.last_request, Catch::Contains(R"("change":"WITHDRAWN")"));
  // The notice is named by the caller's Idempotency-Key: a retry finds it.
  CHECK_THAT(f.upstream.last_request, Catch::Contains(R"("request_id":"manager-1:notice-7")"));
  CHECK(f.Send("POST", "/v1/product-notices", body, Token("admin")).status == 201);
  for (const char* role : {"care", "agent", "customer", "engineer", "dispatcher", "warehouse"}) {
    INFO(role);
    CHECK(f.Send("POST", "/v1/product-notices", body, Token(role)).status == 403);
  }
  const int calls = f.upstream.calls;
  HttpResponse missing = f.Send("POST", "/v1/product-notices", "{}", Token("manager"));
  CHECK(missing.status == 400);
  CHECK_THAT(missing.body, Catch::Contains(R"("field":"model")"));
  CHECK_THAT(missing.body, Catch::Contains(R"("field":"change")"));
  CHECK(
      f.Send("POST", "/v1/product-notices", R"({"model":"X","change":"MELTED"})", Token("manager"))
          .status == 400);
  CHECK(f.upstream.calls == calls);
}

// Answers later, from its own thread, as gRPC's callback API does.
class LateUpstream : public testing::FakeUpstream {
 public:
  void CallAsync(const Route& route, const google::protobuf::Message& request, const Caller& caller,
                 const std::string& request_id, Done done) override {
    MessagePtr answer = NewMessage(route.rpc->output_type());
    Status s = Call(route, request, *answer, caller, request_id);
    threads.emplace_back([s, bytes = answer->SerializeAsString(), done = std::move(done)] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      done(s, bytes);
    });
  }
  ~LateUpstream() override {
    for (auto& t : threads) t.join();
  }
  std::vector<std::thread> threads;
};

TEST_CASE("HandleAsync answers from the upstream's thread and blocks only on the pool") {
  ManualClock clock{kNow};
  LateUpstream upstream;
  upstream.Answer("GetTicket", R"({"number":"26","customerId":"C1","status":"OPEN"})");
  int pooled = 0;
  std::vector<std::thread> pool;
  ApiOptions options{kSecret, &clock, [&](std::function<void()> task) {
                       ++pooled;
                       pool.emplace_back(std::move(task));
                     }};
  Api api{RouteTable::V1(), options,
          &upstream,        nullptr,
          nullptr,          [](const HttpRequest&) { return HttpResponse::Text(200, "healthy"); }};
  auto send = [&](const std::string& target, const std::string& token,
                  const std::string& id) -> std::future<HttpResponse> {
    HttpRequest r;
    r.method = "GET";
    r.target = target;
    REQUIRE(ParseTarget(target, r.path, r.query).ok());
    if (!token.empty()) r.headers.Add("Authorization", "Bearer " + token);
    r.headers.Add("X-Request-Id", id);
    auto answer = std::make_shared<std::promise<HttpResponse>>();
    auto future = answer->get_future();
    api.HandleAsync(std::move(r), HttpResponder([answer](HttpResponse resp) {
                      answer->set_value(std::move(resp));
                    }));
    return future;
  };
  // A read by an agent: no pool, the answer comes from the upstream's thread.
  auto agent = send("/v1/tickets/26", Token("agent"), "a-1");
  REQUIRE(agent.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  HttpResponse a = agent.get();
  CHECK(a.status == 200);
  CHECK(a.headers.GetOr("X-Request-Id", "") == "a-1");
  CHECK_THAT(a.body, Catch::Contains(R"("number":"26")"));
  CHECK(pooled == 0);
  // A customer's ticket history needs a probe call first: that runs on the pool.
  upstream.Answer("GetTicketHistory", R"({"entries":[]})");
  auto history = send("/v1/tickets/26/history", Token("customer"), "c-1");
  REQUIRE(history.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(history.get().status == 200);
  CHECK(pooled == 1);
  // A customer reading someone else's ticket: 404 after the answer came back.
  auto foreign = send("/v1/tickets/26", Token("customer", "C2"), "c-2");
  REQUIRE(foreign.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(foreign.get().status == 404);
  // Health and the like may block (readyz): on the pool too.
  auto health = send("/healthz", "", "h-1");
  REQUIRE(health.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  HttpResponse h = health.get();
  CHECK(h.body == "healthy");
  CHECK(h.headers.GetOr("X-Request-Id", "") == "h-1");
  CHECK(pooled == 2);
  for (auto& t : pool) t.join();
}

TEST_CASE("X-Request-Id is echoed when acceptable and replaced when not") {
  Fixture f;
  auto rid = [&](const std::string& sent) {
    return std::string(f.Send("GET", "/v1/tickets/1", "", Token("agent"), {{"X-Request-Id", sent}})
                           .headers.GetOr("X-Request-Id", ""));
  };
  CHECK(rid("abc-123") == "abc-123");
  CHECK(rid("has space") != "has space");
  CHECK(rid(std::string(129, 'a')).size() == 36);
}

TEST_CASE("the OpenAPI document lists every route with its roles and schemas") {
  const std::string doc = OpenApiDocument(RouteTable::V1());
  CHECK_THAT(doc, Catch::StartsWith(R"({"openapi":"3.0.3")"));
  for (const auto& r : RouteTable::V1().routes()) {
    INFO(r.path);
    CHECK_THAT(doc, Catch::Contains("\"" + r.path + "\":{"));
    CHECK_THAT(doc, Catch::Contains("\"operationId\":\"" + r.rpc->name() + "\""));
    CHECK_THAT(doc, Catch::Contains("\"aftersales." + r.upstream + ".v1." +
                                    r.rpc->output_type()->name() + "\":{"));
  }
  CHECK_THAT(doc, Catch::Contains(
                      R"("severity":{"type":"string","enum":["SEVERITY_UNSPECIFIED","EMERGENCY")"));
  CHECK_THAT(doc, Catch::Contains(R"("x-roles":["warehouse","admin"])"));
}

}  // namespace
}  // namespace aftersales::gateway

// The server over real loopback sockets, driven by a raw client that can
// misbehave on purpose.
#include "services/common/http/http_server.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "services/common/http/http_router.h"
#include "services/common/http/tests/test_client.h"
#include "services/common/runtime/uuid.h"

namespace aftersales {
namespace {

using std::chrono::milliseconds;
using testing::Get;
using testing::Post;
using testing::RawResponse;
using testing::TestClient;
using SteadyClock = std::chrono::steady_clock;

// A latch a handler waits on, with a bound so that a failing test never hangs.
class Gate {
 public:
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool Wait(milliseconds bound = milliseconds(5000)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, bound, [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

HttpResponse Echo(const HttpRequest& r) {
  std::string body = r.method + " " + r.path;
  for (const auto& [k, v] : r.query) body += " " + k + "=" + v;
  body += " tag=" + std::string(r.headers.GetOr("x-tag", "-"));
  body += " body=" + r.body;
  body += " from=" + r.remote_address + ":" + std::to_string(r.remote_port);
  return HttpResponse::Text(200, body);
}

struct Server {
  explicit Server(HttpServerOptions options, HttpHandler handler = Echo)
      : server(std::move(options), std::move(handler)) {
    Started();
  }
  Server(HttpServerOptions options, AsyncHttpHandler handler)
      : server(std::move(options), std::move(handler)) {
    Started();
  }
  void Started() {
    const Status s = server.Start();
    INFO(s.ToString());
    REQUIRE(s.ok());
    REQUIRE(server.port() > 0);
  }
  int port() const { return server.port(); }
  HttpServer server;
};

TEST_CASE("GET round trip with query, headers and remote address", "[http_server]") {
  Server s({});
  TestClient c(s.port());
  REQUIRE(c.connected());
  const auto r = c.RoundTrip(Get("/v1/things?b=x%20y&a=1&a=2&plus=1+2", "X-Tag: t1\r\n"));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->Header("content-type") == "text/plain; charset=utf-8");
  CHECK(r->body.rfind("GET /v1/things a=1 a=2 b=x y plus=1 2 tag=t1 body= from=127.0.0.1:", 0) ==
        0);
}

TEST_CASE("Keep-alive serves several requests on one connection", "[http_server]") {
  Server s({});
  TestClient c(s.port());
  const auto r1 = c.RoundTrip(Get("/one"));
  const auto r2 = c.RoundTrip(Post("/two", "payload"));
  REQUIRE(r1);
  REQUIRE(r2);
  CHECK(r1->body.rfind("GET /one", 0) == 0);
  CHECK(r2->body.rfind("POST /two tag=- body=payload", 0) == 0);
  // Same client port: the same TCP connection carried both.
  CHECK(r1->body.substr(r1->body.rfind(':')) == r2->body.substr(r2->body.rfind(':')));
  CHECK(r1->Header("connection") != "close");
  CHECK(s.server.connection_count() == 1);

  // Two pipelined requests in one write are both answered, in order.
  REQUIRE(c.Send(Get("/p1") + Get("/p2")));
  const auto p1 = c.ReadResponse();
  const auto p2 = c.ReadResponse();
  REQUIRE(p1);
  REQUIRE(p2);
  CHECK(p1->body.rfind("GET /p1", 0) == 0);
  CHECK(p2->body.rfind("GET /p2", 0) == 0);

  // Connection: close is honoured.
  const auto last = c.RoundTrip(Get("/three", "Connection: close\r\n"));
  REQUIRE(last);
  CHECK(last->Header("connection") == "close");
  CHECK(c.WaitForClose());
}

TEST_CASE("A body over the limit gets 413 with the JSON error shape", "[http_server]") {
  Server s({.body_limit = 1024});
  {
    TestClient c(s.port());
    const auto ok = c.RoundTrip(Post("/small", std::string(1024, 'a')));
    REQUIRE(ok);
    CHECK(ok->status == 200);
  }
  {
    TestClient c(s.port());
    const auto r = c.RoundTrip(Post("/big", std::string(4096, 'a')));
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(r->Header("content-type") == "application/json");
    CHECK(r->body.find(R"({"error":{"code":413,"status":"INVALID_ARGUMENT",)") == 0);
    CHECK(r->body.find(R"("reason":"PAYLOAD_TOO_LARGE")") != std::string::npos);
    CHECK(c.WaitForClose());
  }
  {
    // Chunked: the size is only known while reading.
    TestClient c(s.port());
    const std::string chunk(800, 'b');
    const auto r = c.RoundTrip(
        "POST /chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n" + chunk +
        "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
    REQUIRE(r);
    CHECK(r->status == 413);
  }
}

TEST_CASE("An oversized header block gets 431", "[http_server]") {
  Server s({.header_limit = 1024});
  TestClient c(s.port());
  const auto r = c.RoundTrip(Get("/", "X-Big: " + std::string(2048, 'h') + "\r\n"));
  REQUIRE(r);
  CHECK(r->status == 431);
  CHECK(r->body.find(R"("reason":"HEADERS_TOO_LARGE")") != std::string::npos);
  CHECK(c.WaitForClose());
}

TEST_CASE("A malformed request gets 400 and the server carries on", "[http_server]") {
  Server s({});
  for (const std::string garbage :
       {"HELLO THERE\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n"}) {
    INFO(garbage);
    TestClient c(s.port());
    const auto r = c.RoundTrip(garbage);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(r->body.find(R"("reason":"MALFORMED_REQUEST")") != std::string::npos);
    CHECK(c.WaitForClose());
  }
  TestClient c(s.port());
  const auto bad_query = c.RoundTrip(Get("/x?a=%zz"));
  REQUIRE(bad_query);
  CHECK(bad_query->status == 400);
  CHECK(bad_query->body.find(R"("reason":"MALFORMED_QUERY")") != std::string::npos);
  // A well-framed request with a bad query does not cost the connection.
  const auto after = c.RoundTrip(Get("/ok"));
  REQUIRE(after);
  CHECK(after->status == 200);
}

TEST_CASE("A slow client is cut off after read_timeout", "[http_server]") {
  Server s({.read_timeout = milliseconds(200)});
  TestClient c(s.port());
  const auto start = SteadyClock::now();
  REQUIRE(c.Send("GET / HTTP/1.1\r\nHost: slow\r\n"));  // never finishes the header
  CHECK(c.WaitForClose());
  const auto took = SteadyClock::now() - start;
  CHECK(took >= milliseconds(150));
  CHECK(took < milliseconds(3000));

  // Trickling bytes does not extend the deadline either.
  TestClient t(s.port());
  const auto t0 = SteadyClock::now();
  bool cut = false;
  for (int i = 0; i < 40 && !cut; ++i) {
    cut = !t.Send("X");
    std::this_thread::sleep_for(milliseconds(25));
  }
  CHECK((cut || t.WaitForClose()));
  CHECK(SteadyClock::now() - t0 < milliseconds(3000));
}

TEST_CASE("An idle keep-alive connection closes after idle_timeout", "[http_server]") {
  Server s({.read_timeout = milliseconds(100), .idle_timeout = milliseconds(400)});
  TestClient c(s.port());
  std::this_thread::sleep_for(milliseconds(50));
  REQUIRE(c.RoundTrip(Get("/a")));
  // Longer than read_timeout between requests is fine: idle_timeout applies.
  std::this_thread::sleep_for(milliseconds(200));
  const auto second = c.RoundTrip(Get("/b"));
  REQUIRE(second);
  CHECK(second->status == 200);
  const auto start = SteadyClock::now();
  CHECK(c.WaitForClose());
  CHECK(SteadyClock::now() - start >= milliseconds(300));
}

TEST_CASE("A throwing handler answers 500 and the server survives", "[http_server]") {
  Server s({}, [](const HttpRequest& r) -> HttpResponse {
    if (r.path == "/throw") throw std::runtime_error("secret detail");
    if (r.path == "/throw-int") throw 42;
    return HttpResponse::Text(200, "fine");
  });
  TestClient c(s.port());
  for (const char* path : {"/throw", "/throw-int"}) {
    const auto r = c.RoundTrip(Get(path));
    REQUIRE(r);
    CHECK(r->status == 500);
    CHECK(
        r->body ==
        R"({"error":{"code":500,"status":"INTERNAL","message":"the server failed to handle the request","reason":"INTERNAL_ERROR"}})");
  }
  const auto ok = c.RoundTrip(Get("/fine"));
  REQUIRE(ok);
  CHECK(ok->body == "fine");
}

TEST_CASE("Handlers run off the I/O thread: a blocked one does not stall others", "[http_server]") {
  Gate release;
  Gate entered;
  Server s({.io_threads = 1, .worker_threads = 2}, [&](const HttpRequest& r) {
    if (r.path == "/block") {
      entered.Open();
      release.Wait();
    }
    return HttpResponse::Text(200, r.path);
  });
  TestClient blocked(s.port());
  REQUIRE(blocked.Send(Get("/block")));
  REQUIRE(entered.Wait());
  TestClient other(s.port());
  const auto r = other.RoundTrip(Get("/fast"));
  release.Open();
  REQUIRE(r);
  CHECK(r->body == "/fast");
  const auto b = blocked.ReadResponse();
  REQUIRE(b);
  CHECK(b->body == "/block");
}

TEST_CASE("Graceful shutdown finishes the request in flight and closes idle ones",
          "[http_server]") {
  Gate entered;
  auto server = std::make_unique<HttpServer>(HttpServerOptions{}, [&](const HttpRequest& r) {
    if (r.path == "/slow") {
      entered.Open();
      std::this_thread::sleep_for(milliseconds(300));
    }
    return HttpResponse::Text(200, "done " + r.path);
  });
  REQUIRE(server->Start().ok());
  const int port = server->port();

  TestClient idle(port);
  REQUIRE(idle.RoundTrip(Get("/warm")));
  TestClient busy(port);
  REQUIRE(busy.Send(Get("/slow")));
  REQUIRE(entered.Wait());

  const auto start = SteadyClock::now();
  auto shutdown = std::async(std::launch::async, [&] { server->Shutdown(milliseconds(5000)); });

  const auto r = busy.ReadResponse();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "done /slow");
  CHECK(r->Header("connection") == "close");
  CHECK(busy.WaitForClose());
  CHECK(idle.WaitForClose());
  REQUIRE(shutdown.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  const auto took = SteadyClock::now() - start;
  CHECK(took < milliseconds(3000));  // did not sit out the grace period

  // No longer accepting.
  TestClient late(port);
  CHECK((!late.connected() || late.WaitForClose()));
  server.reset();
}

TEST_CASE("Shutdown returns after the grace period even if a handler is stuck", "[http_server]") {
  Gate entered;
  Gate release;
  auto server = std::make_unique<HttpServer>(HttpServerOptions{}, [&](const HttpRequest&) {
    entered.Open();
    release.Wait();
    return HttpResponse::Text(200, "late");
  });
  REQUIRE(server->Start().ok());
  TestClient c(server->port());
  REQUIRE(c.Send(Get("/stuck")));
  REQUIRE(entered.Wait());
  const auto start = SteadyClock::now();
  server->Shutdown(milliseconds(200));
  const auto took = SteadyClock::now() - start;
  CHECK(took >= milliseconds(150));
  CHECK(took < milliseconds(1500));
  CHECK(c.WaitForClose());  // cut without an answer
  release.Open();
  server.reset();  // waits for the handler, then frees everything
}

TEST_CASE("Expect: 100-continue gets the interim answer before the body", "[http_server]") {
  Server s({.body_limit = 16});
  TestClient c(s.port());
  REQUIRE(
      c.Send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
             "Expect: 100-continue\r\n\r\n"));
  const auto interim = c.ReadResponse(/*skip_interim=*/false);
  REQUIRE(interim);
  CHECK(interim->status == 100);
  REQUIRE(c.Send("hello"));
  const auto r = c.ReadResponse();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body.rfind("POST /upload tag=- body=hello", 0) == 0);

  // Over the limit: refused straight away, no 100 and no waiting for the body.
  TestClient big(s.port());
  REQUIRE(
      big.Send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n"
               "Expect: 100-continue\r\n\r\n"));
  const auto refused = big.ReadResponse(/*skip_interim=*/false);
  REQUIRE(refused);
  CHECK(refused->status == 413);
}

TEST_CASE("HEAD answers the GET's Content-Length without a body", "[http_server]") {
  HttpRouter router;
  router.Get("/doc", [](const HttpRequest&) { return HttpResponse::Text(200, "twelve chars"); });
  Server s({}, router.AsHandler());
  TestClient c(s.port());
  c.set_head_request(true);
  const auto head = c.RoundTrip("HEAD /doc HTTP/1.1\r\nHost: t\r\n\r\n");
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->Header("content-length") == "12");
  c.set_head_request(false);
  // Had body bytes followed the HEAD answer, this would read garbage.
  const auto get = c.RoundTrip(Get("/doc"));
  REQUIRE(get);
  CHECK(get->status == 200);
  CHECK(get->body == "twelve chars");
}

TEST_CASE("Handler headers are sanitised and framing stays the server's", "[http_server]") {
  Server s({}, [](const HttpRequest&) {
    HttpResponse r = HttpResponse::Json(201, "{}");
    r.headers.Add("X-Ok", "yes");
    r.headers.Add("X-Split", "a\r\nSet-Cookie: evil=1");
    r.headers.Add("Bad Name", "v");
    r.headers.Add("Content-Length", "999");
    return r;
  });
  TestClient c(s.port());
  const auto r = c.RoundTrip(Get("/"));
  REQUIRE(r);
  CHECK(r->status == 201);
  CHECK(r->Header("x-ok") == "yes");
  CHECK(r->Header("x-split").empty());
  CHECK(r->Header("set-cookie").empty());
  CHECK(r->Header("content-length") == "2");
  CHECK(r->body == "{}");
}

TEST_CASE("The server's own error answers carry X-Request-Id and the http-api error body",
          "[http_server]") {
  Server s({.header_limit = 1024, .body_limit = 64}, [](const HttpRequest& r) -> HttpResponse {
    if (r.path == "/throw") throw std::runtime_error("boom");
    return HttpResponse::Text(200, "fine");
  });
  const auto check_error = [](const RawResponse& r, int status, const std::string& reason) {
    CHECK(r.status == status);
    CHECK(r.Header("content-type") == "application/json");
    CHECK(r.body.rfind(R"({"error":{"code":)" + std::to_string(status) + R"(,"status":")", 0) == 0);
    CHECK(r.body.find(R"("reason":")" + reason + "\"") != std::string::npos);
    CHECK(r.body.find(R"("message":")") != std::string::npos);
  };
  {
    // A body too large: the header was read, so the client's id comes back.
    TestClient c(s.port());
    const auto r = c.RoundTrip(Post("/big", std::string(100, 'a'), "X-Request-Id: big-1\r\n"));
    REQUIRE(r);
    check_error(*r, 413, "PAYLOAD_TOO_LARGE");
    CHECK(r->Header("x-request-id") == "big-1");
  }
  {
    // Headers too large before the id came: a fresh one.
    TestClient c(s.port());
    const auto r =
        c.RoundTrip(Get("/", "X-Big: " + std::string(2048, 'h') + "\r\nX-Request-Id: mine\r\n"));
    REQUIRE(r);
    check_error(*r, 431, "HEADERS_TOO_LARGE");
    CHECK(IsUuid(r->Header("x-request-id")));
  }
  {
    TestClient c(s.port());
    const auto r = c.RoundTrip("HELLO THERE\r\n\r\n");
    REQUIRE(r);
    check_error(*r, 400, "MALFORMED_REQUEST");
    CHECK(IsUuid(r->Header("x-request-id")));
  }
  TestClient c(s.port());
  const auto bad_query = c.RoundTrip(Get("/x?a=%zz", "X-Request-Id: q-1\r\n"));
  REQUIRE(bad_query);
  check_error(*bad_query, 400, "MALFORMED_QUERY");
  CHECK(bad_query->Header("x-request-id") == "q-1");
  const auto thrown = c.RoundTrip(Get("/throw", "X-Request-Id: t-1\r\n"));
  REQUIRE(thrown);
  check_error(*thrown, 500, "INTERNAL_ERROR");
  CHECK(thrown->Header("x-request-id") == "t-1");
  // An unacceptable id (a space in it) is replaced, and a handler's answer
  // gets one too.
  const auto fine = c.RoundTrip(Get("/fine", "X-Request-Id: has space\r\n"));
  REQUIRE(fine);
  CHECK(fine->status == 200);
  CHECK(IsUuid(fine->Header("x-request-id")));
}

TEST_CASE("A handler's own X-Request-Id is kept", "[http_server]") {
  Server s({}, [](const HttpRequest&) {
    HttpResponse r = HttpResponse::Text(200, "ok");
    r.headers.Set("X-Request-Id", "from-handler");
    return r;
  });
  TestClient c(s.port());
  const auto r = c.RoundTrip(Get("/", "X-Request-Id: from-client\r\n"));
  REQUIRE(r);
  CHECK(r->Header("x-request-id") == "from-handler");
}

// An asynchronous handler that parks its responders until the test releases
// them from another thread, as a gRPC completion would.
struct Parked {
  std::mutex mu;
  std::vector<std::pair<std::string, HttpResponder>> waiting;
  Gate arrived;
  size_t expected = 1;

  AsyncHttpHandler Handler() {
    return [this](HttpRequest r, HttpResponder respond) {
      if (r.path == "/now") return respond(HttpResponse::Text(200, "now"));
      if (r.path == "/drop") return;  // the responder dies unanswered
      if (r.path == "/throw") throw std::runtime_error("boom");
      std::lock_guard<std::mutex> lock(mu);
      waiting.emplace_back(r.path, std::move(respond));
      if (waiting.size() >= expected) arrived.Open();
    };
  }
  void ReleaseAll() {
    std::vector<std::pair<std::string, HttpResponder>> all;
    {
      std::lock_guard<std::mutex> lock(mu);
      all.swap(waiting);
    }
    std::thread([all = std::move(all)] {
      for (const auto& [path, respond] : all) {
        respond(HttpResponse::Text(200, "late " + path));
        respond(HttpResponse::Text(500, "a second answer is ignored"));
      }
    }).join();
  }
};

TEST_CASE("An async handler answers from another thread and never holds the I/O thread",
          "[http_server]") {
  Parked parked;
  parked.expected = 3;
  // One I/O thread and no workers: three requests in flight at once only
  // work if none of them holds a thread while it waits.
  Server s({.io_threads = 1}, parked.Handler());
  TestClient a(s.port());
  TestClient b(s.port());
  TestClient c(s.port());
  REQUIRE(a.Send(Get("/a")));
  REQUIRE(b.Send(Get("/b")));
  REQUIRE(c.Send(Get("/c", "X-Request-Id: c-1\r\n")));
  REQUIRE(parked.arrived.Wait());
  TestClient quick(s.port());
  const auto now = quick.RoundTrip(Get("/now"));
  REQUIRE(now);
  CHECK(now->body == "now");
  parked.ReleaseAll();
  const auto ra = a.ReadResponse();
  const auto rc = c.ReadResponse();
  REQUIRE(ra);
  REQUIRE(rc);
  CHECK(ra->body == "late /a");
  CHECK(rc->body == "late /c");
  CHECK(rc->Header("x-request-id") == "c-1");
  const auto rb = b.ReadResponse();
  REQUIRE(rb);
  CHECK(rb->body == "late /b");
  // Keep-alive goes on after an asynchronous answer.
  const auto again = a.RoundTrip(Get("/now"));
  REQUIRE(again);
  CHECK(again->body == "now");

  // A dropped responder or a throwing handler is a 500, not a hung connection.
  for (const char* path : {"/drop", "/throw"}) {
    const auto r = b.RoundTrip(Get(path));
    REQUIRE(r);
    CHECK(r->status == 500);
    CHECK(r->body.find(R"("reason":"INTERNAL_ERROR")") != std::string::npos);
  }
}

TEST_CASE("Graceful shutdown waits for an async request in flight", "[http_server]") {
  Parked parked;
  auto server = std::make_unique<HttpServer>(HttpServerOptions{}, parked.Handler());
  REQUIRE(server->Start().ok());
  TestClient c(server->port());
  REQUIRE(c.Send(Get("/slow")));
  REQUIRE(parked.arrived.Wait());
  auto shutdown = std::async(std::launch::async, [&] { server->Shutdown(milliseconds(5000)); });
  std::this_thread::sleep_for(milliseconds(100));
  CHECK(shutdown.wait_for(milliseconds(0)) == std::future_status::timeout);
  parked.ReleaseAll();
  const auto r = c.ReadResponse();
  REQUIRE(r);
  CHECK(r->body == "late /slow");
  CHECK(r->Header("connection") == "close");
  REQUIRE(shutdown.wait_for(std::chrono::seconds(5)) == std::future_status::ready);

  // Past the grace period the connection is cut; a responder called later
  // is harmless and the destructor waits for it.
  Parked stuck_handler;
  auto second = std::make_unique<HttpServer>(HttpServerOptions{}, stuck_handler.Handler());
  REQUIRE(second->Start().ok());
  TestClient stuck(second->port());
  REQUIRE(stuck.Send(Get("/stuck")));
  REQUIRE(stuck_handler.arrived.Wait());
  second->Shutdown(milliseconds(100));
  CHECK(stuck.WaitForClose());
  auto late = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(milliseconds(100));
    stuck_handler.ReleaseAll();
  });
  second.reset();
  late.get();
}

TEST_CASE("Start reports bad options and busy ports", "[http_server]") {
  Server first({});
  HttpServer clash({.port = first.port()}, Echo);
  const Status busy = clash.Start();
  CHECK(busy.code() == Code::kUnavailable);
  CHECK(busy.reason() == "BIND_FAILED");

  HttpServer bad_address({.address = "not-an-ip"}, Echo);
  CHECK(bad_address.Start().code() == Code::kInvalidArgument);

  HttpServer bad_threads({.worker_threads = 0}, Echo);
  const Status threads = bad_threads.Start();
  CHECK(threads.code() == Code::kInvalidArgument);
  REQUIRE(threads.field_violations().size() == 1);
  CHECK(threads.field_violations()[0].field == "worker_threads");

  HttpServer twice({}, Echo);
  REQUIRE(twice.Start().ok());
  CHECK(twice.Start().code() == Code::kFailedPrecondition);
}

}  // namespace
}  // namespace aftersales

// Idempotency and rate limiting against a real redis-server, through the
// request pipeline with a fake upstream (the real services may not serve a
// create yet, and only 2xx answers are kept).
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "gateway/api.h"
#include "gateway/tests/fake_upstream.h"
#include "services/common/auth/jwt.h"
#include "services/common/redis/pool.h"
#include "tests/support/redis_server.h"

namespace aftersales::gateway {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
constexpr char kSecret[] = "integration-secret-0123456789";

std::string Token(const std::string& sub) {
  auth::Claims c;
  c.sub = sub;
  c.role = "agent";
  c.exp = std::chrono::system_clock::now() + seconds(3600);
  return auth::SignJwt(c, kSecret);
}

// A POST by `sub`, with an Idempotency-Key when `key` is not empty.
HttpRequest Post(const std::string& path, const std::string& body, const std::string& sub,
                 const std::string& key) {
  HttpRequest r;
  r.method = "POST";
  r.path = path;
  r.body = body;
  r.remote_address = "127.0.0.1";
  r.headers.Add("Authorization", "Bearer " + Token(sub));
  if (!key.empty()) r.headers.Add("Idempotency-Key", key);
  return r;
}

// A CreateCustomer handler that makes customer C<n> for the n-th call.
testing::FakeUpstream::Handler Numbered(std::atomic<int>& created,
                                        milliseconds takes = milliseconds(0)) {
  return [&created, takes](const google::protobuf::Message&, google::protobuf::Message& out) {
    std::this_thread::sleep_for(takes);
    const int n = ++created;
    return google::protobuf::util::JsonStringToMessage(
               R"({"id":"C)" + std::to_string(n) + R"(","name":"Acme"})", &out)
                   .ok()
               ? Status::Ok()
               : Internal("X", "x");
  };
}

struct Fixture {
  aftersales::testing::RedisServer redis{false};
  redis::RedisPoolPtr pool;
  testing::FakeUpstream upstream;
  std::unique_ptr<RateLimiter> limiter;
  std::unique_ptr<IdempotencyStore> idempotency;
  std::unique_ptr<Api> api;

  explicit Fixture(double rate = 1000, int burst = 1000) {
    redis::RedisOptions o;
    o.host = "127.0.0.1";
    o.port = redis.port();
    auto p = redis::RedisPool::Create(o);
    REQUIRE(p.ok());
    pool = std::move(*p);
    limiter = std::make_unique<RateLimiter>(pool.get(), rate, burst);
    idempotency =
        std::make_unique<IdempotencyStore>(pool.get(), std::chrono::hours(24), seconds(15));
    api = std::make_unique<Api>(RouteTable::V1(), ApiOptions{kSecret, nullptr, nullptr}, &upstream,
                                limiter.get(), idempotency.get(), nullptr);
  }

  HttpResponse Post(const std::string& path, const std::string& body, const std::string& sub,
                    const std::string& key) {
    return api->Handle(gateway::Post(path, body, sub, key));
  }
};

TEST_CASE("same Idempotency-Key and body: the first answer again, nothing created twice") {
  Fixture f;
  int created = 0;
  f.upstream.On("CreateCustomer", [&](const auto&, google::protobuf::Message& out) {
    ++created;
    return google::protobuf::util::JsonStringToMessage(
               R"({"id":"C)" + std::to_string(created) + R"(","name":"Acme"})", &out)
                   .ok()
               ? Status::Ok()
               : Internal("X", "x");
  });
  HttpResponse first = f.Post("/v1/customers", R"({"name":"Acme"})", "alice", "k-1");
  REQUIRE(first.status == 201);
  HttpResponse again = f.Post("/v1/customers", R"({"name":"Acme"})", "alice", "k-1");
  CHECK(again.status == 201);
  CHECK(again.body == first.body);
  CHECK(again.headers.GetOr("Idempotent-Replayed", "") == "true");
  CHECK(created == 1);
  CHECK_THAT(f.upstream.last_request, Catch::Contains(R"("request_id":"alice:k-1")"));

  // Another body under the same key: 409, still nothing created.
  HttpResponse other = f.Post("/v1/customers", R"({"name":"Other"})", "alice", "k-1");
  CHECK(other.status == 409);
  CHECK_THAT(other.body, Catch::Contains("IDEMPOTENCY_KEY_REUSED"));
  CHECK(created == 1);
  // Keys are per caller: bob's k-1 is a different key.
  CHECK(f.Post("/v1/customers", R"({"name":"Acme"})", "bob", "k-1").status == 201);
  CHECK(created == 2);
  // Without a key every request is its own.
  CHECK(f.Post("/v1/customers", R"({"name":"Acme"})", "alice", "").status == 201);
  CHECK(created == 3);
  // The window is 24 h.
  auto ttl = f.pool->Command({"PTTL", IdempotencyStore::KeyFor("alice", "k-1")});
  REQUIRE(ttl.ok());
  CHECK(ttl->integer().value_or(0) > 23 * 3600 * 1000);
}

TEST_CASE("an error answer is not kept: the same key may be retried after a failure") {
  Fixture f;
  bool up = false;
  f.upstream.On("CreateCustomer", [&](const auto&, google::protobuf::Message& out) {
    if (!up) return Unavailable("DOWN", "intake is down");
    return google::protobuf::util::JsonStringToMessage(R"({"id":"C9"})", &out).ok()
               ? Status::Ok()
               : Internal("X", "x");
  });
  CHECK(f.Post("/v1/customers", R"({"name":"A"})", "alice", "retry-1").status == 503);
  up = true;
  HttpResponse r = f.Post("/v1/customers", R"({"name":"A"})", "alice", "retry-1");
  CHECK(r.status == 201);
  CHECK_THAT(r.body, Catch::Contains("C9"));
}

TEST_CASE("Redis down: a create with an Idempotency-Key is 503, not a duplicate") {
  Fixture f;
  f.upstream.Answer("CreateCustomer", R"({"id":"C1"})");
  f.redis.Stop();
  HttpResponse r = f.Post("/v1/customers", R"({"name":"A"})", "alice", "k");
  CHECK(r.status == 503);
  CHECK(f.upstream.calls == 0);
}

TEST_CASE("concurrent requests with one Idempotency-Key create exactly one record") {
  Fixture f;
  std::atomic<int> created{0};
  // Long enough for the others to arrive while it runs.
  f.upstream.On("CreateCustomer", Numbered(created, milliseconds(200)));
  constexpr int kClients = 8;
  std::vector<HttpResponse> answers(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      answers[static_cast<size_t>(i)] =
          f.Post("/v1/customers", R"({"name":"Acme"})", "alice", "race");
    });
  }
  for (auto& t : clients) t.join();
  int ok = 0, in_use = 0;
  std::string body;
  for (const HttpResponse& a : answers) {
    INFO(a.status << " " << a.body);
    CHECK(!a.headers.GetOr("X-Request-Id", "").empty());
    if (a.status == 201) {
      ++ok;
      if (body.empty()) body = a.body;
      CHECK(a.body == body);
    } else {
      CHECK(a.status == 409);
      CHECK_THAT(a.body, Catch::Contains("IDEMPOTENCY_KEY_IN_USE"));
      ++in_use;
    }
  }
  CHECK(created == 1);
  CHECK(ok >= 1);
  CHECK(ok + in_use == kClients);
  // Once the first is done, the key answers with its answer.
  HttpResponse later = f.Post("/v1/customers", R"({"name":"Acme"})", "alice", "race");
  CHECK(later.status == 201);
  CHECK(later.body == body);
  CHECK(created == 1);
}

TEST_CASE("a replay sent right after the 201 gets the stored answer, from many clients at once") {
  Fixture f;
  // A second replica: its own store (connection, thread) on the same Redis.
  IdempotencyStore other_store(f.pool.get(), std::chrono::hours(24), seconds(15));
  Api replica(RouteTable::V1(), ApiOptions{kSecret, nullptr, nullptr}, &f.upstream, nullptr,
              &other_store, nullptr);
  std::atomic<int> created{0};
  f.upstream.On("CreateCustomer", Numbered(created));
  constexpr int kClients = 8;
  constexpr int kEach = 25;
  std::atomic<int> wrong{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      for (int n = 0; n < kEach; ++n) {
        std::string key = "k-";
        key += std::to_string(i);
        key += '-';
        key += std::to_string(n);
        const HttpResponse first = f.Post("/v1/customers", R"({"name":"Acme"})", "alice", key);
        // Every other replay through the other replica: the answer was stored
        // before the 201 went out, not merely queued behind it.
        HttpResponse again;
        if (n % 2 == 0) {
          again = f.Post("/v1/customers", R"({"name":"Acme"})", "alice", key);
        } else {
          again = replica.Handle(Post("/v1/customers", R"({"name":"Acme"})", "alice", key));
        }
        if (first.status != 201 || again.status != 201 || again.body != first.body ||
            again.headers.GetOr("Idempotent-Replayed", "") != "true") {
          ++wrong;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  CHECK(wrong == 0);
  CHECK(created == kClients * kEach);
}

TEST_CASE("a create with an Idempotency-Key takes no worker from the blocking pool") {
  Fixture f;
  f.upstream.Answer("CreateCustomer", R"({"id":"C1"})");
  std::atomic<int> pooled{0};
  ApiOptions options{kSecret, nullptr, [&](std::function<void()> task) {
                       ++pooled;
                       task();
                     }};
  // No rate limiter: that one is a blocking Redis call on the pool.
  Api api(RouteTable::V1(), options, &f.upstream, nullptr, f.idempotency.get(), nullptr);
  const HttpRequest r = Post("/v1/customers", R"({"name":"A"})", "alice", "no-pool");
  const HttpResponse first = api.Handle(r);
  CHECK(first.status == 201);
  const HttpResponse again = api.Handle(r);
  CHECK(again.status == 201);
  CHECK(again.headers.GetOr("Idempotent-Replayed", "") == "true");
  CHECK(pooled == 0);
}

TEST_CASE("Redis restarted mid-run: 503 IDEMPOTENCY_UNAVAILABLE while down, then served again") {
  aftersales::testing::RedisServer redis{false};
  redis::RedisOptions o;
  o.port = redis.port();
  o.connect_timeout = milliseconds(200);
  auto pool = redis::RedisPool::Create(o);
  REQUIRE(pool.ok());
  testing::FakeUpstream upstream;
  upstream.Answer("CreateCustomer", R"({"id":"C1"})");
  IdempotencyStore idempotency(pool->get(), std::chrono::hours(24), seconds(15));
  Api api(RouteTable::V1(), ApiOptions{kSecret, nullptr, nullptr}, &upstream, nullptr, &idempotency,
          nullptr);
  auto post = [&](const std::string& key) {
    HttpRequest r = Post("/v1/customers", R"({"name":"A"})", "alice", key);
    r.headers.Add("X-Request-Id", "rid-" + key);
    return api.Handle(r);
  };
  REQUIRE(post("before").status == 201);
  redis.Stop();
  for (int i = 0; i < 3; ++i) {
    const HttpResponse r = post("down-" + std::to_string(i));
    CHECK(r.status == 503);
    CHECK_THAT(r.body, Catch::Contains("IDEMPOTENCY_UNAVAILABLE"));
    CHECK(r.headers.GetOr("X-Request-Id", "") == "rid-down-" + std::to_string(i));
  }
  CHECK(upstream.calls == 1);
  redis.Start();  // empty: no script cached either
  const HttpResponse after = post("after");
  CHECK(after.status == 201);
  CHECK(upstream.calls == 2);
  const HttpResponse replay = post("after");
  CHECK(replay.status == 201);
  CHECK(replay.headers.GetOr("Idempotent-Replayed", "") == "true");
  CHECK(upstream.calls == 2);
}

TEST_CASE("over the burst a client gets 429 with Retry-After, other clients do not") {
  Fixture f(1, 5);  // 1 per second, burst 5
  f.upstream.Answer("CreateCustomer", R"({"id":"C1"})");
  int ok = 0;
  HttpResponse last;
  for (int i = 0; i < 8; ++i) {
    last = f.Post("/v1/customers", R"({"name":"A"})", "greedy", "");
    if (last.status == 201) ++ok;
  }
  CHECK(ok >= 5);
  CHECK(ok <= 6);  // one token may refill during the loop
  CHECK(last.status == 429);
  CHECK(last.headers.GetOr("Retry-After", "") == "1");
  CHECK_THAT(last.body, Catch::Contains("RATE_LIMITED"));
  CHECK(f.Post("/v1/customers", R"({"name":"A"})", "modest", "").status == 201);
}

}  // namespace
}  // namespace aftersales::gateway

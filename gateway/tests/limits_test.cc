// Idempotency and rate limiting against a real redis-server, through the
// request pipeline with a fake upstream (the real services may not serve a
// create yet, and only 2xx answers are kept).
#include <catch2/catch.hpp>

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
    HttpRequest r;
    r.method = "POST";
    r.path = path;
    r.body = body;
    r.remote_address = "127.0.0.1";
    r.headers.Add("Authorization", "Bearer " + Token(sub));
    if (!key.empty()) r.headers.Add("Idempotency-Key", key);
    return api->Handle(r);
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

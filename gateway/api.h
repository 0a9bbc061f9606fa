// The public API's request pipeline, one function per concern, in the order
// a request meets them:
//   request id → authenticate → rate limit → route (404/405) → authorise
//   (403) → transcode (400) → confine to the caller's own records (404) →
//   idempotency (replay/409) → upstream call with deadline → answer (JSON,
//   status by the google.rpc table) → access log and metrics.
// Everything outside /v1 (health, metrics, /openapi.json) goes to `fallback`
// but still gets a request id, a log line and metrics.
//
// Threads: HandleAsync starts on the HTTP server's I/O thread and never
// blocks it. A plain read or an action without Idempotency-Key runs there up
// to the upstream call, which is asynchronous; its completion (on a gRPC
// thread) prints the answer and hands it to the connection. A create with
// an Idempotency-Key claims its key through the idempotency store's batching
// thread, which starts the call from its callback, and stores the answer the
// same way before it goes out: no thread blocks on Redis for it. Only what
// must block (the rate limiter's Redis call, the ownership probe of a
// customer or engineer, the fallback's health checks) goes through
// ApiOptions::run_blocking to a pool. One thread hop per request instead of
// four on the common path.
#pragma once

#include <google/protobuf/message.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "gateway/idempotency.h"
#include "gateway/rate_limiter.h"
#include "gateway/route_table.h"
#include "gateway/transcoder.h"
#include "services/common/clock.h"
#include "services/common/http/http_message.h"

namespace aftersales::gateway {

// Who is calling, from the verified token.
struct Caller {
  std::string role;
  std::string subject;
  std::string customer_id;
  std::string engineer_id;
};

// How the gateway reaches a service; a fake in tests.
class RpcCaller {
 public:
  virtual ~RpcCaller() = default;
  // Calls route.rpc; the response is parsed into `response` (of the rpc's
  // output type). The caller's identity and the request id travel as gRPC
  // metadata (x-caller-*, x-request-id).
  virtual Status Call(const Route& route, const google::protobuf::Message& request,
                      google::protobuf::Message& response, const Caller& caller,
                      const std::string& request_id) = 0;

  // The same without blocking: `done` runs once, on any thread, with the
  // status and, when OK, the answer's wire bytes (printed to JSON straight
  // from them). `request` is only read before CallAsync returns. This
  // default calls Call and then `done` on the calling thread (fakes).
  using Done = std::function<void(Status status, std::string answer)>;
  virtual void CallAsync(const Route& route, const google::protobuf::Message& request,
                         const Caller& caller, const std::string& request_id, Done done);
};

struct ApiOptions {
  std::string jwt_secret;
  const Clock* clock = nullptr;  // null: system clock
  // Runs a task that blocks (Redis, a probe call, health checks) on a pool,
  // off the HTTP I/O thread. Null: inline (unit tests, Handle).
  std::function<void(std::function<void()>)> run_blocking;
};

class Api {
 public:
  // `limiter` and `idempotency` may be null (disabled; unit tests).
  Api(const RouteTable& table, ApiOptions options, RpcCaller* upstream, RateLimiter* limiter,
      IdempotencyStore* idempotency, HttpHandler fallback);

  // For HttpServer's AsyncHttpHandler: see "Threads" above.
  void HandleAsync(HttpRequest request, HttpResponder respond);
  // The same, waiting for the answer (tests).
  HttpResponse Handle(const HttpRequest& request);

 private:
  struct Exchange;
  using ExchangePtr = std::shared_ptr<Exchange>;
  // The pipeline up to the upstream call; an answer when it ends early,
  // nullopt when it went on asynchronously (or moved itself to the pool).
  std::optional<HttpResponse> Serve(const ExchangePtr& x);
  // The upstream call; its answer goes to OnAnswer on gRPC's thread.
  void Call(const ExchangePtr& x, const google::protobuf::Message& rpc_request);
  void OnAnswer(const ExchangePtr& x, Status status, const std::string& answer);
  // Request id header, metrics, access log, and the answer to the client.
  void Finish(const ExchangePtr& x, HttpResponse response);
  void RunBlocking(std::function<void()> task);
  Result<Caller> Authenticate(const HttpRequest& request) const;
  // Fills what the caller's identity fixes and refuses someone else's record.
  Status Confine(const Route& route, const RouteMatch& match, const Caller& caller,
                 google::protobuf::Message& request, const std::string& request_id);
  Status CheckAnswerOwner(const Route& route, const Caller& caller,
                          const google::protobuf::Message& answer) const;

  // Tokens whose signature already verified, so that a client sending the
  // same token on every request pays for HMAC and two JSON parses once.
  // exp and nbf are still checked on every hit; bounded by clearing when full.
  struct VerifiedToken {
    Caller caller;
    TimePoint exp;
    std::optional<TimePoint> nbf;
  };
  static constexpr size_t kTokenCacheSize = 10'000;
  mutable std::shared_mutex token_mu_;
  mutable std::unordered_map<std::string, VerifiedToken> token_cache_;

  const RouteTable& table_;
  ApiOptions options_;
  SystemClock system_clock_;
  RpcCaller* upstream_;
  RateLimiter* limiter_;
  IdempotencyStore* idempotency_;
  HttpHandler fallback_;
};

// Status of the first token problem, for tests: 401 bodies carry the reason.
HttpResponse UnauthenticatedResponse(const Status& status);

}  // namespace aftersales::gateway

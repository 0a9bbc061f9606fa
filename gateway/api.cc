#include "gateway/api.h"

#include <strings.h>

#include <future>

#include "services/common/auth/jwt.h"
#include "services/common/metrics/metrics.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/uuid.h"

namespace aftersales::gateway {
namespace {

using google::protobuf::Message;

bool IsApiPath(std::string_view path) { return path == "/v1" || path.starts_with("/v1/"); }

std::string MethodLabel(std::string_view method) {
  for (std::string_view m : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (m == method) return std::string(m);
  }
  return "OTHER";  // label values stay bounded whatever clients send
}

// "WorkOrder" → "WORK_ORDER_NOT_FOUND", as the services name their reasons.
std::string NotFoundReason(const google::protobuf::Descriptor* type) {
  std::string out;
  for (char c : type->name()) {
    if (std::isupper(static_cast<unsigned char>(c)) && !out.empty()) out += '_';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out + "_NOT_FOUND";
}

Status Unauthenticated(std::string reason, std::string message) {
  return Status(Code::kUnauthenticated, std::move(reason), std::move(message));
}

bool AcceptableIdempotencyKey(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  for (char c : key) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

HttpResponse WithHeader(HttpResponse r, std::string name, std::string value) {
  r.headers.Set(std::move(name), std::move(value));
  return r;
}

}  // namespace

HttpResponse UnauthenticatedResponse(const Status& status) {
  HttpResponse r = ErrorResponse(status);
  r.headers.Set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
  return r;
}

void RpcCaller::CallAsync(const Route& route, const Message& request, const Caller& caller,
                          const std::string& request_id, Done done) {
  MessagePtr answer = NewMessage(route.rpc->output_type());
  Status s = Call(route, request, *answer, caller, request_id);
  done(s, s.ok() ? answer->SerializeAsString() : std::string());
}

// One request on its way through the pipeline; shared by the steps, which
// may run on different threads one after the other (never at once).
struct Api::Exchange {
  HttpRequest request;
  HttpResponder respond;
  std::string request_id;
  std::chrono::steady_clock::time_point start;
  std::string route_label = "unmatched";
  std::string subject;
  bool on_pool = false;
  // Set once the pipeline reaches the upstream call.
  const Route* route = nullptr;
  Caller caller;
  bool idempotent = false;
  std::string idem_key;
};

Api::Api(const RouteTable& table, ApiOptions options, RpcCaller* upstream, RateLimiter* limiter,
         IdempotencyStore* idempotency, HttpHandler fallback)
    : table_(table),
      options_(std::move(options)),
      upstream_(upstream),
      limiter_(limiter),
      idempotency_(idempotency),
      fallback_(std::move(fallback)) {
  if (!options_.clock) options_.clock = &system_clock_;
}

void Api::RunBlocking(std::function<void()> task) {
  if (options_.run_blocking) {
    options_.run_blocking(std::move(task));
  } else {
    task();
  }
}

HttpResponse Api::Handle(const HttpRequest& request) {
  std::promise<HttpResponse> answer;
  std::future<HttpResponse> future = answer.get_future();
  HandleAsync(request,
              HttpResponder([&answer](HttpResponse r) { answer.set_value(std::move(r)); }));
  return future.get();
}

void Api::HandleAsync(HttpRequest request, HttpResponder respond) {
  auto x = std::make_shared<Exchange>();
  x->start = std::chrono::steady_clock::now();
  x->request_id = AcceptableRequestId(request.headers.GetOr("X-Request-Id", ""));
  if (x->request_id.empty()) x->request_id = NewUuid();
  x->request = std::move(request);
  x->respond = std::move(respond);

  if (!IsApiPath(x->request.path)) {
    for (std::string_view known : {"/healthz", "/readyz", "/metrics", "/openapi.json"}) {
      if (x->request.path == known) x->route_label = std::string(known);
    }
    // /readyz checks every dependency with a deadline: not on the I/O thread.
    return RunBlocking([this, x] {
      ScopedRequestId scoped(x->request_id);
      Finish(x, fallback_ ? fallback_(x->request)
                          : JsonError(404, "NOT_FOUND", "ROUTE_NOT_FOUND", "no route"));
    });
  }
  // The rate limiter is a Redis round trip before anything else.
  if (limiter_ && options_.run_blocking) {
    x->on_pool = true;
    return RunBlocking([this, x] {
      ScopedRequestId scoped(x->request_id);
      if (auto r = Serve(x)) Finish(x, std::move(*r));
    });
  }
  ScopedRequestId scoped(x->request_id);
  if (auto r = Serve(x)) Finish(x, std::move(*r));
}

void Api::Finish(const ExchangePtr& x, HttpResponse response) {
  response.headers.Set("X-Request-Id", x->request_id);
  const HttpRequest& request = x->request;
  const auto elapsed = std::chrono::steady_clock::now() - x->start;
  auto& registry = metrics::DefaultRegistry();
  const std::string status = std::to_string(response.status);
  registry
      .Counter(
          "http_requests_total", "HTTP requests answered, by route template and status",
          {{"route", x->route_label}, {"method", MethodLabel(request.method)}, {"status", status}})
      .Increment();
  registry
      .Histogram("http_request_duration_seconds", "HTTP request latency by route template",
                 {{"route", x->route_label}})
      .ObserveDuration(elapsed);
  // The access log: never the Authorization header or the body.
  log::Info("request", {{"method", request.method},
                        {"path", request.path},
                        {"route", x->route_label},
                        {"status", response.status},
                        {"duration_ms", std::chrono::duration<double, std::milli>(elapsed).count()},
                        {"remote", request.remote_address},
                        {"subject", x->subject},
                        {"bytes_in", request.body.size()},
                        {"bytes_out", response.body.size()}});
  x->respond(std::move(response));
}

Result<Caller> Api::Authenticate(const HttpRequest& request) const {
  const auto header = request.headers.Get("Authorization");
  if (!header) {
    return Unauthenticated("TOKEN_MISSING", "an Authorization: Bearer token is required");
  }
  std::string_view value = *header;
  if (value.size() < 7 || ::strncasecmp(value.data(), "Bearer ", 7) != 0) {
    return Unauthenticated("TOKEN_MALFORMED", "the Authorization header must be \"Bearer <JWT>\"");
  }
  value.remove_prefix(7);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  const TimePoint now = options_.clock->Now();
  {
    std::shared_lock<std::shared_mutex> lock(token_mu_);
    const auto it = token_cache_.find(std::string(value));
    if (it != token_cache_.end()) {
      if (now >= it->second.exp) return Unauthenticated("TOKEN_EXPIRED", "the token has expired");
      if (it->second.nbf && now < *it->second.nbf) {
        return Unauthenticated("TOKEN_NOT_YET_VALID", "the token is not valid yet (nbf)");
      }
      return it->second.caller;
    }
  }
  auto claims = auth::VerifyJwt(value, options_.jwt_secret, now);
  if (!claims.ok()) return claims.status();
  Caller caller{claims->role, claims->sub, claims->customer_id, claims->engineer_id};
  std::unique_lock<std::shared_mutex> lock(token_mu_);
  if (token_cache_.size() >= kTokenCacheSize) token_cache_.clear();
  token_cache_.emplace(std::string(value), VerifiedToken{caller, claims->exp, claims->nbf});
  return caller;
}

std::optional<HttpResponse> Api::Serve(const ExchangePtr& x) {
  const HttpRequest& request = x->request;
  const std::string& request_id = x->request_id;
  Result<Caller> caller = Authenticate(request);
  if (caller.ok()) x->subject = caller->subject;

  if (limiter_) {
    const std::string client =
        caller.ok() ? "sub:" + caller->subject : "ip:" + request.remote_address;
    auto decision = limiter_->Take(client);
    if (!decision.ok()) {
      metrics::DefaultRegistry()
          .Counter("gateway_rate_limit_errors_total",
                   "Requests let through because Redis could not rate-limit them")
          .Increment();
    } else if (!decision->allowed) {
      const auto secs = std::max<int64_t>(1, (decision->retry_after.count() + 999) / 1000);
      HttpResponse r =
          ErrorResponse(Status(Code::kResourceExhausted, "RATE_LIMITED",
                               "too many requests; retry after " + std::to_string(secs) + " s"));
      r.headers.Set("Retry-After", std::to_string(secs));
      return r;
    }
  }
  if (!caller.ok()) return UnauthenticatedResponse(caller.status());

  auto match = table_.Match(request.method, request.path);
  if (!match.ok()) {
    const Status& s = match.status();
    if (s.reason() == "METHOD_NOT_ALLOWED") {
      HttpResponse r = JsonError(405, "UNIMPLEMENTED", "METHOD_NOT_ALLOWED", s.message());
      r.headers.Set("Allow", table_.AllowedMethods(request.path));
      return r;
    }
    return ErrorResponse(s);
  }
  const Route& route = *match->route;
  x->route_label = route.path;

  if (!route.Allows(caller->role)) {
    return ErrorResponse(PermissionDenied("ROLE_NOT_ALLOWED", "role " + caller->role + " may not " +
                                                                  route.method + " " + route.path));
  }

  // Everything up to here is cheap and has no effect, so a request that meets
  // a blocking step (a probe call) starts over on the pool rather than block
  // the I/O thread. An admin's or agent's create never does.
  const ScopeRule* rule = caller->role == "customer"   ? &route.customer
                          : caller->role == "engineer" ? &route.engineer
                                                       : nullptr;
  const bool probes =
      rule && (rule->scope == Scope::kProbeTicket || rule->scope == Scope::kProbeWorkOrder);
  const auto idem_header = request.headers.Get("Idempotency-Key");
  const bool idempotent = route.create && idem_header.has_value();
  // The idempotency store is asynchronous (its own batching thread): not a
  // reason to go to the pool.
  if (!x->on_pool && options_.run_blocking && probes) {
    x->on_pool = true;
    RunBlocking([this, x] {
      ScopedRequestId scoped(x->request_id);
      if (auto r = Serve(x)) Finish(x, std::move(*r));
    });
    return std::nullopt;
  }

  auto built = BuildRequest(*match, request);
  if (!built.ok()) {
    if (built.status().reason() == "UNSUPPORTED_MEDIA_TYPE") {
      return JsonError(415, "INVALID_ARGUMENT", "UNSUPPORTED_MEDIA_TYPE", built.status().message());
    }
    return ErrorResponse(built.status());
  }
  Message& rpc_request = **built;
  if (Status s = Confine(route, *match, *caller, rpc_request, request_id); !s.ok()) {
    return ErrorResponse(s);
  }
  if (Status s = CheckRequired(route, rpc_request); !s.ok()) return ErrorResponse(s);

  // The service's own idempotency key: the client's Idempotency-Key (scoped
  // to the caller) on a create, else the request id.
  std::string idem_key;
  if (idempotent) {
    idem_key = std::string(*idem_header);
    if (!AcceptableIdempotencyKey(idem_key)) {
      return ErrorResponse(InvalidArgument(
          "INVALID_IDEMPOTENCY_KEY", "Idempotency-Key must be 1-255 visible ASCII characters"));
    }
  }
  if (Status s = SetFieldFromText(rpc_request, "request_id",
                                  idempotent ? caller->subject + ":" + idem_key : request_id);
      !s.ok() && s.code() != Code::kInternal) {
    return ErrorResponse(s);
  }

  x->route = &route;
  x->caller = *caller;
  x->idempotent = idempotent;
  x->idem_key = std::move(idem_key);
  if (!(idempotent && idempotency_)) {
    Call(x, rpc_request);
    return std::nullopt;
  }
  // Claim the key, then call from the store's callback (its thread): no pool
  // hop, no thread parked on Redis.
  std::shared_ptr<Message> held(std::move(*built));
  idempotency_->StartAsync(
      x->caller.subject, x->idem_key,
      IdempotencyStore::RequestHash(request.method, request.path, request.body),
      [this, x, held](Result<IdempotencyStore::Begin> begin) {
        ScopedRequestId scoped(x->request_id);
        if (!begin.ok()) {
          return Finish(x,
                        ErrorResponse(Unavailable("IDEMPOTENCY_UNAVAILABLE",
                                                  "cannot check the Idempotency-Key now; retry")));
        }
        switch (begin->outcome) {
          case IdempotencyStore::Outcome::kConflict:
            return Finish(
                x, ErrorResponse(Status(Code::kAlreadyExists, "IDEMPOTENCY_KEY_REUSED",
                                        "this Idempotency-Key was used with a different request")));
          case IdempotencyStore::Outcome::kPending:
            return Finish(
                x, ErrorResponse(Status(Code::kAborted, "IDEMPOTENCY_KEY_IN_USE",
                                        "a request with this Idempotency-Key is still running")));
          case IdempotencyStore::Outcome::kReplay:
            return Finish(x, WithHeader(HttpResponse::Json(begin->answer.status,
                                                           std::move(begin->answer.body)),
                                        "Idempotent-Replayed", "true"));
          case IdempotencyStore::Outcome::kNew:
            break;
        }
        Call(x, *held);
      });
  return std::nullopt;
}

void Api::Call(const ExchangePtr& x, const Message& rpc_request) {
  upstream_->CallAsync(*x->route, rpc_request, x->caller, x->request_id,
                       [this, x](Status s, std::string answer) {
                         ScopedRequestId scoped(x->request_id);
                         OnAnswer(x, std::move(s), answer);
                       });
}

void Api::OnAnswer(const ExchangePtr& x, Status s, const std::string& answer) {
  const Route& route = *x->route;
  HttpResponse response;
  if (s.ok()) {
    // Only a customer's or engineer's GET needs the answer as a message.
    const ScopeRule* rule = x->caller.role == "customer"   ? &route.customer
                            : x->caller.role == "engineer" ? &route.engineer
                                                           : nullptr;
    if (rule && rule->scope == Scope::kCheckAnswer) {
      MessagePtr message = NewMessage(route.rpc->output_type());
      s = message->ParseFromString(answer)
              ? CheckAnswerOwner(route, x->caller, *message)
              : Internal("BAD_UPSTREAM_ANSWER",
                         route.upstream + " sent an answer that does not parse");
    }
  }
  if (s.ok()) {
    auto json = WireToJson(route.rpc->output_type(), answer);
    response = json.ok() ? HttpResponse::Json(route.success, std::move(*json))
                         : ErrorResponse(json.status());
  } else {
    response = ErrorResponse(s);
  }
  if (!(x->idempotent && idempotency_)) return Finish(x, std::move(response));
  // The answer goes out once it is stored: a replay right after it (through
  // any gateway replica) finds it rather than the pending marker.
  StoredAnswer stored{response.status, response.body};
  auto held = std::make_shared<HttpResponse>(std::move(response));
  idempotency_->FinishAsync(
      x->caller.subject, x->idem_key, std::move(stored), [this, x, held](Status f) {
        ScopedRequestId scoped(x->request_id);
        if (!f.ok()) {
          log::Warn("idempotency answer not stored", {{"error", f.ToString()}});
        }
        Finish(x, std::move(*held));
      });
}

Status Api::Confine(const Route& route, const RouteMatch& match, const Caller& caller,
                    Message& request, const std::string& request_id) {
  const ScopeRule* rule = nullptr;
  std::string own;
  if (caller.role == "customer") {
    rule = &route.customer;
    own = caller.customer_id;
  } else if (caller.role == "engineer") {
    rule = &route.engineer;
    own = caller.engineer_id;
  }
  if (!rule) return Status::Ok();
  const char* what = caller.role == "customer" ? "CUSTOMER_NOT_FOUND" : "ENGINEER_NOT_FOUND";
  switch (rule->scope) {
    case Scope::kNone:
    case Scope::kCheckAnswer:
      return Status::Ok();
    case Scope::kForceField: {
      const std::string given = StringField(request, rule->field);
      if (!given.empty() && given != own) return NotFound(what, "no such record: " + given);
      return SetFieldFromText(request, rule->field, own);
    }
    case Scope::kPathIsSelf: {
      const auto it = match.vars.find(rule->field);
      if (it == match.vars.end() || it->second != own) {
        return NotFound(what, "no such record: " + (it == match.vars.end() ? "" : it->second));
      }
      return Status::Ok();
    }
    case Scope::kProbeTicket:
    case Scope::kProbeWorkOrder: {
      const bool ticket = rule->scope == Scope::kProbeTicket;
      const std::string rpc = ticket ? "GetTicket" : "GetWorkOrder";
      const Route* probe = nullptr;
      for (const auto& r : table_.routes()) {
        if (r.rpc->name() == rpc) probe = &r;
      }
      const auto var = match.vars.find(rule->field);
      if (!probe || var == match.vars.end()) return Internal("NO_PROBE", "no probe for " + rpc);
      MessagePtr probe_request = NewMessage(probe->rpc->input_type());
      if (Status s = SetFieldFromText(*probe_request, ticket ? "ticket_number" : "work_order_id",
                                      var->second);
          !s.ok()) {
        return s;
      }
      MessagePtr record = NewMessage(probe->rpc->output_type());
      if (Status s = upstream_->Call(*probe, *probe_request, *record, caller, request_id);
          !s.ok()) {
        return s;
      }
      const std::string owner =
          StringField(*record, caller.role == "customer" ? "customer_id" : "engineer_id");
      if (owner != own) {
        return NotFound(NotFoundReason(record->GetDescriptor()), "no such record: " + var->second);
      }
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Status Api::CheckAnswerOwner(const Route& route, const Caller& caller,
                             const Message& answer) const {
  const ScopeRule* rule = caller.role == "customer"   ? &route.customer
                          : caller.role == "engineer" ? &route.engineer
                                                      : nullptr;
  if (!rule || rule->scope != Scope::kCheckAnswer) return Status::Ok();
  const std::string& own = caller.role == "customer" ? caller.customer_id : caller.engineer_id;
  if (StringField(answer, rule->field) != own) {
    return NotFound(NotFoundReason(answer.GetDescriptor()), "no such record");
  }
  return Status::Ok();
}

}  // namespace aftersales::gateway

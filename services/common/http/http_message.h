// The request and response a handler sees: plain structs, free of Beast, so
// that the gateway's handlers and their tests never touch the wire format.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "services/common/status.h"

namespace aftersales {

// Header fields in arrival order; names compare case-insensitively.
class HttpHeaders {
 public:
  using Entry = std::pair<std::string, std::string>;

  void Add(std::string name, std::string value);
  // Replaces every field of that name.
  void Set(std::string name, std::string value);
  void Remove(std::string_view name);
  // The first field of that name.
  std::optional<std::string_view> Get(std::string_view name) const;
  std::string_view GetOr(std::string_view name, std::string_view fallback) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }

  std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries_.end(); }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  std::vector<Entry> entries_;
};

// Decoded query parameters; a name may repeat (`?status=NEW&status=OPEN`).
using QueryParams = std::multimap<std::string, std::string, std::less<>>;

struct HttpRequest {
  std::string method;  // "GET", as sent (methods are case-sensitive)
  std::string target;  // the raw request-target: "/v1/tickets?pageSize=5"
  // The target's path, NOT percent-decoded, so that an encoded '/' inside an
  // id cannot change which route matches. Use PercentDecode on path segments.
  std::string path;
  QueryParams query;
  HttpHeaders headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1"
  int remote_port = 0;
  int version = 11;  // 10 for HTTP/1.0, 11 for HTTP/1.1

  // The first value of a query parameter.
  std::optional<std::string_view> QueryParam(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;

  static HttpResponse Json(int status, std::string body);
  static HttpResponse Text(int status, std::string body,
                           std::string content_type = "text/plain; charset=utf-8");
};

// Runs on a worker thread, never on the server's I/O threads, so it may block
// (on a gRPC call with a deadline). It should not throw; if it does, the
// client gets a 500 and the server carries on.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Completes one request of an AsyncHttpHandler, from any thread, once: later
// calls are ignored. Copies share the request, so that it can travel into a
// callback API that wants a copyable function. If every copy is dropped
// without a call, the client gets a 500 rather than a connection that hangs.
class HttpResponder {
 public:
  using Sink = std::function<void(HttpResponse)>;
  HttpResponder() = default;
  explicit HttpResponder(Sink sink);

  void operator()(HttpResponse response) const;
  // True once called (or for an empty responder).
  bool answered() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// Runs on the connection's I/O thread and must not block: it starts the work
// (an asynchronous RPC, or a hand-off to its own pool for what blocks) and
// returns; whoever finishes calls `respond`. Saves the two thread hops per
// request that a blocking HttpHandler costs (I/O thread → worker → I/O
// thread) and the worker parked for the length of the call.
using AsyncHttpHandler = std::function<void(HttpRequest request, HttpResponder respond)>;

// X-Request-Id as a client sent it when it is 1-128 visible ASCII characters
// (what every answer echoes and the logs carry); else "" and the server makes
// one up (NewUuid).
std::string AcceptableRequestId(std::string_view header);

// Splits a request-target into path and decoded query. Accepts origin-form
// ("/a?b=c"), absolute-form ("http://host/a?b=c", which HTTP/1.1 servers must
// accept) and "*". INVALID_ARGUMENT (reason MALFORMED_TARGET or
// MALFORMED_QUERY) on anything else or on a bad %-escape.
Status ParseTarget(std::string_view target, std::string& path, QueryParams& query);

// Decodes %XX escapes (and '+' as space when `plus_as_space`, as in query
// strings). False on a truncated or non-hex escape.
bool PercentDecode(std::string_view in, bool plus_as_space, std::string& out);

// The google.rpc code → HTTP status table (INVALID_ARGUMENT → 400, NOT_FOUND →
// 404, UNAVAILABLE → 503, …).
int HttpStatusFromCode(Code code);

// {"error": {"code": 404, "status": "NOT_FOUND", "message": "…", "reason": "…",
//            "fieldViolations": [{"field": "…", "description": "…"}]}}
// as in http-api.md; fieldViolations only when there are some.
std::string ErrorJson(int http_status, std::string_view status, std::string_view reason,
                      std::string_view message, const std::vector<FieldViolation>& violations = {});
HttpResponse JsonError(int http_status, std::string_view status, std::string_view reason,
                       std::string_view message);
// The response for a non-OK status, by the table above.
HttpResponse ErrorResponse(const Status& status);

}  // namespace aftersales

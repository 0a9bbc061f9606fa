// An asynchronous HTTP/1.1 server (Boost.Beast): keep-alive, limits, timeouts
// and graceful shutdown. Connections cost no thread while idle. A blocking
// HttpHandler runs on a separate worker pool so that a handler blocked on a
// gRPC call never stalls the I/O threads; an AsyncHttpHandler runs on the I/O
// thread, must not block, and answers through its HttpResponder from any
// thread (the answer is written from the connection's strand), which saves
// the hand-offs to and from the pool.
//
//   HttpRouter router;
//   InstallHealthRoutes(router);
//   InstallMetricsRoute(router);
//   HttpServer server({.address = "0.0.0.0", .port = 8080}, router.AsHandler());
//   if (Status s = server.Start(); !s.ok()) { ... }
//   shutdown_signal.Wait();
//   server.Shutdown(std::chrono::seconds(10));
//
// What a client gets when it misbehaves (the connection is then closed):
//   body over body_limit            413 {"error":{"reason":"PAYLOAD_TOO_LARGE",…}}
//   header block over header_limit  431 {"error":{"reason":"HEADERS_TOO_LARGE",…}}
//   unparseable request             400 {"error":{"reason":"MALFORMED_REQUEST",…}}
//   no complete request in time     closed without an answer
//   handler throws                  500 {"error":{"reason":"INTERNAL_ERROR",…}}
//   async handler drops responder   500 (same)
// Every answer, these included, carries X-Request-Id: the client's when it
// sent an acceptable one (AcceptableRequestId), else a new UUID, unless the
// handler set its own.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "services/common/http/http_message.h"
#include "services/common/status.h"

namespace aftersales {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  int port = 0;  // 0: the OS picks one; read it back with port()
  int io_threads = 1;
  int worker_threads = 4;  // for a blocking HttpHandler only
  size_t header_limit = size_t{16} * 1024;
  size_t body_limit = 1 << 20;
  // From the first byte of a request (from accept for the first one) to its
  // last byte: a client slower than this is cut off.
  std::chrono::milliseconds read_timeout{10000};
  // How long a keep-alive connection may sit between requests.
  std::chrono::milliseconds idle_timeout{60000};
  // How long a client may take to take the response.
  std::chrono::milliseconds write_timeout{10000};
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  HttpServer(HttpServerOptions options, AsyncHttpHandler handler);
  // Shuts down with no grace if still running, then waits for handlers that
  // are still running to return.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads. INVALID_ARGUMENT for bad options,
  // UNAVAILABLE (reason BIND_FAILED) when the address cannot be bound.
  Status Start();
  // The bound port once started, else 0.
  int port() const;

  // Stops accepting, closes idle keep-alive connections, lets requests in
  // flight finish (their responses carry Connection: close), and after
  // `grace` closes whatever is left. Returns within about `grace`; a handler
  // that is still running then (or a responder not yet called) is waited for
  // by the destructor, which is why handlers must carry deadlines. Idempotent.
  void Shutdown(std::chrono::milliseconds grace);

  // Open connections; for tests and a gauge.
  int connection_count() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};
using HttpServerPtr = std::unique_ptr<HttpServer>;

}  // namespace aftersales

#include "services/common/http/http_server.h"

#include <strings.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "services/common/runtime/log.h"
#include "services/common/runtime/uuid.h"

namespace aftersales {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

constexpr size_t kReadChunk = 4096;
// After an error answer the client may still be sending the body we refused;
// reading (and dropping) it for a while keeps the kernel from answering with
// a RST that would destroy our response before the client reads it.
constexpr std::chrono::milliseconds kLingerTime{1000};
constexpr size_t kLingerBytes = 1 << 20;

// Beast 1.74 speaks boost::string_view.
std::string_view Sv(beast::string_view s) { return {s.data(), s.size()}; }

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// RFC 9110 token characters.
bool IsFieldName(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) {
      return false;
    }
  }
  return true;
}

// CR, LF or NUL in a value would let a handler split the response.
bool IsFieldValue(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool IsHttpParseError(const beast::error_code& ec) {
  static const auto& category = http::make_error_code(http::error::bad_method).category();
  return &ec.category() == &category && ec != http::error::end_of_stream &&
         ec != http::error::partial_message && ec != http::error::need_more &&
         ec != http::error::need_buffer;
}

HttpResponse InternalError() {
  return JsonError(500, "INTERNAL", "INTERNAL_ERROR", "the server failed to handle the request");
}

}  // namespace

class HttpServer::Impl {
 public:
  class Session;

  Impl(HttpServerOptions options, HttpHandler handler, AsyncHttpHandler async_handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        async_handler_(std::move(async_handler)),
        ioc_(std::max(1, options_.io_threads)),
        acceptor_(asio::make_strand(ioc_)),
        accept_retry_(acceptor_.get_executor()) {}

  ~Impl() {
    Shutdown(std::chrono::milliseconds(0));
    // Handlers still running hold their sessions; they must return before the
    // sockets' io_context goes away.
    if (workers_) {
      workers_->join();
    }
    // Same for asynchronous ones: their responders post to ioc_.
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return pending_ == 0; });
  }

  Status Start();
  void Shutdown(std::chrono::milliseconds grace);
  int port() const { return port_.load(); }
  int connection_count() {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(sessions_.size());
  }

  // For sessions.
  const HttpServerOptions& options() const { return options_; }
  bool stopping() const { return stopping_.load(); }
  asio::thread_pool& workers() { return *workers_; }
  HttpResponse Invoke(const HttpRequest& request) noexcept;
  bool is_async() const { return static_cast<bool>(async_handler_); }
  // On the connection's strand; `respond` is called once, from anywhere.
  void InvokeAsync(HttpRequest request, HttpResponder respond) noexcept;
  // Counts asynchronous requests whose responder has not answered yet, so
  // that ~Impl outlives every responder that may still post to ioc_.
  void BeginAsync();
  void EndAsync();
  bool Register(const std::shared_ptr<Session>& session, uint64_t& id);
  void Unregister(uint64_t id);

 private:
  void DoAccept();
  std::vector<std::shared_ptr<Session>> LiveSessions();

  const HttpServerOptions options_;
  const HttpHandler handler_;
  const AsyncHttpHandler async_handler_;

  // Declared before ioc_: sessions destroyed with the io_context still
  // unregister here.
  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions_;
  uint64_t next_session_id_ = 1;
  int pending_ = 0;
  std::atomic<bool> stopping_{false};

  std::atomic<bool> started_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<int> port_{0};

  asio::io_context ioc_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_guard_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  std::unique_ptr<asio::thread_pool> workers_;
  std::vector<std::thread> io_threads_;
};

// One connection. Every member is touched only on the connection's strand,
// except the handler call, which runs on a worker with a copy of the request.
class HttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Impl* server, tcp::socket socket) : server_(server), stream_(std::move(socket)) {
    beast::error_code ec;
    const tcp::endpoint remote = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      remote_address_ = remote.address().to_string();
      remote_port_ = remote.port();
    }
  }

  ~Session() {
    if (id_ != 0) {
      server_->Unregister(id_);
    }
  }

  void set_id(uint64_t id) { id_ = id; }
  tcp::socket::executor_type executor() { return stream_.get_executor(); }

  void Start() {
    deadline_ = SteadyClock::now() + server_->options().read_timeout;
    asio::dispatch(executor(), [self = shared_from_this()] { self->WaitForRequest(); });
  }

  // On the strand: the server stops. A connection between requests closes
  // now; one with a request in flight finishes it, answering Connection: close.
  void OnShutdown() {
    if (state_ == State::kIdle) {
      stream_.cancel();
    }
  }

  // Only once the I/O threads are joined: nothing else touches the socket.
  void CloseNow() { Close(); }

 private:
  enum class State { kIdle, kReading, kHandling, kWriting, kClosing };

  void WaitForRequest() {
    state_ = State::kIdle;
    if (server_->stopping()) {
      return Close();
    }
    if (buffer_.size() > 0) {
      return ReadHeader();  // pipelined: the next request is here
    }
    if (first_request_) {
      stream_.expires_at(deadline_);
    } else {
      stream_.expires_after(server_->options().idle_timeout);
    }
    stream_.async_read_some(
        buffer_.prepare(kReadChunk),
        [self = shared_from_this()](beast::error_code ec, size_t n) { self->OnFirstBytes(ec, n); });
  }

  void OnFirstBytes(beast::error_code ec, size_t n) {
    // EOF, timeout or cancel between requests: nothing to answer.
    if (ec) {
      return Close();
    }
    buffer_.commit(n);
    if (!first_request_) {
      deadline_ = SteadyClock::now() + server_->options().read_timeout;
    }
    ReadHeader();
  }

  void ReadHeader() {
    state_ = State::kReading;
    is_head_ = false;
    request_id_.clear();
    version_ = 11;
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(std::min<size_t>(server_->options().header_limit, UINT32_MAX)));
    parser_->body_limit(static_cast<std::uint64_t>(server_->options().body_limit));
    stream_.expires_at(deadline_);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) {
      return OnReadError(ec);
    }
    const auto& msg = parser_->get();
    version_ = msg.version();
    is_head_ = msg.method() == http::verb::head;
    // curl and most HTTP libraries wait (up to a second) for this before
    // sending a larger body. A body over the limit never gets here: the
    // parser refuses its Content-Length with the header.
    if (!parser_->is_done() && version_ >= 11 &&
        IEquals(Sv(msg[http::field::expect]), "100-continue")) {
      continue_ = std::make_unique<http::response<http::empty_body>>(http::status::continue_, 11);
      stream_.expires_at(deadline_);
      http::async_write(stream_, *continue_,
                        [self = shared_from_this()](beast::error_code ec, size_t) {
                          self->continue_.reset();
                          if (ec) {
                            return self->Close();
                          }
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) {
      return OnRequest();
    }
    stream_.expires_at(deadline_);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) {
                         return self->OnReadError(ec);
                       }
                       self->OnRequest();
                     });
  }

  void OnReadError(beast::error_code ec) {
    const auto& o = server_->options();
    // Whatever of the header was parsed: a client's id is echoed even on an
    // error answer when it got that far.
    if (parser_) {
      request_id_ = AcceptableRequestId(Sv(parser_->get()["X-Request-Id"]));
    }
    if (ec == http::error::body_limit) {
      return RespondAndClose(
          JsonError(413, "INVALID_ARGUMENT", "PAYLOAD_TOO_LARGE",
                    "the request body is larger than " + std::to_string(o.body_limit) + " bytes"));
    }
    if (ec == http::error::header_limit) {
      return RespondAndClose(JsonError(
          431, "INVALID_ARGUMENT", "HEADERS_TOO_LARGE",
          "the request header is larger than " + std::to_string(o.header_limit) + " bytes"));
    }
    if (IsHttpParseError(ec)) {
      return RespondAndClose(JsonError(400, "INVALID_ARGUMENT", "MALFORMED_REQUEST",
                                       "the request is not valid HTTP/1.1: " + ec.message()));
    }
    // Timeout (a slow client), reset, EOF in mid-request: nobody to answer.
    Close();
  }

  void OnRequest() {
    state_ = State::kHandling;
    http::request<http::string_body> msg = parser_->release();
    parser_.reset();
    keep_alive_ = msg.keep_alive();

    HttpRequest request;
    request.method = std::string(Sv(msg.method_string()));
    request.target = std::string(Sv(msg.target()));
    request.version = static_cast<int>(msg.version());
    request.remote_address = remote_address_;
    request.remote_port = remote_port_;
    for (const auto& field : msg) {
      request.headers.Add(std::string(Sv(field.name_string())), std::string(Sv(field.value())));
    }
    request.body = std::move(msg.body());
    request_id_ = AcceptableRequestId(request.headers.GetOr("X-Request-Id", ""));
    if (Status s = ParseTarget(request.target, request.path, request.query); !s.ok()) {
      return Respond(ErrorResponse(s), /*close=*/false);
    }

    if (server_->is_async()) {
      server_->BeginAsync();
      HttpResponder respond([self = shared_from_this()](HttpResponse response) mutable {
        Impl* server = self->server_;
        {
          // The executor copy (a strand: it points into the io_context) and
          // the session (moved into the posted closure) must both be gone
          // before EndAsync lets ~Impl destroy the io_context; ASan caught
          // the copy outliving it when a late answer raced the destructor.
          const auto executor = self->executor();
          asio::post(executor, [self = std::move(self), response = std::move(response)]() mutable {
            self->Respond(std::move(response), /*close=*/false);
          });
        }
        server->EndAsync();
      });
      return server_->InvokeAsync(std::move(request), std::move(respond));
    }

    asio::post(server_->workers(), [self = shared_from_this(), request = std::move(request)] {
      HttpResponse response = self->server_->Invoke(request);
      asio::post(self->executor(), [self, response = std::move(response)]() mutable {
        self->Respond(std::move(response), /*close=*/false);
      });
    });
  }

  void RespondAndClose(HttpResponse response) {
    keep_alive_ = false;
    is_head_ = false;
    Respond(std::move(response), /*close=*/true);
  }

  void Respond(HttpResponse r, bool close) {
    if (state_ == State::kClosing) {
      return;  // closed while the handler ran
    }
    state_ = State::kWriting;
    if (r.status < 200 || r.status > 599) {
      log::Error("http handler returned an invalid status", {{"status", r.status}});
      r = InternalError();
    }
    // Every answer carries one, the server's own error answers included: the
    // client's when acceptable, else a new one.
    if (!r.headers.Has("X-Request-Id")) {
      r.headers.Set("X-Request-Id", request_id_.empty() ? NewUuid() : request_id_);
    }
    auto res = std::make_unique<http::response<http::string_body>>();
    res->version(version_ == 10 ? 10 : 11);
    res->result(static_cast<unsigned>(r.status));
    bool handler_closes = false;
    for (const auto& [name, value] : r.headers) {
      if (!IsFieldName(name) || !IsFieldValue(value)) {
        log::Error("http handler returned an invalid header; dropped", {{"header", name}});
        continue;
      }
      // Framing is the server's business.
      if (IEquals(name, "Content-Length") || IEquals(name, "Transfer-Encoding")) {
        continue;
      }
      if (IEquals(name, "Connection")) {
        handler_closes = IEquals(value, "close");
        continue;
      }
      res->insert(beast::string_view(name.data(), name.size()),
                  beast::string_view(value.data(), value.size()));
    }
    if (r.status == 204 || r.status == 304) {
      r.body.clear();  // these have no body
    }
    res->body() = std::move(r.body);
    const bool keep = keep_alive_ && !close && !handler_closes && !server_->stopping();
    res->keep_alive(keep);
    res->prepare_payload();
    if (is_head_) {
      res->body().clear();  // Content-Length stays that of the GET
    }
    response_ = std::move(res);
    stream_.expires_after(server_->options().write_timeout);
    http::async_write(stream_, *response_,
                      [self = shared_from_this(), keep](beast::error_code ec, size_t) {
                        self->response_.reset();
                        if (ec) {
                          return self->Close();
                        }
                        if (!keep) {
                          return self->LingeringClose();
                        }
                        self->first_request_ = false;
                        self->WaitForRequest();
                      });
  }

  void LingeringClose() {
    state_ = State::kClosing;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
      return Close();
    }
    stream_.expires_after(std::min(kLingerTime, server_->options().read_timeout));
    Drain();
  }

  void Drain() {
    stream_.async_read_some(asio::buffer(drain_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kLingerBytes) {
                                return self->Close();
                              }
                              self->Drain();
                            });
  }

  void Close() {
    state_ = State::kClosing;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  Impl* const server_;
  uint64_t id_ = 0;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::unique_ptr<http::response<http::string_body>> response_;
  std::unique_ptr<http::response<http::empty_body>> continue_;
  std::string remote_address_;
  int remote_port_ = 0;
  std::string request_id_;  // the client's acceptable X-Request-Id, or ""
  State state_ = State::kIdle;
  bool first_request_ = true;
  bool keep_alive_ = false;
  bool is_head_ = false;
  unsigned version_ = 11;
  SteadyClock::time_point deadline_;
  std::array<char, kReadChunk> drain_{};
  size_t drained_ = 0;
};

Status HttpServer::Impl::Start() {
  if (started_.exchange(true)) {
    return FailedPrecondition("ALREADY_STARTED", "the HTTP server was started already");
  }
  const auto& o = options_;
  Validator v;
  v.Check(o.port >= 0 && o.port <= 65535, "port", "must be 0..65535");
  v.Check(o.io_threads >= 1 && o.io_threads <= 256, "io_threads", "must be 1..256");
  v.Check(o.worker_threads >= 1 && o.worker_threads <= 1024, "worker_threads", "must be 1..1024");
  v.Check(o.header_limit >= 256 && o.header_limit <= UINT32_MAX, "header_limit",
          "must be at least 256 bytes");
  v.Check(o.read_timeout.count() > 0, "read_timeout", "must be positive");
  v.Check(o.idle_timeout.count() > 0, "idle_timeout", "must be positive");
  v.Check(o.write_timeout.count() > 0, "write_timeout", "must be positive");
  v.Check(static_cast<bool>(handler_) || static_cast<bool>(async_handler_), "handler",
          "must be set");
  if (!v.ok()) {
    return v.ToStatus("INVALID_HTTP_OPTIONS");
  }

  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(o.address, ec);
  if (ec) {
    return InvalidArgument("INVALID_HTTP_OPTIONS",
                           "address \"" + o.address + "\" is not a numeric IP address",
                           {{"address", "must be a numeric IPv4 or IPv6 address"}});
  }
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(o.port));
  const auto fail = [&](const char* step) {
    beast::error_code ignored;
    acceptor_.close(ignored);
    return Unavailable("BIND_FAILED", std::string(step) + " " + o.address + ":" +
                                          std::to_string(o.port) + " failed: " + ec.message());
  };
  if (acceptor_.open(endpoint.protocol(), ec)) {
    return fail("open");
  }
  // Restarts must not wait out TIME_WAIT of the previous process.
  if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec)) {
    return fail("setsockopt");
  }
  if (acceptor_.bind(endpoint, ec)) {
    return fail("bind");
  }
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec)) {
    return fail("listen");
  }
  port_ = acceptor_.local_endpoint(ec).port();

  if (!async_handler_) {
    workers_ = std::make_unique<asio::thread_pool>(static_cast<size_t>(o.worker_threads));
  }
  work_guard_.emplace(ioc_.get_executor());
  DoAccept();  // no I/O thread runs yet, so this is still single-threaded
  for (int i = 0; i < o.io_threads; ++i) {
    io_threads_.emplace_back([this] { ioc_.run(); });
  }
  return Status::Ok();
}

void HttpServer::Impl::DoAccept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
      return;
    }
    if (ec) {
      // Out of descriptors, typically: back off instead of spinning.
      log::Warn("http accept failed", {{"error", ec.message()}});
      accept_retry_.expires_after(std::chrono::milliseconds(50));
      accept_retry_.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec && acceptor_.is_open()) {
          DoAccept();
        }
      });
      return;
    }
    auto session = std::make_shared<Session>(this, std::move(socket));
    uint64_t id = 0;
    if (Register(session, id)) {
      session->set_id(id);
      session->Start();
    }
    DoAccept();
  });
}

bool HttpServer::Impl::Register(const std::shared_ptr<Session>& session, uint64_t& id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) {
    return false;
  }
  id = next_session_id_++;
  sessions_.emplace(id, session);
  return true;
}

void HttpServer::Impl::Unregister(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(id);
  cv_.notify_all();
}

std::vector<std::shared_ptr<HttpServer::Impl::Session>> HttpServer::Impl::LiveSessions() {
  std::vector<std::shared_ptr<Session>> live;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, weak] : sessions_) {
    if (auto s = weak.lock()) {
      live.push_back(std::move(s));
    }
  }
  return live;
}

HttpResponse HttpServer::Impl::Invoke(const HttpRequest& request) noexcept {
  try {
    return handler_(request);
  } catch (const std::exception& e) {
    // The client learns nothing of it; the log gets the detail.
    log::Error("http handler threw",
               {{"method", request.method}, {"path", request.path}, {"error", e.what()}});
  } catch (...) {
    log::Error("http handler threw", {{"method", request.method}, {"path", request.path}});
  }
  return InternalError();
}

void HttpServer::Impl::InvokeAsync(HttpRequest request, HttpResponder respond) noexcept {
  try {
    async_handler_(std::move(request), respond);
    return;
  } catch (const std::exception& e) {
    log::Error("http handler threw", {{"error", e.what()}});
  } catch (...) {
    log::Error("http handler threw");
  }
  respond(InternalError());  // ignored if the handler answered before it threw
}

void HttpServer::Impl::BeginAsync() {
  std::lock_guard<std::mutex> lock(mu_);
  ++pending_;
}

void HttpServer::Impl::EndAsync() {
  std::lock_guard<std::mutex> lock(mu_);
  --pending_;
  cv_.notify_all();
}

void HttpServer::Impl::Shutdown(std::chrono::milliseconds grace) {
  if (!started_.load() || stopped_.exchange(true)) {
    return;
  }
  const auto deadline = SteadyClock::now() + grace;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ec;
    acceptor_.close(ec);
    accept_retry_.cancel();
  });
  for (auto& s : LiveSessions()) {
    asio::post(s->executor(), [s] { s->OnShutdown(); });
  }
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_until(lock, deadline, [this] { return sessions_.empty(); });
  }
  work_guard_.reset();
  ioc_.stop();
  for (auto& t : io_threads_) {
    t.join();
  }
  io_threads_.clear();
  // Past the grace period: cut whatever is left. Safe from this thread now
  // that no I/O thread runs.
  for (auto& s : LiveSessions()) {
    s->CloseNow();
  }
  // Queued handlers that have not started are dropped; running ones finish
  // (~Impl waits for them).
  if (workers_) {
    workers_->stop();
  }
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), nullptr)) {}
HttpServer::HttpServer(HttpServerOptions options, AsyncHttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), nullptr, std::move(handler))) {}
HttpServer::~HttpServer() = default;
Status HttpServer::Start() { return impl_->Start(); }
int HttpServer::port() const { return impl_->port(); }
void HttpServer::Shutdown(std::chrono::milliseconds grace) { impl_->Shutdown(grace); }
int HttpServer::connection_count() const { return impl_->connection_count(); }

}  // namespace aftersales

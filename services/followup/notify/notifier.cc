#include "services/followup/notify/notifier.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "services/common/runtime/json.h"
#include "services/common/runtime/log.h"

namespace aftersales::followup {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

Status LogNotifier::Notify(const Notification& n) {
  log::Info("notification", {{"kind", n.kind},
                             {"subject_id", n.subject_id},
                             {"customer_id", n.customer_id},
                             {"ticket", n.ticket_number},
                             {"audience", n.audience},
                             {"text", n.text}});
  return Status::Ok();
}

Result<std::unique_ptr<WebhookNotifier>> WebhookNotifier::Create(WebhookOptions options) {
  const std::string prefix = "http://";
  const std::string& url = options.url;
  auto bad = [] {
    return InvalidArgument("INVALID_ARGUMENT", "webhook URL must be http://host[:port][/path]",
                           {{"AFTERSALES_NOTIFY_WEBHOOK_URL", "http://host[:port][/path]"}});
  };
  if (url.rfind(prefix, 0) != 0) return bad();
  const std::string rest = url.substr(prefix.size());
  const size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  const std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
  const size_t colon = authority.rfind(':');
  std::string host = authority.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string::npos ||
      options.attempts < 1) {
    return bad();
  }
  return std::unique_ptr<WebhookNotifier>(
      new WebhookNotifier(std::move(options), std::move(host), std::move(port), path));
}

std::string WebhookNotifier::ToJson(const Notification& n) {
  std::string out = "{\"kind\":";
  AppendJsonString(out, n.kind);
  out += ",\"subjectId\":";
  AppendJsonString(out, n.subject_id);
  out += ",\"customerId\":";
  AppendJsonString(out, n.customer_id);
  out += ",\"ticketNumber\":";
  AppendJsonString(out, n.ticket_number);
  out += ",\"audience\":";
  AppendJsonString(out, n.audience);
  out += ",\"text\":";
  AppendJsonString(out, n.text);
  out += '}';
  return out;
}

Result<int> WebhookNotifier::PostOnce(const std::string& body) {
  try {
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    tcp::resolver resolver(io);
    auto endpoints = resolver.resolve(host_, port_);
    stream.expires_after(options_.timeout);
    stream.connect(endpoints);
    http::request<http::string_body> req{http::verb::post, path_, 11};
    req.set(http::field::host, host_);
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    stream.expires_after(options_.timeout);
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return static_cast<int>(res.result_int());
  } catch (const std::exception& e) {
    return Unavailable("WEBHOOK_UNREACHABLE", std::string("webhook: ") + e.what());
  }
}

Status WebhookNotifier::Notify(const Notification& n) {
  const std::string body = ToJson(n);
  std::chrono::milliseconds backoff = options_.backoff;
  Status last = Status::Ok();
  for (int attempt = 1; attempt <= options_.attempts; ++attempt) {
    auto code = PostOnce(body);
    if (code.ok() && *code >= 200 && *code < 300) return Status::Ok();
    if (code.ok() && *code >= 400 && *code < 500) {
      return FailedPrecondition("WEBHOOK_REJECTED", "webhook answered " + std::to_string(*code));
    }
    last = code.ok() ? Unavailable("WEBHOOK_FAILED", "webhook answered " + std::to_string(*code))
                     : code.status();
    if (attempt < options_.attempts) {
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
  }
  return last;
}

}  // namespace aftersales::followup

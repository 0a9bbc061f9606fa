// The webhook adapter against a local HTTP server.
#include "services/followup/notify/notifier.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>

#include "services/common/http/http_server.h"

using namespace aftersales;
using namespace aftersales::followup;
using namespace std::chrono_literals;

namespace {

struct Receiver {
  std::mutex mu;
  std::vector<std::string> bodies;
  std::atomic<int> calls{0};
  std::atomic<int> fail_first{0};
  int fail_status = 503;
  std::unique_ptr<HttpServer> server;

  Receiver() {
    HttpServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    server = std::make_unique<HttpServer>(options, [this](const HttpRequest& req) {
      const int n = ++calls;
      if (n <= fail_first) return HttpResponse::Json(fail_status, "{}");
      std::lock_guard lock(mu);
      bodies.push_back(req.method + " " + req.path + " " + req.body);
      return HttpResponse::Json(200, "{}");
    });
    REQUIRE(server->Start().ok());
  }
  ~Receiver() { server->Shutdown(1s); }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server->port()) + "/hook"; }
};

Notification Escalation() {
  return {"COMPLAINT_ESCALATED", "K1", "C-1", "T-7", "manager", "complaint \"late\" escalated"};
}

}  // namespace

TEST_CASE("the webhook posts the notification as JSON") {
  Receiver receiver;
  auto notifier = WebhookNotifier::Create({receiver.Url(), 3, 2s, 10ms});
  REQUIRE(notifier.ok());
  REQUIRE((*notifier)->Notify(Escalation()).ok());
  std::lock_guard lock(receiver.mu);
  REQUIRE(receiver.bodies.size() == 1);
  CHECK(receiver.bodies[0] ==
        "POST /hook {\"kind\":\"COMPLAINT_ESCALATED\",\"subjectId\":\"K1\",\"customerId\":\"C-1\","
        "\"ticketNumber\":\"T-7\",\"audience\":\"manager\","
        "\"text\":\"complaint \\\"late\\\" escalated\"}");
}

TEST_CASE("the webhook retries a failing receiver a bounded number of times") {
  Receiver receiver;
  receiver.fail_first = 2;
  auto notifier = WebhookNotifier::Create({receiver.Url(), 3, 2s, 10ms});
  REQUIRE(notifier.ok());
  CHECK((*notifier)->Notify(Escalation()).ok());
  CHECK(receiver.calls == 3);

  Receiver down;
  down.fail_first = 100;
  auto giving_up = WebhookNotifier::Create({down.Url(), 3, 2s, 10ms});
  Status s = (*giving_up)->Notify(Escalation());
  CHECK(s.code() == Code::kUnavailable);
  CHECK(down.calls == 3);
}

TEST_CASE("the webhook does not retry a rejection") {
  Receiver receiver;
  receiver.fail_first = 100;
  receiver.fail_status = 400;
  auto notifier = WebhookNotifier::Create({receiver.Url(), 3, 2s, 10ms});
  CHECK((*notifier)->Notify(Escalation()).code() == Code::kFailedPrecondition);
  CHECK(receiver.calls == 1);
}

TEST_CASE("a bad webhook URL is rejected at start") {
  CHECK_FALSE(WebhookNotifier::Create({"https://x/y"}).ok());
  CHECK_FALSE(WebhookNotifier::Create({"http://:80/"}).ok());
  CHECK_FALSE(WebhookNotifier::Create({"http://host:8x/"}).ok());
  CHECK(WebhookNotifier::Create({"http://host/"}).ok());
}

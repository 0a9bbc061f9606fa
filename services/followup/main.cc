// The followup service process: the gRPC service, consumers of every
// service's event stream (its own included, for the report), and the worker
// that fires maintenance visits and complaint escalations.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "aftersales/followup/v1/followup.grpc.pb.h"
#include "services/common/host/service_host.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/uuid.h"
#include "services/common/streams/trim.h"
#include "services/followup/events/due_worker.h"
#include "services/followup/events/followup_consumers.h"
#include "services/followup/notify/notifier.h"
#include "services/followup/rpc/followup_service.h"

namespace {

std::string ConsumerName() {
  // The pod name in a cluster (stable across a container's restarts).
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0') return host;
  return "followup-1";
}

}  // namespace

int main() {
  using namespace aftersales;
  using namespace std::chrono;
  const Clock& clock = ServiceClock();  // a test clock in test mode only
  UuidGenerator ids;
  std::unique_ptr<followup::FollowupStore> store;
  followup::NotifierPtr notifier;
  std::vector<streams::ConsumerPtr> consumers;

  return RunService({"followup", 50054, 9104}, [&](ServiceHost& host) -> Result<ServiceParts> {
    EnvConfig& env = host.env();
    followup::FollowupPolicy policy;
    policy.return_visit_within = duration_cast<hours>(env.Duration(
        "AFTERSALES_FOLLOWUP_RETURN_VISIT_WITHIN", hours(72), hours(1), hours(24 * 30)));
    policy.reconfirm_after = duration_cast<hours>(
        env.Duration("AFTERSALES_FOLLOWUP_RECONFIRM_AFTER", hours(24), hours(1), hours(24 * 7)));
    policy.complaint_resolve_within = duration_cast<hours>(env.Duration(
        "AFTERSALES_FOLLOWUP_COMPLAINT_RESOLVE_WITHIN", hours(72), hours(1), hours(24 * 60)));
    const milliseconds due_interval =
        env.Duration("AFTERSALES_FOLLOWUP_DUE_INTERVAL", seconds(30), milliseconds(100), hours(1));
    // The report is rebuilt by replaying the streams, so the own stream keeps
    // its events long (the other services decide for theirs).
    const milliseconds keep_events = env.Duration("AFTERSALES_FOLLOWUP_KEEP_EVENTS",
                                                  hours(24 * 400), hours(1), hours(24 * 3660));
    const std::string webhook = env.String("AFTERSALES_NOTIFY_WEBHOOK_URL", "");
    const std::string consumer_name = env.String("AFTERSALES_CONSUMER_NAME", ConsumerName());
    const std::chrono::milliseconds claim_idle = StreamClaimIdle(env);
    if (Status s = env.Finish(); !s.ok()) return s;

    if (webhook.empty()) {
      notifier = std::make_unique<followup::LogNotifier>();
    } else {
      auto hook = followup::WebhookNotifier::Create({webhook});
      if (!hook.ok()) return hook.status();
      notifier = std::move(hook).value();
    }
    store = std::make_unique<followup::FollowupStore>(host.redis(), clock, ids, policy);
    for (const auto& stream : followup::ReportStreams()) {
      streams::ConsumerOptions options = followup::ConsumerOptionsFor(stream, consumer_name);
      options.claim_idle = claim_idle;
      auto created =
          streams::Consumer::Create(host.redis(), options, followup::EventHandler(*store));
      if (!created.ok()) return created.status();
      consumers.push_back(std::move(created).value());
    }

    ServiceParts parts;
    parts.grpc_services.push_back({followup::v1::FollowupService::service_full_name(),
                                   std::make_unique<followup::FollowupGrpcService>(*store, clock)});
    for (auto& consumer : consumers) {
      parts.workers.push_back([c = consumer.get()](std::stop_token stop) { c->Run(stop); });
    }
    parts.workers.push_back([&, due_interval](std::stop_token stop) {
      followup::RunDueWorker(stop, *store, *notifier, due_interval);
    });
    parts.workers.push_back([&pool = host.redis(), keep_events](std::stop_token stop) {
      std::mutex mu;
      std::condition_variable_any wakeup;
      while (!stop.stop_requested()) {
        auto r =
            streams::TrimStream(pool, followup::kFollowupEvents, keep_events, SystemClock().Now());
        if (!r.ok()) log::Warn("event stream trim failed", {{"error", r.status().ToString()}});
        std::unique_lock lock(mu);
        wakeup.wait_for(lock, stop, minutes(1), [] { return false; });
      }
    });
    return parts;
  });
}

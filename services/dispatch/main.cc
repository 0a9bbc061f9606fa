// The dispatch service process: the gRPC API, the consumers of intake's
// events and of followup's (maintenance visits), the escalation watchdog (which also re-plans the
// waiting queue), and trimming of dispatch's own stream.
#include <unistd.h>

#include <thread>

#include "aftersales/inventory/v1/inventory.grpc.pb.h"
#include "services/common/clock.h"
#include "services/common/grpc/client.h"
#include "services/common/grpc/server.h"
#include "services/common/host/service_host.h"
#include "services/common/runtime/log.h"
#include "services/common/streams/trim.h"
#include "services/dispatch/desk/dispatch_desk.h"
#include "services/dispatch/events/followup_events.h"
#include "services/dispatch/events/intake_events.h"
#include "services/dispatch/rpc/dispatch_service.h"
#include "services/dispatch/storage/keys.h"

namespace aftersales::dispatch {
namespace {

// Sleeps up to `d`, waking early when stop is requested.
void SleepFor(std::stop_token stop, std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!stop.stop_requested() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(
        std::min<std::chrono::milliseconds>(d, std::chrono::milliseconds(50)));
  }
}

std::string DefaultConsumerName() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0') return host;
  return "dispatch";
}

}  // namespace
}  // namespace aftersales::dispatch

int main() {
  using namespace aftersales;
  using namespace aftersales::dispatch;
  static const Clock& clock = ServiceClock();  // a test clock in test mode only
  std::unique_ptr<DispatchDesk> desk;
  streams::ConsumerPtr intake_consumer;
  std::unique_ptr<IntakeInstallBase> install_base;
  streams::ConsumerPtr followup_consumer;

  return RunService({"dispatch", 50052, 9102}, [&](ServiceHost& host) -> Result<ServiceParts> {
    EnvConfig& env = host.env();
    // host:port, or "ipv4:a:p1,b:p2" to spread calls over several replicas.
    const std::string inventory_addr = env.String("AFTERSALES_INVENTORY_ADDR", "127.0.0.1:50053");
    // Sites and assets for maintenance visits.
    const std::string intake_addr = env.String("AFTERSALES_INTAKE_ADDR", "127.0.0.1:50051");
    const auto intake_deadline =
        env.Duration("AFTERSALES_DISPATCH_INTAKE_DEADLINE", std::chrono::seconds(3),
                     std::chrono::milliseconds(50), std::chrono::minutes(1));
    // "PK-=parking,AC-=access,*=parking": product line by asset model.
    const std::string maintenance_skills = env.String("AFTERSALES_DISPATCH_MAINTENANCE_SKILLS", "");
    const auto watchdog_every =
        env.Duration("AFTERSALES_DISPATCH_WATCHDOG_INTERVAL", std::chrono::seconds(1),
                     std::chrono::milliseconds(10), std::chrono::minutes(10));
    const auto inventory_deadline =
        env.Duration("AFTERSALES_DISPATCH_INVENTORY_DEADLINE", std::chrono::seconds(3),
                     std::chrono::milliseconds(50), std::chrono::minutes(1));
    const auto keep_events = env.Duration("AFTERSALES_DISPATCH_EVENT_RETENTION",
                                          std::chrono::hours(24 * 7), std::chrono::minutes(1));
    const std::string consumer = env.String("AFTERSALES_CONSUMER_NAME", DefaultConsumerName());
    const std::chrono::milliseconds claim_idle = StreamClaimIdle(env);
    if (Status s = env.Finish(); !s.ok()) return s;
    if (Status s = grpcx::ValidateAddress(inventory_addr, "AFTERSALES_INVENTORY_ADDR"); !s.ok()) {
      return InvalidArgument("INVALID_CONFIG", s.message());
    }
    if (Status s = grpcx::ValidateAddress(intake_addr, "AFTERSALES_INTAKE_ADDR"); !s.ok()) {
      return InvalidArgument("INVALID_CONFIG", s.message());
    }
    auto skills =
        MaintenanceSkills::Parse(maintenance_skills, "AFTERSALES_DISPATCH_MAINTENANCE_SKILLS");
    if (!skills.ok()) return skills.status();

    DispatchDeskOptions options;
    options.inventory_deadline = inventory_deadline;
    options.maintenance_skills = *skills;
    desk = std::make_unique<DispatchDesk>(
        host.redis(), clock,
        inventory::v1::InventoryService::NewStub(grpcx::MakeChannel(inventory_addr)), options);
    streams::ConsumerOptions from_intake = IntakeConsumerOptions(consumer);
    from_intake.claim_idle = claim_idle;
    auto c = MakeIntakeConsumer(host.redis(), *desk, std::move(from_intake));
    if (!c.ok()) return c.status();
    intake_consumer = std::move(c).value();
    install_base = std::make_unique<IntakeInstallBase>(
        intake::v1::IntakeService::NewStub(grpcx::MakeChannel(intake_addr)), intake_deadline);
    streams::ConsumerOptions from_followup = FollowupConsumerOptions(consumer);
    from_followup.claim_idle = claim_idle;
    auto f = MakeFollowupConsumer(host.redis(), *desk, *install_base, std::move(from_followup));
    if (!f.ok()) return f.status();
    followup_consumer = std::move(f).value();

    ServiceParts parts;
    parts.grpc_services.push_back(
        {v1::DispatchService::service_full_name(), std::make_unique<DispatchServiceImpl>(*desk)});
    parts.workers.push_back([c = intake_consumer.get()](std::stop_token stop) { c->Run(stop); });
    parts.workers.push_back([c = followup_consumer.get()](std::stop_token stop) { c->Run(stop); });
    // Every replica runs the watchdog; each escalation step is claimed by
    // exactly one (DispatchDesk::FireDueEscalations).
    parts.workers.push_back([d = desk.get(), watchdog_every](std::stop_token stop) {
      while (!stop.stop_requested()) {
        Result<int> fired = d->FireDueEscalations(200);
        if (!fired.ok())
          log::Warn("escalation sweep failed", {{"error", fired.status().ToString()}});
        Result<int> placed = d->ReplanQueue();
        if (!placed.ok())
          log::Warn("queue re-plan failed", {{"error", placed.status().ToString()}});
        if (fired.ok() && *fired == 200) continue;  // more are due: no pause
        SleepFor(stop, watchdog_every);
      }
    });
    parts.workers.push_back([&pool = host.redis(), keep_events](std::stop_token stop) {
      while (!stop.stop_requested()) {
        Result<streams::TrimResult> r =
            streams::TrimStream(pool, keys::Events(), keep_events, SystemClock().Now());
        if (!r.ok()) log::Warn("event stream trim failed", {{"error", r.status().ToString()}});
        SleepFor(stop, std::chrono::minutes(1));
      }
    });
    return parts;
  });
}

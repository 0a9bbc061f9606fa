// The intake service process: the gRPC API, the clock watchdog, the
// consumers of dispatch's and followup's events, and stream trimming.
#include <unistd.h>

#include <thread>

#include "services/common/clock.h"
#include "services/common/host/service_host.h"
#include "services/common/runtime/log.h"
#include "services/common/streams/trim.h"
#include "services/intake/events/intake_consumers.h"
#include "services/intake/rpc/intake_service.h"
#include "services/intake/storage/batch_writer.h"
#include "services/intake/storage/intake_store.h"
#include "services/intake/storage/keys.h"
#include "services/intake/tickets/ticket_desk.h"

namespace aftersales::intake {
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
  return "intake";
}

}  // namespace
}  // namespace aftersales::intake

int main() {
  using namespace aftersales;
  using namespace aftersales::intake;
  static const Clock& clock = ServiceClock();  // a test clock in test mode only
  std::unique_ptr<IntakeStore> store;
  std::unique_ptr<TicketDesk> desk;
  std::unique_ptr<BatchTicketWriter> writer;
  streams::ConsumerPtr dispatch_consumer;
  streams::ConsumerPtr followup_consumer;

  return RunService({"intake", 50051, 9101}, [&](ServiceHost& host) -> Result<ServiceParts> {
    EnvConfig& env = host.env();
    const auto sweep_every =
        env.Duration("AFTERSALES_INTAKE_WATCHDOG_INTERVAL", std::chrono::seconds(1),
                     std::chrono::milliseconds(10), std::chrono::minutes(10));
    const auto keep_events = env.Duration("AFTERSALES_INTAKE_EVENT_RETENTION",
                                          std::chrono::hours(24 * 7), std::chrono::minutes(1));
    const std::string consumer = env.String("AFTERSALES_CONSUMER_NAME", DefaultConsumerName());
    const std::chrono::milliseconds claim_idle = StreamClaimIdle(env);
    // The business calendar's zone and holidays: a deployment's own.
    const std::chrono::minutes utc_offset(
        env.Int("AFTERSALES_UTC_OFFSET_MINUTES", 8 * 60, -18 * 60, 18 * 60));
    const std::string holidays = env.String("AFTERSALES_HOLIDAYS", "");
    const std::string workdays = env.String("AFTERSALES_WORKDAYS", "");
    if (Status s = env.Finish(); !s.ok()) return s;
    Result<BusinessCalendarSpec> calendar = SpecFromSettings(
        utc_offset, holidays, workdays, "AFTERSALES_HOLIDAYS", "AFTERSALES_WORKDAYS");
    if (!calendar.ok()) {
      return InvalidArgument("INVALID_CONFIG", calendar.status().message());
    }

    store = std::make_unique<IntakeStore>(host.redis());
    TicketDeskOptions desk_options;
    desk_options.utc_offset = utc_offset;
    desk_options.calendar = *BusinessCalendar::Create(*calendar);
    desk = std::make_unique<TicketDesk>(*store, clock, desk_options);
    writer = std::make_unique<BatchTicketWriter>(*store);
    Result<streams::ConsumerPtr> d =
        MakeDispatchConsumer(host.redis(), *desk, consumer, std::chrono::seconds(2), claim_idle);
    if (!d.ok()) return d.status();
    dispatch_consumer = std::move(d).value();
    Result<streams::ConsumerPtr> f =
        MakeFollowupConsumer(host.redis(), *desk, consumer, std::chrono::seconds(2), claim_idle);
    if (!f.ok()) return f.status();
    followup_consumer = std::move(f).value();

    ServiceParts parts;
    // The writer's thread returns connections to the pool: it must end before
    // the host closes the pool (TSan caught it running past ~RedisPool).
    parts.on_stop.push_back([&writer] { writer.reset(); });
    parts.grpc_services.push_back({v1::IntakeService::service_full_name(),
                                   std::make_unique<IntakeService>(*desk, writer.get())});
    parts.workers.push_back([c = dispatch_consumer.get()](std::stop_token stop) { c->Run(stop); });
    parts.workers.push_back([c = followup_consumer.get()](std::stop_token stop) { c->Run(stop); });
    // The clock watchdog: every replica runs it; each due warning or breach is
    // claimed by exactly one (see TicketDesk::SweepClocks).
    parts.workers.push_back([d = desk.get(), sweep_every](std::stop_token stop) {
      while (!stop.stop_requested()) {
        Result<int> fired = d->SweepClocks(200);
        if (!fired.ok()) {
          log::Warn("clock sweep failed", {{"error", fired.status().ToString()}});
        } else if (*fired == 200) {
          continue;  // more are due: no pause
        }
        SleepFor(stop, sweep_every);
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

#include "services/intake/events/intake_consumers.h"

#include <google/protobuf/util/time_util.h>

#include "aftersales/events/v1/dispatch_events.pb.h"
#include "aftersales/events/v1/followup_events.pb.h"
#include "services/common/runtime/log.h"
#include "services/intake/storage/keys.h"

namespace aftersales::intake {
namespace {

namespace ev = ::aftersales::events::v1;

constexpr std::chrono::seconds kHandledTtl{7 * 24 * 3600};

Handled MarkOf(const streams::Event& event) {
  return streams::MarkHandledArgs{
      streams::HandledKey(keys::kHandledPrefix, kConsumerGroup, event.event_id),
      std::to_string(kHandledTtl.count())};
}

template <typename M>
Result<M> Parse(const streams::Event& event) {
  M m;
  if (!m.ParseFromString(event.payload)) {
    return InvalidArgument("MALFORMED_EVENT",
                           event.type + " " + event.event_id + " does not parse");
  }
  return m;
}

TimePoint ToTime(const google::protobuf::Timestamp& ts, TimePoint fallback) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return fallback;
  return FromUnixMillis(google::protobuf::util::TimeUtil::TimestampToMilliseconds(ts));
}

// Events about tickets that are not intake's (a bad number) are acknowledged
// and logged: retrying cannot make them ours. A MAINTENANCE work order (a
// maintenance plan's visit) has no ticket at all: acknowledged silently.
template <typename M, typename F>
Status OnTicket(const streams::Event& event, F&& effect) {
  Result<M> m = Parse<M>(event);
  if (!m.ok()) return m.status();
  if constexpr (requires { m->kind(); }) {
    if (m->kind() == "MAINTENANCE") return Status::Ok();
  }
  Result<FaultNumber> n = FaultNumber::Parse(m->ticket_number());
  if (!n.ok()) {
    log::Warn("event names no ticket of ours",
              {{"type", event.type}, {"event_id", event.event_id}, {"ticket", m->ticket_number()}});
    return Status::Ok();
  }
  return effect(*m, *n);
}

}  // namespace

Status HandleDispatchEvent(TicketDesk& desk, const streams::Event& event) {
  const Handled handled = MarkOf(event);
  if (event.type == ev::WorkOrderAssigned::descriptor()->full_name()) {
    return OnTicket<ev::WorkOrderAssigned>(event, [&](const auto& m, const FaultNumber& n) {
      const std::string engineer = m.engineer_name().empty() ? m.engineer_id() : m.engineer_name();
      return desk.WorkOrderAssigned(n, m.work_order_id(), engineer, handled);
    });
  }
  if (event.type == ev::WorkOrderArrived::descriptor()->full_name()) {
    return OnTicket<ev::WorkOrderArrived>(event, [&](const auto& m, const FaultNumber& n) {
      return desk.EngineerArrived(n, m.work_order_id(),
                                  ToTime(m.arrive_time(), FromUnixMillis(event.time_ms)), handled);
    });
  }
  if (event.type == ev::WorkOrderDone::descriptor()->full_name()) {
    return OnTicket<ev::WorkOrderDone>(event, [&](const auto& m, const FaultNumber& n) {
      std::string summary = m.actions();
      if (summary.empty()) summary = m.findings();
      if (!m.fixed() && !m.next_step().empty()) summary += " (next: " + m.next_step() + ")";
      return desk.WorkDone(n, m.work_order_id(), m.fixed(), summary, handled);
    });
  }
  if (event.type == ev::WorkOrderSignedOff::descriptor()->full_name()) {
    return OnTicket<ev::WorkOrderSignedOff>(event, [&](const auto& m, const FaultNumber& n) {
      return desk.SignedOff(n, m.work_order_id(), m.signed_by(), handled);
    });
  }
  return Status::Ok();
}

Status HandleFollowupEvent(TicketDesk& desk, const streams::Event& event) {
  const Handled handled = MarkOf(event);
  if (event.type == ev::ReconfirmFailed::descriptor()->full_name()) {
    return OnTicket<ev::ReconfirmFailed>(event, [&](const auto& m, const FaultNumber& n) {
      return desk.ReconfirmFailed(n, m.comment(), handled);
    });
  }
  if (event.type == ev::ComplaintOpened::descriptor()->full_name()) {
    return OnTicket<ev::ComplaintOpened>(event, [&](const auto& m, const FaultNumber& n) {
      return desk.ComplaintOpened(n, m.complaint_id(), m.text(), handled);
    });
  }
  return Status::Ok();
}

namespace {
Result<streams::ConsumerPtr> Make(redis::RedisPool& pool, const std::string& stream,
                                  const std::string& consumer, std::chrono::milliseconds block,
                                  std::chrono::milliseconds claim_idle,
                                  std::vector<std::string> types,
                                  std::function<Status(const streams::Event&)> handler) {
  streams::ConsumerOptions options;
  options.stream = stream;
  options.group = kConsumerGroup;
  options.consumer = consumer;
  options.block = block;
  options.claim_idle = claim_idle;
  options.handled_prefix = keys::kHandledPrefix;
  options.handled_ttl = kHandledTtl;
  options.types = std::move(types);
  return streams::Consumer::Create(pool, options, std::move(handler));
}
}  // namespace

Result<streams::ConsumerPtr> MakeDispatchConsumer(redis::RedisPool& pool, TicketDesk& desk,
                                                  const std::string& consumer,
                                                  std::chrono::milliseconds block,
                                                  std::chrono::milliseconds claim_idle) {
  return Make(pool, keys::kDispatchEvents, consumer, block, claim_idle,
              {ev::WorkOrderAssigned::descriptor()->full_name(),
               ev::WorkOrderArrived::descriptor()->full_name(),
               ev::WorkOrderDone::descriptor()->full_name(),
               ev::WorkOrderSignedOff::descriptor()->full_name()},
              [&desk](const streams::Event& e) { return HandleDispatchEvent(desk, e); });
}

Result<streams::ConsumerPtr> MakeFollowupConsumer(redis::RedisPool& pool, TicketDesk& desk,
                                                  const std::string& consumer,
                                                  std::chrono::milliseconds block,
                                                  std::chrono::milliseconds claim_idle) {
  return Make(pool, keys::kFollowupEvents, consumer, block, claim_idle,
              {ev::ReconfirmFailed::descriptor()->full_name(),
               ev::ComplaintOpened::descriptor()->full_name()},
              [&desk](const streams::Event& e) { return HandleFollowupEvent(desk, e); });
}

}  // namespace aftersales::intake

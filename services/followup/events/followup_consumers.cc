#include "services/followup/events/followup_consumers.h"

#include <algorithm>
#include <tuple>

#include "aftersales/events/v1/dispatch_events.pb.h"
#include "aftersales/events/v1/followup_events.pb.h"
#include "aftersales/events/v1/intake_events.pb.h"
#include "aftersales/events/v1/inventory_events.pb.h"
#include "services/followup/storage/keys.h"

namespace aftersales::followup {
namespace {

namespace ev = ::aftersales::events::v1;

TimePoint Time(const google::protobuf::Timestamp& ts) {
  return FromUnixMillis(ts.seconds() * 1000 + ts.nanos() / 1'000'000);
}

template <typename M>
std::optional<M> Parse(const streams::Event& e) {
  if (e.type != M::descriptor()->full_name()) return std::nullopt;
  M m;
  if (!m.ParseFromString(e.payload)) return std::nullopt;
  return m;
}

// The report's figures are about faults (response, arrival, repair, first
// fix, repeat visits): a maintenance plan's visit counts in none of them.
bool IsMaintenance(const std::string& kind) { return kind == "MAINTENANCE"; }

Status Malformed(const streams::Event& e) {
  return InvalidArgument("MALFORMED_EVENT", e.type + " payload does not parse");
}

// A signed-off maintenance work order completes its MAINTENANCE task (no
// return visit: nothing was broken, nobody is asked for satisfaction).
// Idempotent by the work order's request id; a task care staff closed by hand
// or that does not exist is left as it is.
Status CompleteMaintenance(FollowupStore& store, const ev::WorkOrderSignedOff& m) {
  if (m.followup_id().empty()) return Status::Ok();
  std::string actor = "engineer:";
  actor += m.engineer_id();
  auto done = store.CompleteTask(
      m.followup_id(), MaintenanceAnswer(m.engineer_id(), m.work_order_id(), m.findings()), actor,
      MaintenanceCompletionRequest(m.work_order_id()));
  if (done.ok()) return Status::Ok();
  const Status& s = done.status();
  if (s.reason() == "FOLLOWUP_DONE" || s.code() == Code::kNotFound) return Status::Ok();
  return s;
}

}  // namespace

std::vector<std::string> ReportStreams() {
  return {kIntakeEvents, kDispatchEvents, kInventoryEvents, kFollowupEvents};
}

std::optional<ReportEvent> ToReportEvent(const streams::Event& event) {
  using K = ReportEvent::Kind;
  ReportEvent r;
  if (auto m = Parse<ev::TicketReported>(event)) {
    r.kind = K::kTicketReported;
    r.time = Time(m->report_time());
    r.ticket = m->ticket_number();
    r.branch = m->branch();
  } else if (auto m = Parse<ev::TicketOnsiteRequested>(event)) {
    r.kind = K::kTicketOnsiteRequested;
    r.time = Time(m->request_time());
    r.start = Time(m->report_time());
    r.ticket = m->ticket_number();
    r.branch = m->branch();
    r.product_line = m->required_skill();
  } else if (auto m = Parse<ev::TicketResponded>(event)) {
    r.kind = K::kTicketResponded;
    r.time = Time(m->respond_time());
    r.start = Time(m->report_time());
    r.ticket = m->ticket_number();
    r.branch = m->branch();
    r.severity = m->severity();
  } else if (auto m = Parse<ev::ClockBreached>(event)) {
    r.kind = K::kClockBreached;
    r.time = Time(m->breach_time());
    r.ticket = m->ticket_number();
    r.branch = m->branch();
    r.severity = m->severity();
    r.clock = m->clock();
  } else if (auto m = Parse<ev::WorkOrderAssigned>(event)) {
    if (IsMaintenance(m->kind())) return std::nullopt;
    r.kind = K::kWorkOrderAssigned;
    r.time = Time(m->assign_time());
    r.ticket = m->ticket_number();
    r.work_order = m->work_order_id();
    r.branch = m->branch();
    r.severity = m->severity();
  } else if (auto m = Parse<ev::WorkOrderArrived>(event)) {
    if (IsMaintenance(m->kind())) return std::nullopt;
    r.kind = K::kWorkOrderArrived;
    r.time = Time(m->arrive_time());
    r.ticket = m->ticket_number();
    r.work_order = m->work_order_id();
    r.met = m->onsite_met();
  } else if (auto m = Parse<ev::WorkOrderClockBreached>(event)) {
    if (IsMaintenance(m->kind())) return std::nullopt;
    r.kind = K::kWorkOrderClockBreached;
    r.time = Time(m->breach_time());
    r.ticket = m->ticket_number();
    r.work_order = m->work_order_id();
    r.branch = m->branch();
    r.severity = m->severity();
    r.clock = m->clock();
  } else if (auto m = Parse<ev::WorkOrderDone>(event)) {
    if (IsMaintenance(m->kind())) return std::nullopt;
    r.kind = K::kWorkOrderDone;
    r.time = Time(m->complete_time());
    r.start = Time(m->arrive_time());
    if (m->has_repair_due()) r.due = Time(m->repair_due());
    r.ticket = m->ticket_number();
    r.work_order = m->work_order_id();
    r.branch = m->branch();
    r.product_line = m->required_skill();
    r.asset = m->asset_serial();
    r.severity = m->severity();
    r.met = m->fixed();
    r.visit = m->visit();
    for (const auto& p : m->parts_used()) r.parts.emplace_back(p.sku(), p.quantity());
  } else if (auto m = Parse<ev::ReturnOverdue>(event)) {
    r.kind = K::kReturnOverdue;
    r.time = Time(m->detect_time());
    r.ticket = m->ticket_number();
  } else if (auto m = Parse<ev::FollowupCompleted>(event)) {
    if (m->kind() != "RETURN_VISIT" || m->satisfaction() < 1) return std::nullopt;
    r.kind = K::kSurveyAnswered;
    r.time = Time(m->complete_time());
    r.ticket = m->ticket_number();
    r.score = m->satisfaction();
  } else if (auto m = Parse<ev::ComplaintOpened>(event)) {
    r.kind = K::kComplaintOpened;
    r.time = Time(m->open_time());
    r.ticket = m->ticket_number();
  } else if (auto m = Parse<ev::ComplaintAdvanced>(event)) {
    if (m->status() != "RESOLVED") return std::nullopt;
    r.kind = K::kComplaintResolved;
    r.time = Time(m->advance_time());
    r.ticket = m->ticket_number();
  } else {
    return std::nullopt;
  }
  // An event without its own time is counted when it was published.
  if (r.time.time_since_epoch().count() == 0) r.time = FromUnixMillis(event.time_ms);
  return r;
}

Status HandleEvent(FollowupStore& store, const streams::Event& event) {
  const FollowupPolicy& policy = store.policy();
  const std::string marker = keys::EffectHandled(event.event_id, "task");
  const TimePoint published = FromUnixMillis(event.time_ms);
  auto task_status = [](const Result<bool>& r) { return r.ok() ? Status::Ok() : r.status(); };

  if (event.type == ev::WorkOrderSignedOff::descriptor()->full_name()) {
    auto m = Parse<ev::WorkOrderSignedOff>(event);
    if (!m) return Malformed(event);
    if (IsMaintenance(m->kind())) return CompleteMaintenance(store, *m);
    const TimePoint at = m->has_sign_off_time() ? Time(m->sign_off_time()) : published;
    Task t = NewReturnVisit(event.event_id, m->ticket_number(), m->customer_id(), m->asset_serial(),
                            at, published, policy);
    Status s = task_status(
        store.CreateTask(t, ReturnVisitSource(m->work_order_id(), m->ticket_number(), at), marker));
    if (!s.ok()) return s;
  } else if (event.type == ev::TicketResolved::descriptor()->full_name()) {
    auto m = Parse<ev::TicketResolved>(event);
    if (!m) return Malformed(event);
    const TimePoint at = m->has_resolve_time() ? Time(m->resolve_time()) : published;
    Task t = NewReturnVisit(event.event_id, m->ticket_number(), m->customer_id(), m->asset_serial(),
                            at, published, policy);
    Status s = task_status(
        store.CreateTask(t, ReturnVisitSource(m->work_order_id(), m->ticket_number(), at), marker));
    if (!s.ok()) return s;
  } else if (event.type == ev::TicketResolvedByPhone::descriptor()->full_name()) {
    auto m = Parse<ev::TicketResolvedByPhone>(event);
    if (!m) return Malformed(event);
    const TimePoint at = m->has_resolve_time() ? Time(m->resolve_time()) : published;
    std::optional<TimePoint> due;
    if (m->has_reconfirm_due_time()) due = Time(m->reconfirm_due_time());
    Task t = NewReconfirm(event.event_id, m->ticket_number(), m->customer_id(), m->asset_serial(),
                          at, due, published, policy);
    Status s = task_status(store.CreateTask(t, ReconfirmSource(m->ticket_number(), at), marker));
    if (!s.ok()) return s;
  } else if (event.type == ev::TicketOnsiteRequested::descriptor()->full_name()) {
    auto m = Parse<ev::TicketOnsiteRequested>(event);
    if (!m) return Malformed(event);
    if (Status s = store.RememberContact(m->ticket_number(), m->contact_name(), m->contact_phone());
        !s.ok()) {
      return s;
    }
  } else if (event.type == ev::TicketReported::descriptor()->full_name()) {
    auto m = Parse<ev::TicketReported>(event);
    if (!m) return Malformed(event);
    if (Status s = store.RememberOwner(m->customer_id(), m->site_id(), m->asset_serial(),
                                       m->asset_model());
        !s.ok()) {
      return s;
    }
    const TimePoint at = m->has_report_time() ? Time(m->report_time()) : published;
    if (m->kind() != common::v1::CONSULTATION) {
      if (Status s = store.RecordFault(m->asset_serial(), m->site_id(), at, event.event_id);
          !s.ok()) {
        return s;
      }
    }
    if (!m->warranty().until().empty() && !m->asset_serial().empty()) {
      // The reminder is due relative to the warranty, so "now" is the event's time.
      if (auto t = NewExpiryReminder(event.event_id, m->customer_id(), m->asset_serial(),
                                     m->warranty().until(), at, policy)) {
        Status s = task_status(
            store.CreateTask(*t, ExpirySource(m->asset_serial(), m->warranty().until()), marker));
        if (!s.ok()) return s;
      }
    }
  }

  if (auto r = ToReportEvent(event)) return store.ApplyReport(event.event_id, *r);
  return Status::Ok();
}

streams::Consumer::Handler EventHandler(FollowupStore& store) {
  return [&store](const streams::Event& event) { return HandleEvent(store, event); };
}

streams::ConsumerOptions ConsumerOptionsFor(const std::string& stream,
                                            const std::string& consumer) {
  streams::ConsumerOptions options;
  options.stream = stream;
  options.group = kConsumerGroup;
  options.consumer = consumer;
  options.handled_prefix = "{followup}:";
  return options;
}

Result<int64_t> RebuildReport(redis::RedisPool& pool, FollowupStore& store, bool clear) {
  if (clear) {
    if (Status s = store.ClearReport(); !s.ok()) return s;
  }
  // (time, stream order, entry id) so that equal times keep a stable order.
  std::vector<std::tuple<int64_t, size_t, streams::StreamId, streams::Event>> all;
  const auto streams_list = ReportStreams();
  for (size_t si = 0; si < streams_list.size(); ++si) {
    std::string from = "-";
    for (int page = 0; page < 100000; ++page) {
      auto r = pool.Command({"XRANGE", streams_list[si], from, "+", "COUNT", "1000"});
      if (!r.ok()) return r.status();
      if (r->size() == 0) break;
      std::string last;
      for (size_t i = 0; i < r->size(); ++i) {
        auto e = streams::EventFromEntry((*r)[i]);
        last = (*r)[i][0].string();
        if (!e.ok()) continue;  // a malformed entry is the dead-letter tool's business
        auto id = streams::StreamId::Parse(e->stream_id).value_or(streams::StreamId{});
        const int64_t t = ToReportEvent(*e) ? ToUnixMillis(ToReportEvent(*e)->time) : e->time_ms;
        all.emplace_back(t, si, id, *e);
      }
      auto next = streams::StreamId::Parse(last);
      if (!next) break;
      from = next->Next().ToString();
      if (r->size() < 1000) break;
    }
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a), std::get<2>(a)) <
           std::tie(std::get<0>(b), std::get<1>(b), std::get<2>(b));
  });
  int64_t applied = 0;
  for (const auto& entry : all) {
    const streams::Event& e = std::get<3>(entry);
    if (auto r = ToReportEvent(e)) {
      if (Status s = store.ApplyReport(e.event_id, *r); !s.ok()) return s;
      ++applied;
    }
  }
  return applied;
}

}  // namespace aftersales::followup

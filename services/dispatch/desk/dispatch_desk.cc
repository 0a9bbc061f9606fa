#include "services/dispatch/desk/dispatch_desk.h"

#include <google/protobuf/util/time_util.h>
#include <grpcpp/client_context.h>

#include <algorithm>
#include <charconv>

#include "aftersales/events/v1/dispatch_events.pb.h"
#include "services/common/grpc/client.h"
#include "services/common/grpc/status_mapping.h"
#include "services/common/runtime/uuid.h"
#include "services/common/streams/outbox.h"
#include "services/dispatch/storage/keys.h"

namespace aftersales::dispatch {
namespace {

namespace ev = ::aftersales::events::v1;
namespace cv1 = ::aftersales::common::v1;
using google::protobuf::Timestamp;
using WO = v1::WorkOrder;

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;

Timestamp Ts(TimePoint t) {
  return google::protobuf::util::TimeUtil::MillisecondsToTimestamp(ToUnixMillis(t));
}
TimePoint FromTs(const Timestamp& ts) {
  return FromUnixMillis(google::protobuf::util::TimeUtil::TimestampToMilliseconds(ts));
}

streams::EventToPublish MakeEvent(const google::protobuf::Message& message,
                                  const std::string& aggregate, TimePoint now) {
  return {NewUuid(), message.GetDescriptor()->full_name(), aggregate, ToUnixMillis(now),
          message.SerializeAsString()};
}

std::string HistoryLine(TimePoint now, WO::Status from, WO::Status to, const std::string& actor,
                        const std::string& note) {
  v1::WorkOrderHistoryEntry entry;
  *entry.mutable_time() = Ts(now);
  entry.set_from_status(WO::Status_Name(from));
  entry.set_to_status(WO::Status_Name(to));
  entry.set_actor(actor);
  entry.set_note(note);
  return entry.SerializeAsString();
}

void WriteWorkOrder(Commit& c, const WO& wo, int64_t version) {
  const WorkOrderFields f = FieldsOf(wo);
  const std::string key = keys::WorkOrder(wo.id());
  c.HSet(key, "proto", f.proto);
  c.HSet(key, "status", f.status);
  c.HSet(key, "engineer", f.engineer);
  c.HSet(key, "version", std::to_string(version));
}

const char* ClockName(ClockKind kind) {
  return kind == ClockKind::kOnsiteArrival ? "ONSITE_ARRIVAL" : "REPAIR";
}

std::string StepMember(const std::string& wo_id, ClockKind kind, EscalationLevel level) {
  std::string m = wo_id;
  m += '|';
  m += ClockName(kind);
  m += '|';
  m += std::to_string(static_cast<int>(level));
  return m;
}

void ScheduleClock(Commit& c, const std::string& wo_id, ClockKind kind, TimePoint start,
                   TimePoint due, const EscalationPolicy& policy) {
  auto steps = EscalationSteps(start, due, policy);
  if (!steps.ok()) return;
  for (const EscalationStep& s : *steps) {
    c.ZAdd(keys::Clocks(), static_cast<double>(ToUnixMillis(s.at)),
           StepMember(wo_id, kind, s.level));
  }
}

void UnscheduleClock(Commit& c, const std::string& wo_id, ClockKind kind) {
  for (EscalationLevel l :
       {EscalationLevel::kWarning, EscalationLevel::kBreach, EscalationLevel::kManager}) {
    c.ZRem(keys::Clocks(), StepMember(wo_id, kind, l));
  }
}

double QueueScore(const WO& wo) {
  // Most severe first, then earliest due.
  return static_cast<double>(wo.severity()) * 1e13 +
         static_cast<double>(
             google::protobuf::util::TimeUtil::TimestampToMilliseconds(wo.onsite_due()));
}

cv1::Deadline* FindDeadline(WO& wo, cv1::DeadlineClock clock) {
  for (auto& d : *wo.mutable_deadlines()) {
    if (d.clock() == clock) return &d;
  }
  return nullptr;
}

bool IsOpen(WO::Status s) {
  return s == WO::ASSIGNED || s == WO::ACCEPTED || s == WO::TRAVELLING || s == WO::ON_SITE;
}

bool IsMaintenance(const WO& wo) { return wo.kind() == WO::MAINTENANCE; }

// Work orders stored before kinds existed are fault work orders.
std::string KindName(const WO& wo) { return IsMaintenance(wo) ? "MAINTENANCE" : "FAULT"; }

// The key the job is planned under (engineer jobs, pre-emption).
std::string JobKeyOf(const WO& wo) {
  return JobKey(IsMaintenance(wo) ? WorkOrderKind::kMaintenance : WorkOrderKind::kFault,
                wo.ticket_number(), wo.followup_id());
}

// What makes a work order once only: the ticket's on-site request, or the
// MAINTENANCE followup.
std::string CreationKey(const WO& wo) {
  return IsMaintenance(wo) ? keys::MaintenanceVisit(wo.followup_id())
                           : keys::OnsiteRequest(wo.ticket_number(), wo.visit());
}

// Every work-order event says the kind; those a MAINTENANCE followup is
// closed from also name the followup and its plan.
template <typename E>
void Stamp(E& e, const WO& wo) {
  e.set_kind(KindName(wo));
  if constexpr (requires { e.set_followup_id(std::string()); }) {
    e.set_followup_id(wo.followup_id());
    e.set_maintenance_plan_id(wo.maintenance_plan_id());
  }
}

Status StateForbids(const WO& wo, std::string_view step) {
  std::string msg = "work order ";
  msg += wo.id();
  msg += " is ";
  msg += WO::Status_Name(wo.status());
  msg += "; cannot ";
  msg += step;
  return FailedPrecondition("WORK_ORDER_STATE_FORBIDS_STEP", msg);
}

Status WorkOrderNotFound(const std::string& id) {
  std::string msg = "work order ";
  msg += id;
  msg += " does not exist";
  return NotFound("WORK_ORDER_NOT_FOUND", msg);
}

Status CheckPosition(double lat, double lng) {
  Validator v;
  v.Check(lat >= -90.0 && lat <= 90.0, "latitude", "must be between -90 and 90");
  v.Check(lng >= -180.0 && lng <= 180.0, "longitude", "must be between -180 and 180");
  return v.ToStatus();
}

Result<int> PageSize(int32_t requested) {
  if (requested < 0) {
    return InvalidArgument("INVALID_PAGE_SIZE", "page_size must not be negative",
                           {{"page_size", "must not be negative"}});
  }
  if (requested == 0) return kDefaultPageSize;
  return std::min(requested, kMaxPageSize);
}

Result<int64_t> PageOffset(const std::string& token) {
  if (token.empty()) return int64_t{0};
  int64_t v = 0;
  auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
  if (ec != std::errc() || p != token.data() + token.size() || v < 0) {
    return InvalidArgument("INVALID_PAGE_TOKEN", "page_token is not one this service gave",
                           {{"page_token", "not a token from a previous page"}});
  }
  return v;
}

// Empty roster: on call 7x24.
template <typename Shifts>
DutyRoster RosterOf(const Shifts& shifts, int utc_offset_minutes) {
  if (shifts.empty()) return DutyRoster::AlwaysOn(utc_offset_minutes);
  std::vector<WeeklyShift> weekly;
  for (const auto& shift : shifts) weekly.push_back({shift.start_minute(), shift.end_minute()});
  return DutyRoster(utc_offset_minutes, std::move(weekly));
}

// The domain names roster fields as its own struct does; the API has them
// flat on the engineer.
Status WithRosterFieldNames(const Status& status) {
  if (status.ok()) return status;
  std::vector<FieldViolation> violations;
  for (FieldViolation v : status.field_violations()) {
    if (v.field == "roster.utc_offset_minutes") {
      v.field = "utc_offset_minutes";
    } else if (v.field.rfind("roster.shifts", 0) == 0) {
      v.field = "roster" + v.field.substr(std::string("roster.shifts").size());
    }
    violations.push_back(std::move(v));
  }
  return Status(status.code(), status.reason(), status.message(), std::move(violations));
}

Engineer DomainEngineer(const StoredEngineer& s) {
  Engineer e;
  e.id = s.proto.id();
  e.name = s.proto.name();
  e.phone = s.proto.phone();
  e.branch = s.proto.branch();
  e.skills.assign(s.proto.skills().begin(), s.proto.skills().end());
  for (int z : s.proto.zones()) e.zones.push_back(static_cast<Zone>(z));
  e.roster = RosterOf(s.proto.roster(), s.proto.utc_offset_minutes());
  e.position = {s.proto.position().latitude(), s.proto.position().longitude()};
  e.state = static_cast<EngineerState>(s.proto.state());
  e.max_concurrent_jobs = s.proto.max_concurrent_jobs();
  for (const auto& [id, job] : s.jobs) e.jobs.push_back(job);
  OrderJobs(e.jobs);
  return e;
}

}  // namespace

bool Caller::MayMove(const std::string& engineer_of_record) const {
  if (!IsEngineer()) return true;
  return !engineer_id.empty() && engineer_id == engineer_of_record;
}

std::string Caller::Actor() const {
  std::string a = role.empty() ? "dispatch" : role;
  const std::string& who = IsEngineer() ? engineer_id : subject;
  if (!who.empty()) {
    a += ':';
    a += who;
  }
  return a;
}

DispatchDesk::DispatchDesk(
    redis::RedisPool& pool, const Clock& clock,
    std::shared_ptr<inventory::v1::InventoryService::StubInterface> inventory,
    DispatchDeskOptions options)
    : pool_(pool),
      clock_(clock),
      inventory_(std::move(inventory)),
      options_(std::move(options)),
      records_(pool),
      index_(options_.policy.grid_cell_degrees) {}

// ------------------------------------------------------------------ planning

Status DispatchDesk::RefreshIndex(bool force) {
  index_behind_ = false;
  auto revision = records_.EngineersRevision();
  if (!revision.ok()) return revision.status();
  if (!force && index_revision_ >= 0 && *revision == index_revision_) return Status::Ok();
  if (force || index_revision_ < 0) {
    auto ids = records_.Range(keys::Engineers(), 0, -1);
    if (!ids.ok()) return ids.status();
    auto engineers = records_.LoadEngineers(*ids);
    if (!engineers.ok()) return engineers.status();
    EngineerIndex fresh(options_.policy.grid_cell_degrees);
    for (const StoredEngineer& s : *engineers) {
      // An engineer that does not validate is simply not dispatchable; it is
      // not an error of the planning.
      (void)fresh.Upsert(DomainEngineer(s));
    }
    index_ = std::move(fresh);
  } else {
    // Only the engineers changed since the index was last brought up to date.
    auto changed = records_.ChangedSince(keys::EngineersChanged(), index_revision_, *revision);
    if (!changed.ok()) return changed.status();
    auto engineers = records_.LoadEngineers(*changed);
    if (!engineers.ok()) return engineers.status();
    for (const std::string& id : *changed) index_.Remove(id);
    for (const StoredEngineer& s : *engineers) (void)index_.Upsert(DomainEngineer(s));
  }
  index_revision_ = *revision;
  return Status::Ok();
}

Status DispatchDesk::ReloadEngineer(const std::string& engineer_id) {
  auto engineer = records_.LoadEngineer(engineer_id);
  if (!engineer.ok()) return engineer.status();
  std::lock_guard lock(index_mu_);
  index_.Remove(engineer_id);
  if (engineer->has_value()) (void)index_.Upsert(DomainEngineer(**engineer));
  return Status::Ok();
}

bool DispatchDesk::ApplyOwnCommit(const Commit& c, const CommitOutcome& outcome,
                                  const std::string& previous, const std::string& job_key,
                                  const std::optional<Choice>& choice,
                                  const std::optional<EngineerJob>& job) {
  const int touches = (previous.empty() ? 0 : 1) + (choice ? 1 : 0);
  // Anything else the commit touched is not known here: leave it to RefreshIndex.
  if (touches == 0 || c.touch_count() != touches || (choice && !job)) return false;
  std::lock_guard lock(index_mu_);
  // Another change (another replica's, or one of ours not applied) came in
  // between: RefreshIndex reads every engineer changed since, ours included.
  if (index_revision_ < 0 || outcome.revision != index_revision_ + touches) return false;
  if (!previous.empty()) index_.ChangeJobs(previous, {job_key}, std::nullopt);
  if (choice) index_.ChangeJobs(choice->engineer_id, choice->displaced_tickets, job);
  index_revision_ = outcome.revision;
  return true;
}

Result<CommitOutcome> DispatchDesk::RunCommit(const Commit& c) {
  auto outcome = c.Run(pool_);
  if (outcome.ok() && outcome->kind == CommitOutcome::Kind::kApplied && c.touch_count() > 0) {
    index_behind_ = true;
  }
  return outcome;
}

Result<std::optional<DispatchDesk::Choice>> DispatchDesk::Choose(const WO& wo, TimePoint now,
                                                                 bool verify,
                                                                 int64_t* cached_revision) {
  OnSiteRequest request;
  request.ticket_number = JobKeyOf(wo);
  request.site = {wo.site_position().latitude(), wo.site_position().longitude()};
  request.zone = static_cast<Zone>(wo.zone());
  request.severity = static_cast<Severity>(wo.severity());
  request.skill = wo.required_skill();
  request.due = FromTs(wo.onsite_due());
  request.requested_at = std::min(request.due, now);
  request.excluded_engineers.assign(wo.declined_by().begin(), wo.declined_by().end());
  if (Status s = ValidateOnSiteRequest(request); !s.ok()) return s;
  std::lock_guard lock(index_mu_);
  // The common case reads nothing: the commit refuses the plan if any
  // engineer changed since the index's revision (STALE_ENGINEERS).
  const bool from_cache = !verify && index_revision_ >= 0 && !index_behind_;
  if (!from_cache) {
    if (Status s = RefreshIndex(false); !s.ok()) return s;
  }
  *cached_revision = from_cache ? index_revision_ : -1;
  // Emergencies first: only they may take an engineer off a job not started.
  const bool emergency = request.severity == Severity::kEmergency;
  auto best = index_.FindBest(request, now, options_.policy, emergency);
  if (!best) return std::optional<Choice>();
  Choice choice{best->engineer->id, best->engineer->name, best->engineer->phone,
                best->arrival,      best->travel_time,    {}};
  if (best->preempts) {
    for (const EngineerJob& job : PreemptibleJobs(*best->engineer, request.severity)) {
      choice.displaced_tickets.push_back(job.ticket_number);
    }
  }
  return std::optional<Choice>(std::move(choice));
}

Result<WO> DispatchDesk::PlaceAndCommit(WO wo, int64_t version, bool is_new,
                                        const std::function<void(Commit&)>& extra,
                                        const std::optional<streams::MarkHandledArgs>& handled,
                                        bool skip_if_unplaced, bool* placed) {
  const std::string previous = wo.engineer_id();
  int refusals = 0;
  // After a refusal the index is brought up to date before planning again
  // and the plan is committed as before the revision guard existed (capacity
  // and version guards only): a busy other replica moving the revision all
  // the time then costs what it always did, not a string of stale refusals.
  bool verify = false;
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    const TimePoint now = clock_.Now();
    int64_t cached_revision = -1;
    auto choice = Choose(wo, now, verify, &cached_revision);
    if (!choice.ok()) return choice.status();
    if (placed) *placed = choice->has_value();
    if (!choice->has_value() && skip_if_unplaced) {
      // Nothing is committed, so no guard would catch a stale cache: whether
      // nobody can take it is asked of the index brought up to date.
      if (cached_revision >= 0) {
        verify = true;
        continue;
      }
      return wo;
    }

    WO next = wo;
    next.set_status(WO::ASSIGNED);
    next.set_engineer_id(choice->has_value() ? (*choice)->engineer_id : "");
    *next.mutable_update_time() = Ts(now);
    const std::string wo_key = keys::WorkOrder(wo.id());

    Commit c;
    if (is_new) c.Absent(CreationKey(wo));
    c.VersionIs(wo_key, version);
    if (handled) c.Absent(handled->key);
    if (extra) extra(c);
    if (cached_revision >= 0) c.EngineersRevisionIs(cached_revision);
    if (!previous.empty()) {
      c.HDel(keys::EngineerJobs(previous), wo.id());
      c.TouchEngineer(previous);
    }
    int escalation = -1;
    int displaced = 0;
    std::optional<EngineerJob> job;  // as the engineer's jobs hash holds it
    if (choice->has_value() && !(*choice)->displaced_tickets.empty()) {
      auto taken = DisplaceJobs(c, **choice, now);
      if (!taken.ok()) return taken.status();
      displaced = *taken;
    }
    if (choice->has_value()) {
      const Choice& ch = **choice;
      c.HasCapacity(keys::Engineer(ch.engineer_id), keys::EngineerJobs(ch.engineer_id), displaced);
      const std::string encoded = EncodeJob(
          EngineerJob{JobKeyOf(wo), static_cast<Severity>(wo.severity()), false,
                      ch.arrival + options_.policy.expected_service_time, FromTs(wo.onsite_due()),
                      ch.travel, options_.policy.expected_service_time});
      job = DecodeJob(encoded);
      c.HSet(keys::EngineerJobs(ch.engineer_id), wo.id(), encoded);
      c.TouchEngineer(ch.engineer_id);
      c.ZAdd(keys::EngineerWorkOrders(ch.engineer_id), static_cast<double>(ToUnixMillis(now)),
             wo.id());
      c.ZRem(keys::Queue(), wo.id());
      std::string note = "assigned to engineer ";
      note += ch.engineer_id;
      c.RPush(keys::WorkOrderHistory(wo.id()),
              HistoryLine(now, is_new ? WO::STATUS_UNSPECIFIED : wo.status(), WO::ASSIGNED,
                          "dispatch", note));
      ev::WorkOrderAssigned assigned;
      assigned.set_work_order_id(wo.id());
      assigned.set_ticket_number(wo.ticket_number());
      assigned.set_engineer_id(ch.engineer_id);
      assigned.set_engineer_name(ch.engineer_name);
      assigned.set_engineer_phone(ch.engineer_phone);
      assigned.set_previous_engineer_id(previous);
      assigned.set_severity(wo.severity());
      assigned.set_branch(wo.branch());
      *assigned.mutable_onsite_due() = wo.onsite_due();
      *assigned.mutable_estimated_arrival_time() = Ts(ch.arrival);
      *assigned.mutable_assign_time() = Ts(now);
      Stamp(assigned, wo);
      c.Emit(keys::Events(), MakeEvent(assigned, wo.id(), now));
      if (ch.arrival > FromTs(wo.onsite_due())) escalation = 1;
    } else {
      c.ZAdd(keys::Queue(), QueueScore(wo), wo.id());
      c.RPush(keys::WorkOrderHistory(wo.id()),
              HistoryLine(now, is_new ? WO::STATUS_UNSPECIFIED : wo.status(), WO::ASSIGNED,
                          "dispatch", "no engineer can take it; waiting in the queue"));
      escalation = 1;
    }
    if (escalation > 0) {
      // Nobody can make the due time (or nobody at all): a person must know
      // now, not at breach.
      const std::string reason = choice->has_value()
                                     ? "no engineer can arrive before the on-site due time"
                                     : "no engineer can take it";
      c.HSet(wo_key, "escalation_level",
             std::to_string(std::max<int32_t>(wo.escalation_level(), escalation)));
      c.RPush(keys::WorkOrderHistory(wo.id()),
              HistoryLine(now, WO::ASSIGNED, WO::ASSIGNED, "dispatch", "escalated: " + reason));
      ev::WorkOrderEscalated escalated;
      escalated.set_work_order_id(wo.id());
      escalated.set_ticket_number(wo.ticket_number());
      escalated.set_severity(wo.severity());
      escalated.set_branch(wo.branch());
      escalated.set_level(escalation);
      escalated.set_reason(reason);
      *escalated.mutable_escalate_time() = Ts(now);
      Stamp(escalated, wo);
      c.Emit(keys::Events(), MakeEvent(escalated, wo.id(), now));
    }
    if (is_new) {
      c.Set(CreationKey(wo), wo.id());
      c.ZAdd(keys::WorkOrders(), static_cast<double>(ToUnixMillis(now)), wo.id());
      if (!wo.ticket_number().empty()) {
        c.ZAdd(keys::TicketWorkOrders(wo.ticket_number()), static_cast<double>(ToUnixMillis(now)),
               wo.id());
      }
      ScheduleClock(c, wo.id(), ClockKind::kOnsiteArrival, FromTs(wo.deadlines(0).start_time()),
                    FromTs(wo.onsite_due()), options_.escalation);
    }
    if (handled) c.Set(handled->key, "1", std::stoll(handled->ttl_seconds));
    WriteWorkOrder(c, next, version + 1);

    auto outcome = c.Run(pool_);
    if (!outcome.ok()) {
      const Status& s = outcome.status();
      if (s.code() == Code::kAborted && s.reason() == "STALE_ENGINEERS") {
        // Another writer changed an engineer after the index's revision: plan
        // again with what changed since (ChangedSince), nothing was written.
        verify = true;
        continue;
      }
      if (s.code() == Code::kAborted && s.reason() == "ENGINEER_UNAVAILABLE") {
        // The index was stale (another replica took the slot): re-plan with
        // that engineer as Redis has it; should it be refused again, with
        // the whole index read afresh.
        verify = true;
        if (++refusals == 1 && choice->has_value()) {
          if (Status r = ReloadEngineer((*choice)->engineer_id); !r.ok()) return r;
        } else {
          std::lock_guard lock(index_mu_);
          index_revision_ = -1;
        }
        continue;
      }
      return s;
    }
    if (outcome->kind == CommitOutcome::Kind::kExists) {
      // The ticket (or the maintenance followup) already has its work order
      // (a redelivered event), or the event was handled: nothing more to do.
      if (is_new && !outcome->existing.empty() && outcome->existing != "1") {
        auto existing = records_.LoadWorkOrder(outcome->existing);
        if (existing.ok() && existing->has_value()) return (*existing)->proto;
      }
      return wo;
    }
    if (!ApplyOwnCommit(c, *outcome, previous, JobKeyOf(wo), *choice, job) && c.touch_count() > 0) {
      index_behind_ = true;
    }
    if (escalation > 0)
      next.set_escalation_level(std::max<int32_t>(wo.escalation_level(), escalation));
    if (displaced > 0) {
      // The jobs taken away wait in the queue; plan them now.
      auto replanned = ReplanQueue();
      if (!replanned.ok()) return replanned.status();
    }
    return next;
  }
  return Aborted("PLANNING_CONTENDED", "could not commit an assignment; try again");
}

Result<int> DispatchDesk::DisplaceJobs(Commit& c, const Choice& choice, TimePoint now) {
  auto engineer = records_.LoadEngineer(choice.engineer_id);
  if (!engineer.ok()) return engineer.status();
  if (!engineer->has_value()) return 0;
  int displaced = 0;
  for (const auto& [id, job] : (*engineer)->jobs) {
    if (job.started || std::find(choice.displaced_tickets.begin(), choice.displaced_tickets.end(),
                                 job.ticket_number) == choice.displaced_tickets.end()) {
      continue;
    }
    auto stored = records_.LoadWorkOrder(id);
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) continue;
    const StoredWorkOrder& s = **stored;
    WO moved = s.proto;
    moved.set_engineer_id("");
    moved.set_status(WO::ASSIGNED);
    *moved.mutable_update_time() = Ts(now);
    c.VersionIs(keys::WorkOrder(id), s.version);
    c.HDel(keys::EngineerJobs(choice.engineer_id), id);
    c.ZAdd(keys::Queue(), QueueScore(moved), id);
    c.RPush(keys::WorkOrderHistory(id), HistoryLine(now, s.proto.status(), WO::ASSIGNED, "dispatch",
                                                    "engineer " + choice.engineer_id +
                                                        " taken for an emergency; planned again"));
    WriteWorkOrder(c, moved, s.version + 1);
    ++displaced;
  }
  return displaced;
}

// ------------------------------------------------------------------ events

Status DispatchDesk::OnTicketOnsiteRequested(const ev::TicketOnsiteRequested& e,
                                             const streams::MarkHandledArgs& handled) {
  // A request that already has its work order (a redelivered event) is not
  // looked up first: the commit's guard on the on-site request key refuses it
  // (kExists) and writes nothing, one round trip fewer for every new request.
  const int visit = e.visit() > 0 ? e.visit() : 1;
  const TimePoint now = clock_.Now();
  WO wo;
  wo.set_id(NewUuid());
  wo.set_ticket_number(e.ticket_number());
  wo.set_kind(WO::FAULT);
  wo.set_status(WO::ASSIGNED);
  *wo.mutable_onsite_due() = e.onsite_due();
  wo.set_severity(e.severity());
  wo.set_customer_id(e.customer_id());
  wo.set_site_id(e.site_id());
  wo.set_site_address(e.site_address());
  wo.set_zone(e.zone());
  wo.set_branch(e.branch());
  *wo.mutable_site_position() = e.site_position();
  wo.set_required_skill(e.required_skill());
  wo.set_asset_serial(e.asset_serial());
  wo.set_asset_category(e.asset_category());
  wo.set_warranty_covered(e.warranty().covered());
  wo.set_exclusion(e.warranty().exclusion());
  wo.set_exclusion_note(e.warranty().exclusion_note());
  wo.set_contact_name(e.contact_name());
  wo.set_contact_phone(e.contact_phone());
  wo.set_note(e.note());
  wo.set_visit(visit);
  cv1::Deadline* onsite = wo.add_deadlines();
  onsite->set_clock(cv1::ONSITE_ARRIVAL);
  *onsite->mutable_due() = e.onsite_due();
  onsite->set_state(cv1::RUNNING);
  *onsite->mutable_start_time() = e.has_report_time() ? e.report_time() : Ts(now);
  *wo.mutable_create_time() = Ts(now);
  *wo.mutable_update_time() = Ts(now);
  auto result = PlaceAndCommit(std::move(wo), 0, true, nullptr, handled, false, nullptr);
  return result.ok() ? Status::Ok() : result.status();
}

Result<bool> DispatchDesk::HasMaintenanceWorkOrder(const std::string& followup_id) {
  auto existing = records_.Get(keys::MaintenanceVisit(followup_id));
  if (!existing.ok()) return existing.status();
  return existing->has_value();
}

Status DispatchDesk::OnMaintenanceVisitDue(const MaintenanceVisit& visit,
                                           const MaintenanceSite& site,
                                           const std::optional<MaintenanceAsset>& asset,
                                           const streams::MarkHandledArgs& handled) {
  auto existing = HasMaintenanceWorkOrder(visit.followup_id);
  if (!existing.ok()) return existing.status();
  if (*existing) return Status::Ok();  // this visit already has its work order
  auto planned =
      PlanMaintenanceVisit(visit, site, asset, options_.maintenance_skills, options_.maintenance);
  if (!planned.ok()) return planned.status();

  const TimePoint now = clock_.Now();
  WO wo;
  wo.set_id(NewUuid());
  wo.set_kind(WO::MAINTENANCE);
  wo.set_followup_id(visit.followup_id);
  wo.set_maintenance_plan_id(visit.maintenance_plan_id);
  wo.set_status(WO::ASSIGNED);
  *wo.mutable_onsite_due() = Ts(planned->due);
  wo.set_severity(static_cast<cv1::Severity>(planned->severity));
  wo.set_customer_id(visit.customer_id.empty() ? site.customer_id : visit.customer_id);
  wo.set_site_id(site.id);
  wo.set_site_address(site.address);
  wo.set_zone(static_cast<cv1::Zone>(planned->zone));
  wo.set_branch(site.branch);
  wo.mutable_site_position()->set_latitude(site.position.lat);
  wo.mutable_site_position()->set_longitude(site.position.lng);
  wo.set_required_skill(planned->skill);
  std::string note = "maintenance visit of plan ";
  note += visit.maintenance_plan_id;
  if (asset) {
    wo.set_asset_serial(asset->serial);
    wo.set_asset_category(static_cast<cv1::AssetCategory>(asset->category));
    wo.set_warranty_covered(asset->warranty_covered);
    note += " for asset ";
    note += asset->serial;
    note += " (";
    note += asset->model;
    note += ')';
  } else if (!visit.asset_serial.empty()) {
    // The install base does not know the asset: visit the site anyway.
    wo.set_asset_serial(visit.asset_serial);
    note += " for asset ";
    note += visit.asset_serial;
    note += " (not in the install base)";
  } else {
    note += " for the whole site";
  }
  wo.set_note(note);
  wo.set_visit(1);
  cv1::Deadline* onsite = wo.add_deadlines();
  onsite->set_clock(cv1::ONSITE_ARRIVAL);
  *onsite->mutable_due() = Ts(planned->due);
  onsite->set_state(cv1::RUNNING);
  *onsite->mutable_start_time() = Ts(planned->requested_at);
  *wo.mutable_create_time() = Ts(now);
  *wo.mutable_update_time() = Ts(now);
  auto result = PlaceAndCommit(std::move(wo), 0, true, nullptr, handled, false, nullptr);
  return result.ok() ? Status::Ok() : result.status();
}

Status DispatchDesk::OnTicketClosed(const ev::TicketClosed& e,
                                    const streams::MarkHandledArgs& handled) {
  std::vector<std::string> candidates;
  if (!e.work_order_id().empty()) candidates.push_back(e.work_order_id());
  auto of_ticket = records_.Range(keys::TicketWorkOrders(e.ticket_number()), 0, -1);
  if (!of_ticket.ok()) return of_ticket.status();
  candidates.insert(candidates.end(), of_ticket->begin(), of_ticket->end());
  for (const std::string& id : candidates) {
    for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
      auto stored = records_.LoadWorkOrder(id);
      if (!stored.ok()) return stored.status();
      if (!stored->has_value() || !IsOpen((*stored)->proto.status())) break;
      const StoredWorkOrder& before = **stored;
      WO wo = before.proto;
      const TimePoint now = clock_.Now();
      wo.set_status(WO::CANCELLED);
      *wo.mutable_update_time() = Ts(now);
      if (auto* d = FindDeadline(wo, cv1::ONSITE_ARRIVAL); d && d->state() == cv1::RUNNING) {
        d->set_state(cv1::DEADLINE_STATE_UNSPECIFIED);
      }
      Commit c;
      c.VersionIs(keys::WorkOrder(id), before.version);
      if (!wo.engineer_id().empty()) {
        c.HDel(keys::EngineerJobs(wo.engineer_id()), id);
        const bool started =
            before.proto.status() == WO::TRAVELLING || before.proto.status() == WO::ON_SITE;
        c.TouchEngineer(wo.engineer_id(), started ? "AVAILABLE" : "");
      }
      c.ZRem(keys::Queue(), id);
      UnscheduleClock(c, id, ClockKind::kOnsiteArrival);
      UnscheduleClock(c, id, ClockKind::kRepair);
      std::string reason = "ticket closed";
      if (!e.reason().empty()) reason += ": " + e.reason();
      c.RPush(keys::WorkOrderHistory(id),
              HistoryLine(now, before.proto.status(), WO::CANCELLED, "dispatch", reason));
      ev::WorkOrderCancelled cancelled;
      cancelled.set_work_order_id(id);
      cancelled.set_ticket_number(wo.ticket_number());
      cancelled.set_engineer_id(wo.engineer_id());
      cancelled.set_reason(reason);
      *cancelled.mutable_cancel_time() = Ts(now);
      Stamp(cancelled, wo);
      c.Emit(keys::Events(), MakeEvent(cancelled, id, now));
      WriteWorkOrder(c, wo, before.version + 1);
      auto outcome = RunCommit(c);
      if (outcome.ok()) break;
      if (outcome.status().reason() != "VERSION_CONFLICT") return outcome.status();
    }
  }
  // The marker on its own: the effects above are idempotent (a cancelled
  // work order is not open any more).
  Commit mark;
  mark.Set(handled.key, "1", std::stoll(handled.ttl_seconds));
  auto marked = mark.Run(pool_);
  if (!marked.ok()) return marked.status();
  auto replanned = ReplanQueue();
  return replanned.ok() ? Status::Ok() : replanned.status();
}

Result<int> DispatchDesk::ReplanQueue() {
  auto waiting = records_.Range(keys::Queue(), 0, 99);
  if (!waiting.ok()) return waiting.status();
  int placed_count = 0;
  for (const std::string& id : *waiting) {
    auto stored = records_.LoadWorkOrder(id);
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) continue;
    const StoredWorkOrder& s = **stored;
    if (s.proto.status() != WO::ASSIGNED || !s.proto.engineer_id().empty()) continue;
    bool placed = false;
    auto result = PlaceAndCommit(s.proto, s.version, false, nullptr, std::nullopt, true, &placed);
    if (!result.ok()) {
      if (result.status().reason() == "VERSION_CONFLICT") continue;  // someone else did
      return result.status();
    }
    if (placed) ++placed_count;
  }
  return placed_count;
}

Status DispatchDesk::ReplanNotStarted(const std::string& engineer_id) {
  auto engineer = records_.LoadEngineer(engineer_id);
  if (!engineer.ok()) return engineer.status();
  if (!engineer->has_value()) return Status::Ok();
  for (const auto& [id, job] : (*engineer)->jobs) {
    if (job.started) continue;
    auto stored = records_.LoadWorkOrder(id);
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) continue;
    const StoredWorkOrder& s = **stored;
    if (s.proto.engineer_id() != engineer_id ||
        (s.proto.status() != WO::ASSIGNED && s.proto.status() != WO::ACCEPTED)) {
      continue;
    }
    auto result = PlaceAndCommit(
        s.proto, s.version, false,
        [&](Commit& c) {
          c.RPush(keys::WorkOrderHistory(id),
                  HistoryLine(clock_.Now(), s.proto.status(), s.proto.status(), "dispatch",
                              "engineer went off duty; planned again"));
        },
        std::nullopt, false, nullptr);
    if (!result.ok() && result.status().reason() != "VERSION_CONFLICT") return result.status();
  }
  return Status::Ok();
}

// ------------------------------------------------------------------ escalation

Result<int> DispatchDesk::FireDueEscalations(int limit) {
  const TimePoint now = clock_.Now();
  auto due = records_.DueMembers(keys::Clocks(), ToUnixMillis(now), limit);
  if (!due.ok()) return due.status();
  int fired = 0;
  for (const std::string& member : *due) {
    const size_t a = member.find('|');
    const size_t b = member.rfind('|');
    if (a == std::string::npos || b == a) continue;
    const std::string id = member.substr(0, a);
    const std::string clock = member.substr(a + 1, b - a - 1);
    const int level = std::atoi(member.c_str() + b + 1);
    auto stored = records_.LoadWorkOrder(id);
    if (!stored.ok()) return stored.status();
    Commit c;
    c.Claim(keys::Clocks(), member);
    c.ZRem(keys::Clocks(), member);
    if (stored->has_value() && (*stored)->proto.status() != WO::CANCELLED) {
      const WO& wo = (*stored)->proto;
      const cv1::DeadlineClock kind = clock == "REPAIR" ? cv1::REPAIR : cv1::ONSITE_ARRIVAL;
      Timestamp due_ts = wo.onsite_due();
      if (kind == cv1::REPAIR) due_ts = wo.repair_due();
      std::string note = clock;
      if (level == static_cast<int>(EscalationLevel::kWarning)) {
        note += " warning: most of the time is used; dispatcher notified";
        ev::WorkOrderClockWarning w;
        w.set_work_order_id(id);
        w.set_ticket_number(wo.ticket_number());
        w.set_engineer_id(wo.engineer_id());
        w.set_clock(kind);
        w.set_severity(wo.severity());
        w.set_branch(wo.branch());
        *w.mutable_due() = due_ts;
        *w.mutable_warn_time() = Ts(now);
        Stamp(w, wo);
        c.Emit(keys::Events(), MakeEvent(w, id, now));
      } else {
        const int escalation = level == static_cast<int>(EscalationLevel::kBreach) ? 1 : 2;
        if (escalation == 1) {
          note += " breached; escalated to the after-sales lead";
          ev::WorkOrderClockBreached br;
          br.set_work_order_id(id);
          br.set_ticket_number(wo.ticket_number());
          br.set_engineer_id(wo.engineer_id());
          br.set_clock(kind);
          br.set_severity(wo.severity());
          br.set_branch(wo.branch());
          *br.mutable_due() = due_ts;
          *br.mutable_breach_time() = Ts(now);
          Stamp(br, wo);
          c.Emit(keys::Events(), MakeEvent(br, id, now));
        } else {
          note += " long breached; escalated to the manager";
        }
        ev::WorkOrderEscalated esc;
        esc.set_work_order_id(id);
        esc.set_ticket_number(wo.ticket_number());
        esc.set_severity(wo.severity());
        esc.set_branch(wo.branch());
        esc.set_level(escalation);
        esc.set_reason(note);
        *esc.mutable_escalate_time() = Ts(now);
        Stamp(esc, wo);
        c.Emit(keys::Events(), MakeEvent(esc, id, now));
        c.HSet(keys::WorkOrder(id), "escalation_level",
               std::to_string(std::max<int32_t>(wo.escalation_level(), escalation)));
      }
      c.RPush(keys::WorkOrderHistory(id),
              HistoryLine(now, wo.status(), wo.status(), "dispatch", note));
      // The clock's state on the work order follows (WARNED, then BREACHED).
      WO marked = wo;
      if (auto* d = FindDeadline(marked, kind)) {
        const auto before_state = d->state();
        if (level == static_cast<int>(EscalationLevel::kWarning) && before_state == cv1::RUNNING) {
          d->set_state(cv1::WARNED);
        } else if (level == static_cast<int>(EscalationLevel::kBreach) &&
                   (before_state == cv1::RUNNING || before_state == cv1::WARNED)) {
          d->set_state(cv1::BREACHED);
        }
        if (d->state() != before_state) {
          c.VersionIs(keys::WorkOrder(id), (*stored)->version);
          WriteWorkOrder(c, marked, (*stored)->version + 1);
        }
      }
    }
    auto outcome = RunCommit(c);
    if (!outcome.ok()) {
      // The work order moved meanwhile: the step stays due and the next
      // sweep (of any replica) fires it.
      if (outcome.status().reason() == "VERSION_CONFLICT") continue;
      return outcome.status();
    }
    if (outcome->kind == CommitOutcome::Kind::kApplied) ++fired;
  }
  return fired;
}

// ------------------------------------------------------------------ engineers

Result<v1::Engineer> DispatchDesk::CreateEngineer(const v1::CreateEngineerRequest& r) {
  const TimePoint now = clock_.Now();
  Engineer e;
  e.id = NewUuid();
  e.name = r.name();
  e.phone = r.phone();
  e.branch = r.branch();
  e.skills.assign(r.skills().begin(), r.skills().end());
  for (int z : r.zones()) e.zones.push_back(static_cast<Zone>(z));
  e.roster = RosterOf(r.roster(), r.utc_offset_minutes());
  e.state = EngineerState::kOffDuty;
  e.max_concurrent_jobs = r.max_concurrent_jobs();
  Status valid = WithRosterFieldNames(ValidateEngineer(e));
  if (!valid.ok()) return valid;
  if (r.branch().empty()) {
    return InvalidArgument("INVALID_ENGINEER", "branch must not be empty",
                           {{"branch", "must not be empty"}});
  }
  v1::Engineer proto;
  proto.set_id(e.id);
  proto.set_name(r.name());
  proto.set_phone(r.phone());
  proto.set_branch(r.branch());
  *proto.mutable_skills() = r.skills();
  *proto.mutable_zones() = r.zones();
  proto.set_max_concurrent_jobs(r.max_concurrent_jobs());
  *proto.mutable_roster() = r.roster();
  proto.set_utc_offset_minutes(r.utc_offset_minutes());
  // Off duty until the engineer reports in with a position: dispatching
  // someone whose whereabouts are unknown would promise arrival times
  // nobody can keep.
  proto.set_state(v1::Engineer::OFF_DUTY);
  *proto.mutable_create_time() = Ts(now);
  *proto.mutable_update_time() = Ts(now);

  Commit c;
  const std::string request_key =
      r.request_id().empty() ? "" : keys::Request("create-engineer", r.request_id());
  if (!request_key.empty()) c.Absent(request_key);
  const std::string key = keys::Engineer(e.id);
  c.HSet(key, "proto", proto.SerializeAsString());
  c.HSet(key, "state", "OFF_DUTY");
  c.HSet(key, "max_jobs", std::to_string(r.max_concurrent_jobs()));
  c.HSet(key, "version", "1");
  c.ZAdd(keys::Engineers(), 0, e.id);
  c.TouchEngineer(e.id);
  if (!request_key.empty()) c.Set(request_key, e.id, options_.request_ttl_seconds);
  auto outcome = RunCommit(c);
  if (!outcome.ok()) return outcome.status();
  std::string id = e.id;
  if (outcome->kind == CommitOutcome::Kind::kExists) id = outcome->existing;
  auto stored = records_.LoadEngineer(id);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return Internal("ENGINEER_LOST", "engineer " + id + " vanished");
  return (*stored)->proto;
}

Result<v1::Engineer> DispatchDesk::SetEngineerStatus(const Caller& caller,
                                                     const v1::SetEngineerStatusRequest& r) {
  Validator v;
  v.Check(!r.engineer_id().empty(), "engineer_id", "must not be empty");
  v.Check(r.state() == v1::Engineer::AVAILABLE || r.state() == v1::Engineer::OFF_DUTY, "state",
          "must be AVAILABLE or OFF_DUTY");
  v.Check(r.has_latitude() == r.has_longitude(), r.has_latitude() ? "longitude" : "latitude",
          "latitude and longitude come together");
  if (r.has_latitude()) {
    v.Check(r.latitude() >= -90.0 && r.latitude() <= 90.0, "latitude",
            "must be between -90 and 90");
  }
  if (r.has_longitude()) {
    v.Check(r.longitude() >= -180.0 && r.longitude() <= 180.0, "longitude",
            "must be between -180 and 180");
  }
  if (!v.ok()) return v.ToStatus("INVALID_ENGINEER_STATUS");
  if (!caller.MayMove(r.engineer_id())) {
    return NotFound("ENGINEER_NOT_FOUND", "engineer " + r.engineer_id() + " does not exist");
  }
  auto stored = records_.LoadEngineer(r.engineer_id());
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    return NotFound("ENGINEER_NOT_FOUND", "engineer " + r.engineer_id() + " does not exist");
  }
  const TimePoint now = clock_.Now();
  v1::Engineer proto = (*stored)->proto;
  proto.set_active_jobs(0);
  proto.set_state(r.state());
  if (r.has_latitude()) {
    proto.mutable_position()->set_latitude(r.latitude());
    proto.mutable_position()->set_longitude(r.longitude());
    *proto.mutable_position_time() = Ts(now);
  }
  *proto.mutable_update_time() = Ts(now);
  Commit c;
  const std::string key = keys::Engineer(r.engineer_id());
  c.VersionIs(key, (*stored)->version);
  c.HSet(key, "proto", proto.SerializeAsString());
  c.HSet(key, "state", v1::Engineer::State_Name(r.state()));
  c.HSet(key, "version", std::to_string((*stored)->version + 1));
  c.TouchEngineer(r.engineer_id());
  auto outcome = RunCommit(c);
  if (!outcome.ok()) return outcome.status();
  Status follow_up = r.state() == v1::Engineer::OFF_DUTY ? ReplanNotStarted(r.engineer_id())
                                                         : ReplanQueue().status();
  if (!follow_up.ok()) return follow_up;
  auto after = records_.LoadEngineer(r.engineer_id());
  if (!after.ok()) return after.status();
  return after->has_value() ? (*after)->proto : proto;
}

Result<v1::ListEngineersResponse> DispatchDesk::ListEngineers(const v1::ListEngineersRequest& r) {
  auto page_size = PageSize(r.page_size());
  if (!page_size.ok()) return page_size.status();
  auto offset = PageOffset(r.page_token());
  if (!offset.ok()) return offset.status();
  v1::ListEngineersResponse response;
  int64_t at = *offset;
  constexpr int64_t kBatch = 200;
  while (response.engineers_size() < *page_size) {
    auto ids = records_.Range(keys::Engineers(), at, at + kBatch - 1);
    if (!ids.ok()) return ids.status();
    if (ids->empty()) return response;
    auto engineers = records_.LoadEngineers(*ids);
    if (!engineers.ok()) return engineers.status();
    size_t used = 0;
    for (const StoredEngineer& s : *engineers) {
      ++used;
      const v1::Engineer& e = s.proto;
      const bool match = (r.branch().empty() || e.branch() == r.branch()) &&
                         (r.state() == v1::Engineer::STATE_UNSPECIFIED || e.state() == r.state()) &&
                         (r.skill().empty() || std::find(e.skills().begin(), e.skills().end(),
                                                         r.skill()) != e.skills().end());
      if (match) *response.add_engineers() = e;
      if (response.engineers_size() == *page_size) break;
    }
    at += static_cast<int64_t>(used == engineers->size() ? ids->size() : used);
    if (response.engineers_size() == *page_size) {
      response.set_next_page_token(std::to_string(at));
      break;
    }
  }
  return response;
}

// ------------------------------------------------------------------ work orders

Result<WO> DispatchDesk::GetWorkOrder(const Caller& caller, const std::string& id) {
  if (id.empty()) {
    return InvalidArgument("INVALID_WORK_ORDER_ID", "work_order_id must not be empty",
                           {{"work_order_id", "must not be empty"}});
  }
  auto stored = records_.LoadWorkOrder(id);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return WorkOrderNotFound(id);
  if (!caller.MayMove((*stored)->proto.engineer_id())) {
    return WorkOrderNotFound(id);
  }
  return (*stored)->proto;
}

Result<v1::ListWorkOrdersResponse> DispatchDesk::ListWorkOrders(
    const Caller& caller, const v1::ListWorkOrdersRequest& r) {
  auto page_size = PageSize(r.page_size());
  if (!page_size.ok()) return page_size.status();
  auto offset = PageOffset(r.page_token());
  if (!offset.ok()) return offset.status();
  const std::string engineer = caller.IsEngineer() ? caller.engineer_id : r.engineer_id();
  // An engineer's token without an engineer id sees nothing, not everything.
  if (caller.IsEngineer() && engineer.empty()) return v1::ListWorkOrdersResponse();
  std::string index = keys::WorkOrders();
  if (!r.ticket_number().empty()) {
    index = keys::TicketWorkOrders(r.ticket_number());
  } else if (!engineer.empty()) {
    index = keys::EngineerWorkOrders(engineer);
  }
  v1::ListWorkOrdersResponse response;
  int64_t at = *offset;
  // Bounded work per call; the token carries on where the scan stopped.
  for (int scanned = 0; scanned < 5000 && response.work_orders_size() < *page_size;) {
    auto ids = records_.Range(index, at, at + 99);
    if (!ids.ok()) return ids.status();
    if (ids->empty()) return response;
    for (const std::string& id : *ids) {
      ++at;
      ++scanned;
      auto stored = records_.LoadWorkOrder(id);
      if (!stored.ok()) return stored.status();
      if (!stored->has_value()) continue;
      const WO& wo = (*stored)->proto;
      const bool match = (engineer.empty() || wo.engineer_id() == engineer) &&
                         (r.status() == WO::STATUS_UNSPECIFIED || wo.status() == r.status()) &&
                         (r.kind() == WO::KIND_UNSPECIFIED ||
                          (r.kind() == WO::MAINTENANCE) == IsMaintenance(wo)) &&
                         (r.ticket_number().empty() || wo.ticket_number() == r.ticket_number());
      if (match) *response.add_work_orders() = wo;
      if (response.work_orders_size() == *page_size) break;
    }
  }
  auto more = records_.Range(index, at, at);
  if (!more.ok()) return more.status();
  if (!more->empty()) response.set_next_page_token(std::to_string(at));
  return response;
}

Result<WO> DispatchDesk::RunStep(const Caller& caller, const std::string& id, const std::string& op,
                                 const std::string& request_id, const StepFn& apply) {
  if (id.empty()) {
    return InvalidArgument("INVALID_WORK_ORDER_ID", "work_order_id must not be empty",
                           {{"work_order_id", "must not be empty"}});
  }
  if (!caller.IsEngineer() && !caller.IsDispatcher()) {
    return PermissionDenied("ROLE_NOT_ALLOWED", "only engineers and dispatchers move work orders");
  }
  const std::string request_key = request_id.empty() ? "" : keys::Request(op, request_id);
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    if (!request_key.empty()) {
      auto seen = records_.Get(request_key);
      if (!seen.ok()) return seen.status();
      if (seen->has_value()) return GetWorkOrder(caller, **seen);  // a replay
    }
    auto stored = records_.LoadWorkOrder(id);
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) return WorkOrderNotFound(id);
    const StoredWorkOrder& before = **stored;
    if (!caller.MayMove(before.proto.engineer_id())) {
      return WorkOrderNotFound(id);
    }
    WO wo = before.proto;
    Commit c;
    c.VersionIs(keys::WorkOrder(id), before.version);
    if (!request_key.empty()) c.Absent(request_key);
    StepContext ctx{wo, before, c, clock_.Now()};
    if (Status s = apply(ctx); !s.ok()) return s;
    *wo.mutable_update_time() = Ts(ctx.now);
    if (!request_key.empty()) c.Set(request_key, id, options_.request_ttl_seconds);
    WriteWorkOrder(c, wo, before.version + 1);
    auto outcome = RunCommit(c);
    if (!outcome.ok()) {
      if (outcome.status().reason() == "VERSION_CONFLICT") continue;
      return outcome.status();
    }
    if (outcome->kind == CommitOutcome::Kind::kExists)
      return GetWorkOrder(caller, outcome->existing);
    auto after = records_.LoadWorkOrder(id);
    if (!after.ok()) return after.status();
    return after->has_value() ? (*after)->proto : wo;
  }
  return Aborted("WORK_ORDER_CONTENDED", "work order " + id + " kept changing; try again");
}

namespace {

void AddHistory(DispatchDesk*, Commit& c, const WO& before, const WO& after, TimePoint now,
                const std::string& actor, const std::string& note) {
  c.RPush(keys::WorkOrderHistory(after.id()),
          HistoryLine(now, before.status(), after.status(), actor, note));
}

}  // namespace

Result<WO> DispatchDesk::Accept(const Caller& caller, const v1::AcceptWorkOrderRequest& r) {
  return RunStep(caller, r.work_order_id(), "accept", r.request_id(), [&](StepContext& x) {
    if (x.work_order.status() != WO::ASSIGNED || x.work_order.engineer_id().empty()) {
      return StateForbids(x.work_order, "accept");
    }
    x.work_order.set_status(WO::ACCEPTED);
    *x.work_order.mutable_accept_time() = Ts(x.now);
    AddHistory(this, x.commit, x.before.proto, x.work_order, x.now, caller.Actor(),
               r.reason().empty() ? "accepted" : "accepted: " + r.reason());
    ev::WorkOrderAccepted e;
    e.set_work_order_id(x.work_order.id());
    e.set_ticket_number(x.work_order.ticket_number());
    e.set_engineer_id(x.work_order.engineer_id());
    *e.mutable_accept_time() = Ts(x.now);
    Stamp(e, x.work_order);
    x.commit.Emit(keys::Events(), MakeEvent(e, x.work_order.id(), x.now));
    return Status::Ok();
  });
}

Result<WO> DispatchDesk::Decline(const Caller& caller, const v1::DeclineWorkOrderRequest& r) {
  if (r.work_order_id().empty()) {
    return InvalidArgument("INVALID_WORK_ORDER_ID", "work_order_id must not be empty",
                           {{"work_order_id", "must not be empty"}});
  }
  if (r.reason().empty()) {
    return InvalidArgument("INVALID_DECLINE", "reason must say why", {{"reason", "must say why"}});
  }
  if (!caller.IsEngineer() && !caller.IsDispatcher()) {
    return PermissionDenied("ROLE_NOT_ALLOWED", "only engineers and dispatchers move work orders");
  }
  const std::string request_key =
      r.request_id().empty() ? "" : keys::Request("decline", r.request_id());
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    if (!request_key.empty()) {
      auto seen = records_.Get(request_key);
      if (!seen.ok()) return seen.status();
      if (seen->has_value()) {
        auto stored = records_.LoadWorkOrder(**seen);
        if (!stored.ok()) return stored.status();
        if (stored->has_value()) return (*stored)->proto;  // the decliner may no longer own it
      }
    }
    auto stored = records_.LoadWorkOrder(r.work_order_id());
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) return WorkOrderNotFound(r.work_order_id());
    const StoredWorkOrder& before = **stored;
    if (!caller.MayMove(before.proto.engineer_id())) {
      return WorkOrderNotFound(r.work_order_id());
    }
    if (before.proto.status() != WO::ASSIGNED || before.proto.engineer_id().empty()) {
      return StateForbids(before.proto, "decline");
    }
    const TimePoint now = clock_.Now();
    WO wo = before.proto;
    const std::string decliner = wo.engineer_id();
    wo.add_declined_by(decliner);
    auto result = PlaceAndCommit(
        wo, before.version, false,
        [&](Commit& c) {
          if (!request_key.empty()) {
            c.Absent(request_key);
            c.Set(request_key, wo.id(), options_.request_ttl_seconds);
          }
          c.RPush(keys::WorkOrderHistory(wo.id()),
                  HistoryLine(now, WO::ASSIGNED, WO::ASSIGNED, caller.Actor(),
                              "declined by " + decliner + ": " + r.reason()));
          ev::WorkOrderDeclined e;
          e.set_work_order_id(wo.id());
          e.set_ticket_number(wo.ticket_number());
          e.set_engineer_id(decliner);
          e.set_reason(r.reason());
          *e.mutable_decline_time() = Ts(now);
          Stamp(e, wo);
          c.Emit(keys::Events(), MakeEvent(e, wo.id(), now));
        },
        std::nullopt, false, nullptr);
    if (!result.ok() && result.status().reason() == "VERSION_CONFLICT") continue;
    if (!result.ok()) return result.status();
    auto after = records_.LoadWorkOrder(r.work_order_id());
    if (!after.ok()) return after.status();
    return after->has_value() ? (*after)->proto : *result;
  }
  return Aborted("WORK_ORDER_CONTENDED", "work order kept changing; try again");
}

Result<WO> DispatchDesk::Depart(const Caller& caller, const v1::DepartWorkOrderRequest& r) {
  if (Status s = CheckPosition(r.latitude(), r.longitude()); !s.ok()) return s;
  return RunStep(caller, r.work_order_id(), "depart", r.request_id(), [&](StepContext& x) {
    WO& wo = x.work_order;
    if (wo.status() != WO::ACCEPTED) return StateForbids(wo, "depart");
    wo.set_status(WO::TRAVELLING);
    *wo.mutable_depart_time() = Ts(x.now);
    const Zone zone = static_cast<Zone>(wo.zone());
    const Duration travel =
        TravelTime(HaversineKm({r.latitude(), r.longitude()},
                               {wo.site_position().latitude(), wo.site_position().longitude()}),
                   IsKnownZone(zone) ? zone : Zone::kCity, options_.policy.travel);
    const EngineerJob job{JobKeyOf(wo),
                          static_cast<Severity>(wo.severity()),
                          true,
                          x.now + travel + options_.policy.expected_service_time,
                          FromTs(wo.onsite_due()),
                          travel,
                          options_.policy.expected_service_time};
    x.commit.HSet(keys::EngineerJobs(wo.engineer_id()), wo.id(), EncodeJob(job));
    x.commit.TouchEngineer(wo.engineer_id(), "TRAVELLING");
    AddHistory(this, x.commit, x.before.proto, wo, x.now, caller.Actor(), "on the way");
    ev::WorkOrderTravelling e;
    e.set_work_order_id(wo.id());
    e.set_ticket_number(wo.ticket_number());
    e.set_engineer_id(wo.engineer_id());
    e.mutable_position()->set_latitude(r.latitude());
    e.mutable_position()->set_longitude(r.longitude());
    *e.mutable_estimated_arrival_time() = Ts(x.now + travel);
    *e.mutable_depart_time() = Ts(x.now);
    Stamp(e, wo);
    x.commit.Emit(keys::Events(), MakeEvent(e, wo.id(), x.now));
    return Status::Ok();
  });
}

Result<WO> DispatchDesk::Arrive(const Caller& caller, const v1::ArriveWorkOrderRequest& r) {
  if (Status s = CheckPosition(r.latitude(), r.longitude()); !s.ok()) return s;
  return RunStep(caller, r.work_order_id(), "arrive", r.request_id(), [&](StepContext& x) {
    WO& wo = x.work_order;
    if (wo.status() != WO::TRAVELLING) return StateForbids(wo, "arrive");
    wo.set_status(WO::ON_SITE);
    *wo.mutable_arrive_time() = Ts(x.now);
    const bool met = x.now <= FromTs(wo.onsite_due());
    if (auto* d = FindDeadline(wo, cv1::ONSITE_ARRIVAL)) {
      d->set_state(met ? cv1::MET : cv1::BREACHED);
      if (met) *d->mutable_met_at() = Ts(x.now);
    }
    UnscheduleClock(x.commit, wo.id(), ClockKind::kOnsiteArrival);
    // A maintenance visit repairs nothing: no REPAIR clock.
    auto repair = options_.repair.repair_time.find(static_cast<AssetCategory>(wo.asset_category()));
    if (!IsMaintenance(wo) && repair != options_.repair.repair_time.end()) {
      const TimePoint due = x.now + repair->second;
      *wo.mutable_repair_due() = Ts(due);
      cv1::Deadline* d = wo.add_deadlines();
      d->set_clock(cv1::REPAIR);
      *d->mutable_due() = Ts(due);
      d->set_state(cv1::RUNNING);
      *d->mutable_start_time() = Ts(x.now);
      ScheduleClock(x.commit, wo.id(), ClockKind::kRepair, x.now, due, options_.escalation);
    }
    x.commit.TouchEngineer(wo.engineer_id(), "ON_SITE");
    AddHistory(this, x.commit, x.before.proto, wo, x.now, caller.Actor(),
               met ? "arrived; ONSITE_ARRIVAL met" : "arrived; ONSITE_ARRIVAL breached");
    ev::WorkOrderArrived e;
    e.set_work_order_id(wo.id());
    e.set_ticket_number(wo.ticket_number());
    e.set_engineer_id(wo.engineer_id());
    *e.mutable_onsite_due() = wo.onsite_due();
    e.set_onsite_met(met);
    if (wo.has_repair_due()) *e.mutable_repair_due() = wo.repair_due();
    *e.mutable_arrive_time() = Ts(x.now);
    Stamp(e, wo);
    x.commit.Emit(keys::Events(), MakeEvent(e, wo.id(), x.now));
    return Status::Ok();
  });
}

Status DispatchDesk::ReserveParts(const WO& wo, const v1::CompleteWorkOrderRequest& r) {
  if (r.parts_used().empty()) return Status::Ok();
  if (!inventory_) return Unavailable("INVENTORY_UNAVAILABLE", "no inventory service configured");
  const std::string base = r.request_id().empty() ? NewUuid() : r.request_id();
  auto release_all = [&] {
    // Give back what was reserved: the work cannot be recorded as it is.
    inventory::v1::ReleasePartsRequest release;
    release.set_work_order_id(wo.id());
    release.set_request_id(base + ".release");
    inventory::v1::ReleasePartsResponse released;
    auto ctx = grpcx::NewCallContext(options_.inventory_deadline, release.request_id());
    (void)inventory_->ReleaseParts(ctx.get(), release, &released);
  };
  // One reservation per part line, so that a refusal names the part.
  for (int i = 0; i < r.parts_used_size(); ++i) {
    const auto& p = r.parts_used(i);
    inventory::v1::ReservePartsRequest reserve;
    reserve.set_work_order_id(wo.id());
    reserve.set_engineer_id(wo.engineer_id());
    reserve.set_branch(wo.branch());
    reserve.set_request_id(base + ".reserve." + std::to_string(i));
    auto* line = reserve.add_lines();
    line->set_sku(p.sku());
    line->set_quantity(p.quantity());
    inventory::v1::ReservePartsResponse reserved;
    auto ctx = grpcx::NewCallContext(options_.inventory_deadline, reserve.request_id());
    const Status s = grpcx::FromGrpcStatus(inventory_->ReserveParts(ctx.get(), reserve, &reserved));
    std::string msg = "part ";
    msg += p.sku();
    msg += " x";
    msg += std::to_string(p.quantity());
    if (s.code() == Code::kFailedPrecondition || s.code() == Code::kNotFound ||
        !reserved.shortages().empty()) {
      release_all();
      msg += " is not available";
      if (!s.ok()) msg += ": " + s.message();
      return FailedPrecondition("PART_NOT_AVAILABLE", msg);
    }
    if (!s.ok()) {
      release_all();
      if (s.code() == Code::kUnavailable || s.code() == Code::kDeadlineExceeded) {
        return Unavailable("INVENTORY_UNAVAILABLE",
                           "inventory did not answer while reserving " + msg + ": " + s.message());
      }
      return s;
    }
  }
  // Issued by inventory itself when it reads WorkOrderDone (with the rest of
  // the reservation released): issuing here as well would take the parts
  // out of stock twice.
  return Status::Ok();
}

Result<WO> DispatchDesk::Complete(const Caller& caller, const v1::CompleteWorkOrderRequest& r) {
  Validator v;
  v.Check(!r.findings().empty(), "findings", "must say what was found");
  v.Check(!r.actions().empty(), "actions", "must say what was done");
  v.Check(r.has_fixed(), "fixed", "must say whether the fault is fixed");
  if (r.has_fixed() && !r.fixed()) {
    v.Check(r.next_step() != WO::NEXT_STEP_UNSPECIFIED, "next_step",
            "must say what happens next when the fault is not fixed");
  }
  if (r.has_fixed() && r.fixed()) {
    v.Check(r.next_step() == WO::NEXT_STEP_UNSPECIFIED, "next_step",
            "must be unset when the fault is fixed");
  }
  for (int i = 0; i < r.parts_used_size(); ++i) {
    std::string f = "parts_used[";
    f += std::to_string(i);
    f += ']';
    v.Check(!r.parts_used(i).sku().empty(), f + ".sku", "must not be empty");
    v.Check(r.parts_used(i).quantity() >= 1, f + ".quantity", "must be at least 1");
  }
  for (int i = 0; i < r.equipment_taken_size(); ++i) {
    std::string f = "equipment_taken[";
    f += std::to_string(i);
    f += "].description";
    v.Check(!r.equipment_taken(i).description().empty(), f, "must not be empty");
  }
  std::string currency;
  int64_t fee_total = 0;
  for (int i = 0; i < r.fee_lines_size(); ++i) {
    std::string f = "fee_lines[";
    f += std::to_string(i);
    f += ']';
    const auto& fee = r.fee_lines(i);
    v.Check(!fee.description().empty(), f + ".description", "must not be empty");
    v.Check(fee.amount().currency_code().size() == 3, f + ".amount.currency_code",
            "must be an ISO 4217 code such as CNY");
    v.Check(fee.amount().minor_units() > 0, f + ".amount.minor_units", "must be positive");
    v.Check(currency.empty() || currency == fee.amount().currency_code(),
            f + ".amount.currency_code", "all fee lines share one currency");
    if (currency.empty()) currency = fee.amount().currency_code();
    fee_total += fee.amount().minor_units();
  }
  if (!v.ok()) return v.ToStatus("INVALID_COMPLETION_REPORT");
  bool parts_reserved = false;
  return RunStep(caller, r.work_order_id(), "complete", r.request_id(), [&](StepContext& x) {
    WO& wo = x.work_order;
    if (wo.status() != WO::ON_SITE) return StateForbids(wo, "complete");
    const bool excluded = wo.exclusion() != cv1::WARRANTY_EXCLUSION_UNSPECIFIED ||
                          r.exclusion() != cv1::WARRANTY_EXCLUSION_UNSPECIFIED;
    if (r.fee_lines_size() > 0 && wo.warranty_covered() && !excluded) {
      return FailedPrecondition("FEES_ON_WARRANTY_WORK",
                                "work order " + wo.id() +
                                    " is covered by warranty and no exclusion was recorded; "
                                    "it cannot carry fee lines");
    }
    if (!parts_reserved) {
      if (Status s = ReserveParts(wo, r); !s.ok()) return s;
      parts_reserved = true;  // idempotent by request id if the commit is retried anyway
    }
    if (r.exclusion() != cv1::WARRANTY_EXCLUSION_UNSPECIFIED) {
      wo.set_exclusion(r.exclusion());
      wo.set_exclusion_note(r.exclusion_note());
    }
    wo.set_status(WO::WORK_DONE);
    *wo.mutable_complete_time() = Ts(x.now);
    wo.set_findings(r.findings());
    wo.set_actions(r.actions());
    wo.set_fixed(r.fixed());
    wo.set_next_step(r.next_step());
    *wo.mutable_parts_used() = r.parts_used();
    *wo.mutable_equipment_taken() = r.equipment_taken();
    *wo.mutable_fee_lines() = r.fee_lines();
    if (r.fixed()) {
      if (auto* d = FindDeadline(wo, cv1::REPAIR)) {
        const bool met = x.now <= FromTs(d->due());
        d->set_state(met ? cv1::MET : cv1::BREACHED);
        if (met) *d->mutable_met_at() = Ts(x.now);
      }
      UnscheduleClock(x.commit, wo.id(), ClockKind::kRepair);
    }
    // The engineer is through with this job: the slot frees up.
    x.commit.HDel(keys::EngineerJobs(wo.engineer_id()), wo.id());
    x.commit.TouchEngineer(wo.engineer_id(), "AVAILABLE");
    std::string note = r.fixed() ? "work done; fixed"
                                 : "work done; not fixed: " + WO::NextStep_Name(r.next_step());
    AddHistory(this, x.commit, x.before.proto, wo, x.now, caller.Actor(), note);
    ev::WorkOrderDone e;
    e.set_work_order_id(wo.id());
    e.set_ticket_number(wo.ticket_number());
    e.set_engineer_id(wo.engineer_id());
    e.set_customer_id(wo.customer_id());
    e.set_site_id(wo.site_id());
    e.set_asset_serial(wo.asset_serial());
    e.set_branch(wo.branch());
    e.set_required_skill(wo.required_skill());
    e.set_severity(wo.severity());
    e.set_fixed(r.fixed());
    if (!r.fixed()) e.set_next_step(WO::NextStep_Name(r.next_step()));
    e.set_findings(r.findings());
    e.set_actions(r.actions());
    *e.mutable_parts_used() = r.parts_used();
    e.mutable_fee_total()->set_currency_code(currency);
    e.mutable_fee_total()->set_minor_units(fee_total);
    e.set_visit(wo.visit());
    *e.mutable_arrive_time() = wo.arrive_time();
    if (wo.has_repair_due()) *e.mutable_repair_due() = wo.repair_due();
    *e.mutable_complete_time() = Ts(x.now);
    Stamp(e, wo);
    x.commit.Emit(keys::Events(), MakeEvent(e, wo.id(), x.now));
    return Status::Ok();
  });
}

Result<WO> DispatchDesk::SignOff(const Caller& caller, const v1::SignOffWorkOrderRequest& r) {
  if (r.signed_by().empty()) {
    return InvalidArgument("INVALID_SIGN_OFF", "signed_by: the customer's name is required",
                           {{"signed_by", "the customer's name is required"}});
  }
  auto result = RunStep(caller, r.work_order_id(), "sign-off", r.request_id(), [&](StepContext& x) {
    WO& wo = x.work_order;
    if (wo.status() != WO::WORK_DONE) return StateForbids(wo, "sign off");
    wo.set_status(WO::SIGNED_OFF);
    *wo.mutable_sign_off_time() = Ts(x.now);
    wo.set_signed_by(r.signed_by());
    wo.set_feedback(r.feedback());
    AddHistory(this, x.commit, x.before.proto, wo, x.now, caller.Actor(),
               "signed off by " + r.signed_by());
    ev::WorkOrderSignedOff e;
    e.set_work_order_id(wo.id());
    e.set_ticket_number(wo.ticket_number());
    e.set_engineer_id(wo.engineer_id());
    e.set_customer_id(wo.customer_id());
    e.set_asset_serial(wo.asset_serial());
    e.set_signed_by(r.signed_by());
    e.set_feedback(r.feedback());
    e.set_findings(wo.findings());
    *e.mutable_sign_off_time() = Ts(x.now);
    Stamp(e, wo);
    x.commit.Emit(keys::Events(), MakeEvent(e, wo.id(), x.now));
    return Status::Ok();
  });
  if (result.ok()) (void)ReplanQueue();
  return result;
}

Result<WO> DispatchDesk::Reassign(const Caller& caller, const v1::ReassignWorkOrderRequest& r) {
  if (!caller.IsDispatcher()) {
    return PermissionDenied("ROLE_NOT_ALLOWED", "only dispatchers reassign work orders");
  }
  Validator v;
  v.Check(!r.work_order_id().empty(), "work_order_id", "must not be empty");
  v.Check(!r.engineer_id().empty(), "engineer_id", "must not be empty");
  if (!v.ok()) return v.ToStatus("INVALID_REASSIGN");
  auto target = records_.LoadEngineer(r.engineer_id());
  if (!target.ok()) return target.status();
  if (!target->has_value()) {
    return NotFound("ENGINEER_NOT_FOUND", "engineer " + r.engineer_id() + " does not exist");
  }
  const v1::Engineer engineer = (*target)->proto;
  auto result = RunStep(caller, r.work_order_id(), "reassign", r.request_id(), [&](StepContext& x) {
    WO& wo = x.work_order;
    if (wo.status() != WO::ASSIGNED && wo.status() != WO::ACCEPTED) {
      return StateForbids(wo, "reassign");
    }
    const std::string previous = wo.engineer_id();
    if (previous == engineer.id()) return Status::Ok();
    if (!previous.empty()) x.commit.HDel(keys::EngineerJobs(previous), wo.id());
    x.commit.HasCapacity(keys::Engineer(engineer.id()), keys::EngineerJobs(engineer.id()));
    const Zone zone = static_cast<Zone>(wo.zone());
    const Duration travel =
        TravelTime(HaversineKm({engineer.position().latitude(), engineer.position().longitude()},
                               {wo.site_position().latitude(), wo.site_position().longitude()}),
                   IsKnownZone(zone) ? zone : Zone::kCity, options_.policy.travel);
    const EngineerJob job{JobKeyOf(wo),
                          static_cast<Severity>(wo.severity()),
                          false,
                          x.now + travel + options_.policy.expected_service_time,
                          FromTs(wo.onsite_due()),
                          travel,
                          options_.policy.expected_service_time};
    x.commit.HSet(keys::EngineerJobs(engineer.id()), wo.id(), EncodeJob(job));
    x.commit.ZAdd(keys::EngineerWorkOrders(engineer.id()), static_cast<double>(ToUnixMillis(x.now)),
                  wo.id());
    x.commit.ZRem(keys::Queue(), wo.id());
    x.commit.TouchEngineer(engineer.id());
    if (!previous.empty()) x.commit.TouchEngineer(previous);
    wo.set_engineer_id(engineer.id());
    wo.set_status(WO::ASSIGNED);
    AddHistory(this, x.commit, x.before.proto, wo, x.now, caller.Actor(),
               "reassigned to engineer " + engineer.id());
    ev::WorkOrderAssigned e;
    e.set_work_order_id(wo.id());
    e.set_ticket_number(wo.ticket_number());
    e.set_engineer_id(engineer.id());
    e.set_engineer_name(engineer.name());
    e.set_engineer_phone(engineer.phone());
    e.set_previous_engineer_id(previous);
    e.set_severity(wo.severity());
    e.set_branch(wo.branch());
    *e.mutable_onsite_due() = wo.onsite_due();
    *e.mutable_estimated_arrival_time() = Ts(x.now + travel);
    *e.mutable_assign_time() = Ts(x.now);
    Stamp(e, wo);
    x.commit.Emit(keys::Events(), MakeEvent(e, wo.id(), x.now));
    return Status::Ok();
  });
  if (!result.ok() && result.status().reason() == "ENGINEER_UNAVAILABLE") {
    return FailedPrecondition("ENGINEER_UNAVAILABLE",
                              "engineer " + r.engineer_id() + " is off duty or at the job limit");
  }
  return result;
}

}  // namespace aftersales::dispatch

#include "services/intake/domain/ticket.h"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "services/intake/domain/utf8.h"

namespace aftersales::intake {
namespace {

bool Blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

bool In(TicketStatus s, std::initializer_list<TicketStatus> allowed) {
  return std::find(allowed.begin(), allowed.end(), s) != allowed.end();
}

constexpr std::initializer_list<TicketStatus> kLive = {
    TicketStatus::kOpen, TicketStatus::kResponded, TicketStatus::kRemoteSession,
    TicketStatus::kAwaitingOnsite, TicketStatus::kOnsiteInProgress};

}  // namespace

// Digits with the separators people write: "+86 (21) 5555-0100".
std::optional<std::string> PhoneProblem(std::string_view phone) {
  int digits = 0;
  bool seen_non_space = false;
  for (char c : phone) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c == '+') {
      if (seen_non_space) return "'+' is allowed only at the start";
    } else if (c != ' ' && c != '-' && c != '(' && c != ')') {
      return "only digits, spaces, '+', '-' and parentheses are allowed";
    }
    if (c != ' ') seen_non_space = true;
  }
  if (digits < 5 || digits > 20) return "must have 5 to 20 digits";
  return std::nullopt;
}

namespace {

std::string Joined(std::string_view a, std::string_view b) {
  std::string s(a);
  if (!b.empty()) {
    if (!s.empty()) s += ": ";
    s += b;
  }
  return s;
}

}  // namespace

std::string_view TicketKindName(TicketKind kind) {
  return kind == TicketKind::kFault ? "FAULT" : "CONSULTATION";
}

std::string_view TicketStatusName(TicketStatus status) {
  switch (status) {
    case TicketStatus::kOpen:
      return "OPEN";
    case TicketStatus::kResponded:
      return "RESPONDED";
    case TicketStatus::kRemoteSession:
      return "REMOTE_SESSION";
    case TicketStatus::kAwaitingOnsite:
      return "AWAITING_ONSITE";
    case TicketStatus::kOnsiteInProgress:
      return "ONSITE_IN_PROGRESS";
    case TicketStatus::kResolved:
      return "RESOLVED";
    case TicketStatus::kClosed:
      return "CLOSED";
  }
  return "UNKNOWN";
}

std::string_view ChannelName(Channel channel) {
  switch (channel) {
    case Channel::kHotline:
      return "HOTLINE";
    case Channel::kEmail:
      return "EMAIL";
    case Channel::kFax:
      return "FAX";
    case Channel::kWeb:
      return "WEB";
    case Channel::kMobileApp:
      return "MOBILE_APP";
    case Channel::kDeviceAlarm:
      return "DEVICE_ALARM";
  }
  return "UNKNOWN";
}

std::string_view PauseReasonName(PauseReason reason) {
  switch (reason) {
    case PauseReason::kCustomerUnreachable:
      return "CUSTOMER_UNREACHABLE";
    case PauseReason::kSiteClosed:
      return "SITE_CLOSED";
    case PauseReason::kAwaitingCustomerPart:
      return "AWAITING_CUSTOMER_PART";
  }
  return "UNKNOWN";
}

std::string_view ResolutionMethodName(ResolutionMethod method) {
  switch (method) {
    case ResolutionMethod::kPhone:
      return "PHONE";
    case ResolutionMethod::kRemoteSession:
      return "REMOTE_SESSION";
    case ResolutionMethod::kOnsite:
      return "ONSITE";
  }
  return "UNKNOWN";
}

std::string_view HistoryKindName(HistoryKind kind) {
  switch (kind) {
    case HistoryKind::kReported:
      return "REPORTED";
    case HistoryKind::kResponded:
      return "RESPONDED";
    case HistoryKind::kHandlingStarted:
      return "HANDLING_STARTED";
    case HistoryKind::kRemoteSessionRequested:
      return "REMOTE_SESSION_REQUESTED";
    case HistoryKind::kRemoteSessionOpened:
      return "REMOTE_SESSION_OPENED";
    case HistoryKind::kOnsiteRequested:
      return "ONSITE_REQUESTED";
    case HistoryKind::kEngineerArrived:
      return "ENGINEER_ARRIVED";
    case HistoryKind::kHandlingPlanDelivered:
      return "HANDLING_PLAN_DELIVERED";
    case HistoryKind::kResolved:
      return "RESOLVED";
    case HistoryKind::kClosed:
      return "CLOSED";
    case HistoryKind::kReopened:
      return "REOPENED";
    case HistoryKind::kPaused:
      return "PAUSED";
    case HistoryKind::kResumed:
      return "RESUMED";
    case HistoryKind::kClockWarned:
      return "CLOCK_WARNED";
    case HistoryKind::kClockBreached:
      return "CLOCK_BREACHED";
    case HistoryKind::kWorkOrderNote:
      return "WORK_ORDER_NOTE";
    case HistoryKind::kReconfirmFailed:
      return "RECONFIRM_FAILED";
    case HistoryKind::kComplaintOpened:
      return "COMPLAINT_OPENED";
    case HistoryKind::kDiagnosed:
      return "DIAGNOSED";
  }
  return "UNKNOWN";
}

Status ValidateNewTicket(const NewTicket& r, TimePoint reported_at) {
  Validator v;
  v.Check(!Blank(r.customer_id), "customer_id", "must not be empty");
  // A device alarm comes from remote monitoring: no person called, so the
  // contact is filled in later from the site's records.
  const bool contact_required = r.channel != Channel::kDeviceAlarm;
  if (contact_required || !r.contact_name.empty()) {
    v.Check(!Blank(r.contact_name), "contact_name", "must not be empty");
  }
  if (contact_required || !r.contact_phone.empty()) {
    const auto problem = PhoneProblem(r.contact_phone);
    v.Check(!problem, "contact_phone", problem.value_or(""));
  }
  if (r.kind == TicketKind::kFault) {
    v.Check(!Blank(r.site_id), "site_id", "a fault needs the site it happened at");
  }
  if (r.channel == Channel::kDeviceAlarm) {
    v.Check(!Blank(r.asset_id), "asset_id", "a device alarm names the device");
  }
  v.Check(!Blank(r.symptoms), "symptoms", "must not be empty");
  if (r.started_at) {
    v.Check(*r.started_at <= reported_at, "started_at", "must not be after the report");
  }
  const std::pair<const char*, const std::string*> texts[] = {
      {"customer_id", &r.customer_id},
      {"contact_name", &r.contact_name},
      {"contact_phone", &r.contact_phone},
      {"site_id", &r.site_id},
      {"asset_id", &r.asset_id},
      {"symptoms", &r.symptoms},
      {"fault_type", &r.fault_type},
      {"location", &r.location},
      {"impact", &r.impact},
      {"customer_actions", &r.customer_actions}};
  for (const auto& [field, text] : texts) {
    v.Check(IsValidUtf8(*text), field, "must be valid UTF-8 text");
  }
  // A question affects no service: a consultation without a stated impact is
  // NOTICE. A fault must say how bad it is one way or the other.
  if (r.kind == TicketKind::kFault || !Blank(r.impact)) {
    Result<Severity> severity = DeriveSeverity(r.severity, r.impact);
    if (!severity.ok()) {
      for (const auto& fv : severity.status().field_violations()) {
        v.Check(false, fv.field, fv.description);
      }
    }
  }
  return v.ToStatus("INVALID_TICKET");
}

Result<Ticket> Ticket::Report(FaultNumber number, NewTicket report, std::string_view actor,
                              TimePoint at, TicketRules rules) {
  if (Blank(actor)) {
    return InvalidArgument("ACTOR_REQUIRED", "every step names who did it",
                           {{"actor", "must not be empty"}});
  }
  if (Status s = rules.deadlines.Validate(); !s.ok()) return s;
  if (Status s = ValidateNewTicket(report, at); !s.ok()) return s;

  TicketRecord record;
  record.number = number;
  record.severity = report.kind == TicketKind::kFault || !Blank(report.impact)
                        ? DeriveSeverity(report.severity, report.impact).value()
                        : report.severity.value_or(Severity::kNotice);
  record.report = std::move(report);
  record.status = TicketStatus::kOpen;
  record.reported_at = at;

  Ticket ticket(std::move(record), std::move(rules));
  ticket.StartReportClocks(at, /*first_response=*/true);
  const TicketRecord& r = ticket.record_;
  ticket.Record(at, HistoryKind::kReported, actor,
                std::string(TicketKindName(r.report.kind)) + " via " +
                    std::string(ChannelName(r.report.channel)) + ", severity " +
                    std::string(SeverityName(r.severity)));
  return ticket;
}

Ticket Ticket::Restore(TicketRecord record, TicketRules rules) {
  return Ticket(std::move(record), std::move(rules));
}

const DeadlineClock* Ticket::clock(ClockKind kind) const {
  for (auto it = record_.clocks.rbegin(); it != record_.clocks.rend(); ++it) {
    if (it->kind == kind) return &*it;
  }
  return nullptr;
}

DeadlineClock* Ticket::mutable_clock(ClockKind kind) {
  return const_cast<DeadlineClock*>(std::as_const(*this).clock(kind));
}

std::optional<TimePoint> Ticket::NextClockEvent(const TicketRecord& record) {
  std::optional<TimePoint> next;
  for (const auto& c : record.clocks) {
    if (c.state != ClockState::kRunning && c.state != ClockState::kWarned) continue;
    const TimePoint t = c.warned ? c.due : c.warn_at;
    if (!next || t < *next) next = t;
  }
  return next;
}

ClockTime Ticket::clock_time() const {
  return record_.report.kind == TicketKind::kFault ? ClockTime::kAllHours
                                                   : ClockTime::kBusinessHours;
}

Status Ticket::CheckStep(std::string_view actor, TimePoint at) const {
  if (Blank(actor)) {
    return InvalidArgument("ACTOR_REQUIRED", "every step names who did it",
                           {{"actor", "must not be empty"}});
  }
  if (!record_.history.empty() && at < record_.history.back().time) {
    return InvalidArgument("TIME_BEFORE_LAST_CHANGE",
                           "a step cannot happen before the ticket's last change",
                           {{"time", "must not be before the last history entry"}});
  }
  // Clocks started by this step must not fail half-way through it.
  return rules_.deadlines.Validate();
}

Status Ticket::Forbidden(std::string_view step) const {
  return FailedPrecondition("TICKET_STATE_FORBIDS_STEP",
                            "ticket " + record_.number.ToString() + " is " +
                                std::string(TicketStatusName(record_.status)) + "; cannot " +
                                std::string(step));
}

void Ticket::StartClock(ClockKind kind, TimePoint at) {
  const ClockContext context{record_.severity, record_.report.zone, record_.report.asset_category};
  const std::optional<Duration> budget = rules_.deadlines.Budget(kind, context);
  if (!budget) return;  // the policy has no such promise here
  Result<DeadlineClock> c = DeadlineClock::Start(kind, clock_time(), at, *budget,
                                                 rules_.deadlines.warn_percent, rules_.calendar);
  // Cannot fail: CheckStep/Report validated the policy.
  if (c.ok()) record_.clocks.push_back(std::move(c).value());
}

void Ticket::StartReportClocks(TimePoint at, bool first_response) {
  if (first_response) StartClock(ClockKind::kFirstResponse, at);
  StartClock(ClockKind::kHandling, at);
  if (record_.report.kind == TicketKind::kFault) {
    StartClock(ClockKind::kOnsiteArrival, at);
    StartClock(ClockKind::kHandlingPlan, at);  // the policy has it for emergencies only
  }
}

void Ticket::MeetClock(ClockKind kind, std::string_view actor, TimePoint at) {
  DeadlineClock* c = mutable_clock(kind);
  if (c == nullptr) return;
  const bool late_unrecorded = c->state == ClockState::kBreached && !c->met_at;
  if (!c->active() && !late_unrecorded) return;
  const bool was_breached = c->state == ClockState::kBreached;
  if (!c->Meet(at).ok()) return;
  if (!was_breached && c->state == ClockState::kBreached) {
    Record(at, HistoryKind::kClockBreached, actor,
           std::string(ClockKindName(kind)) + " met after its due time");
  }
}

void Ticket::CancelClock(ClockKind kind, TimePoint at) {
  DeadlineClock* c = mutable_clock(kind);
  if (c != nullptr && c->active()) (void)c->Cancel(at);
}

void Ticket::ResumeIfPaused(std::string_view actor, TimePoint at, std::string_view why) {
  if (!record_.paused) return;
  for (auto& c : record_.clocks) {
    if (c.state == ClockState::kPaused) (void)c.Resume(at, rules_.calendar);
  }
  record_.paused = false;
  record_.pause_reason.reset();
  record_.pause_note.clear();
  Record(at, HistoryKind::kResumed, actor, std::string(why));
}

void Ticket::Record(TimePoint at, HistoryKind kind, std::string_view actor, std::string detail) {
  record_.history.push_back({at, kind, std::string(actor), std::move(detail)});
}

Status Ticket::Respond(std::string_view actor, TimePoint at, std::string_view note) {
  if (Status s = CheckStep(actor, at); !s.ok()) return s;
  if (record_.status != TicketStatus::kOpen) return Forbidden("respond");
  ResumeIfPaused(actor, at, "customer reached");
  MeetClock(ClockKind::kFirstResponse, actor, at);
  record_.status = TicketStatus::kResponded;
  Record(at, HistoryKind::kResponded, actor, std::string(note));
  return Status::Ok();
}

Status Ticket::BeginHandling(std::string_view actor, TimePoint at, std::string_view note) {
  if (Status s = CheckStep(actor, at); !s.ok()) return s;
  if (!In(record_.status, {TicketStatus::kOpen, TicketStatus::kResponded})) {
    return Forbidden("begin handling");
  }
  const DeadlineClock* handling = clock(ClockKind::kHandling);
  if (handling == nullptr || !handling->active()) {
    return FailedPrecondition(
        "HANDLING_ALREADY_STARTED",
        "handling of ticket " + record_.number.ToString() + " has already started");
  }
  ResumeIfPaused(actor, at, "handling starts");
  MeetClock(ClockKind::kFirstResponse, actor, at);
  MeetClock(ClockKind::kHandling, actor, at);
  record_.status = TicketStatus::kResponded;
  Record(at, HistoryKind::kHandlingStarted, actor, std::string(note));
  return Status::Ok();
}

Status Ticket::RequestRemoteSession(std::string_view actor, TimePoint at, std::string_view note) {
  if (Status s = CheckStep(actor, at); !s.ok()) return s;
  if (record_.status != TicketStatus::kResponded) return Forbidden("request a remote session");
  const DeadlineClock* remote = clock(ClockKind::kRemoteSession);
  if (remote != nullptr && remote->active()) {
    return FailedPrecondition("REMOTE_SESSION_ALREADY_REQUESTED",
                              "a remote session is already waiting to be opened");
  }
  ResumeIfPaused(actor, at, "remote session requested");
  // Phone guidance was tried, so handling has started.
  MeetClock(ClockKind::kHandling, actor, at);
  StartClock(ClockKind::kRemoteSession, at);
  Record(at, HistoryKind::kRemoteSessionRequested, actor,
         Joined("phone guidance failed, customer consents", note));
  return Status::Ok();
}

Status Ticket::OpenRemoteSession(std::string_view actor, TimePoint at, std::string_view note) {
  if (Status s = CheckStep(actor, at); !s.ok()) return s;
  if (record_.status != TicketStatus::kResponded) return Forbidden("open a remote session");
  ResumeIfPaused(actor, at, "remote session opened");
  const DeadlineClock* remote = clock(ClockKind::kRemoteSession);
  // Consent and session in the same minute: the promise is kept on the spot.
  if (remote == nullptr || !remote->active()) StartClock(ClockKind::kRemoteSession, at);
  MeetClock(ClockKind::kHandling, actor, at);
  MeetClock(ClockKind::kRemoteSession, actor, at);
  record_.status = TicketStatus::kRemoteSession;
  Record(at, HistoryKind::kRemoteSessionOpened, actor, std::string(note));
  return Status::Ok();
}

Status Ticket::RequestOnsite(std::string_view actor, TimePoint at, std::string_view note) {
  if (Status s = CheckStep(actor, at); !s.ok()) return s;
  if (record_.report.kind != TicketKind::kFault) {
    return FailedPrecondition("TICKET_KIND_FORBIDS_STEP", "a consultation has no on-site service");
  }
  if (!In(record_.status, {TicketStatus::kResponded, TicketStatus::kRemoteSession})) {
    return Forbidden("request on-site service");
  }
  ResumeIfPaused(actor, at, "on-site service requested");
  MeetClock(ClockKind::kHandling, actor, at);
  CancelClock(ClockKind::kRemoteSession, at);  // consented but never opened: moot now
  record_.status = TicketStatus::kAwaitingOnsite;
  Record(at, HistoryKind::kOnsiteRequested, actor, std::string(note));
  return Status::Ok();
}

Status Ticket::EngineerArrived(std::string_view actor, TimePoint at,
                               std::optional<AssetCategory> category) {
  if (Status s = CheckStep(actor, at); !s.ok()) return s;
  if (record_.report.kind != TicketKind::kFault) {
    return FailedPrecondition("TICKET_KIND_FORBIDS_STEP", "a consultation has no on-site service");
  }
  if (record_.status != TicketStatus::kAwaitingOnsite) return Forbidden("record arrival");
  ResumeIfPaused(actor, at, "engineer arrived");
  if (category) record_.report.asset_category = category;
  MeetClock(ClockKind::kOnsiteArrival, actor, at);
  StartClock(ClockKind::kRepair, at);
  record_.status = TicketStatus::kOnsiteInProgress;
  Record(at, HistoryKind::kEngineerArrived, actor,
         record_.report.asset_category
             ? "asset category " + std::string(AssetCategoryName(*record_.report.asset_category))
             : std::string());
  return Status::Ok();
}

Status Ticket::DeliverHandlingPlan(std::string_view actor, TimePoint at, std::string_view plan) {
  if (Status s = CheckStep(actor, at); !s.ok()) return s;
  if (Blank(plan) || !IsValidUtf8(plan)) {
    return InvalidArgument("INVALID_ARGUMENT", "a handling plan needs its text",
                           {{"plan", "must be non-empty UTF-8 text"}});
  }
  if (!In(record_.status, {TicketStatus::kResponded, TicketStatus::kRemoteSession,
                           TicketStatus::kAwaitingOnsite, TicketStatus::kOnsiteInProgress})) {
    return Forbidden("deliver a handling plan");
  }
  ResumeIfPaused(actor, at, "handling plan delivered");
  MeetClock(ClockKind::kHandlingPlan, actor, at);
  Record(at, HistoryKind::kHandlingPlanDelivered, actor, std::string(plan));
  return Status::Ok();
}

Status Ticket::Resolve(std::string_view actor, TimePoint at, ResolutionMethod method,
                       std::string_view summary) {
  if (Status s = CheckStep(actor, at); !s.ok()) return s;
  if (Blank(summary) || !IsValidUtf8(summary)) {
    return InvalidArgument("INVALID_ARGUMENT", "say how the fault was resolved",
                           {{"summary", "must be non-empty UTF-8 text"}});
  }
  bool allowed = false;
  switch (method) {
    case ResolutionMethod::kPhone:
      allowed = In(record_.status, {TicketStatus::kOpen, TicketStatus::kResponded,
                                    TicketStatus::kRemoteSession, TicketStatus::kAwaitingOnsite});
      break;
    case ResolutionMethod::kRemoteSession:
      allowed = record_.status == TicketStatus::kRemoteSession;
      break;
    case ResolutionMethod::kOnsite:
      allowed = record_.status == TicketStatus::kOnsiteInProgress;
      break;
  }
  if (!allowed) {
    return Forbidden("resolve by " + std::string(ResolutionMethodName(method)));
  }
  ResumeIfPaused(actor, at, "resolved");
  if (method == ResolutionMethod::kOnsite) {
    MeetClock(ClockKind::kRepair, actor, at);
  } else {
    // Whoever fixed it on the phone talked to the customer and handled it.
    MeetClock(ClockKind::kFirstResponse, actor, at);
    MeetClock(ClockKind::kHandling, actor, at);
  }
  // What is still running no longer applies: on-site arrival after a phone fix,
  // a remote session never opened, a handling plan for a fault that is gone.
  for (auto& c : record_.clocks) {
    if (c.active()) (void)c.Cancel(at);
  }
  record_.status = TicketStatus::kResolved;
  record_.resolution = method;
  record_.resolution_summary = std::string(summary);
  Record(at, HistoryKind::kResolved, actor, Joined(ResolutionMethodName(method), summary));
  return Status::Ok();
}

Status Ticket::Close(std::string_view actor, TimePoint at, std::string_view reason) {
  if (Status s = CheckStep(actor, at); !s.ok()) return s;
  if (!IsValidUtf8(reason)) {
    return InvalidArgument("INVALID_ARGUMENT", "reason is not text",
                           {{"reason", "must be valid UTF-8"}});
  }
  if (record_.status != TicketStatus::kResolved) {
    if (!In(record_.status, {TicketStatus::kOpen, TicketStatus::kResponded,
                             TicketStatus::kRemoteSession, TicketStatus::kAwaitingOnsite})) {
      return Forbidden("close");
    }
    if (Blank(reason)) {
      return InvalidArgument("CLOSE_REASON_REQUIRED",
                             "an unresolved ticket is closed only with a reason",
                             {{"reason", "say why (withdrawn by the customer, duplicate, ...)"}});
    }
  }
  ResumeIfPaused(actor, at, "closed");
  for (auto& c : record_.clocks) {
    if (c.active()) (void)c.Cancel(at);
  }
  record_.status = TicketStatus::kClosed;
  record_.close_reason = std::string(reason);
  Record(at, HistoryKind::kClosed, actor, std::string(reason));
  return Status::Ok();
}

Status Ticket::Reopen(std::string_view actor, TimePoint at, std::string_view reason,
                      bool agent_on_call) {
  if (Status s = CheckStep(actor, at); !s.ok()) return s;
  if (Blank(reason) || !IsValidUtf8(reason)) {
    return InvalidArgument("REOPEN_REASON_REQUIRED", "say why the ticket reopens",
                           {{"reason", "must be non-empty UTF-8 text"}});
  }
  if (!In(record_.status, {TicketStatus::kResolved, TicketStatus::kClosed})) {
    return Forbidden("reopen");
  }
  ++record_.reopen_count;
  // An agent reopening during a call (the 24-hour reconfirmation) is the
  // response; a reopen from the app or an event waits for one like a report.
  record_.status = agent_on_call ? TicketStatus::kResponded : TicketStatus::kOpen;
  record_.resolution.reset();
  record_.resolution_summary.clear();
  record_.close_reason.clear();
  StartReportClocks(at, /*first_response=*/!agent_on_call);
  Record(at, HistoryKind::kReopened, actor, std::string(reason));
  return Status::Ok();
}

Status Ticket::Pause(std::string_view actor, TimePoint at, PauseReason reason,
                     std::string_view note) {
  if (Status s = CheckStep(actor, at); !s.ok()) return s;
  if (!In(record_.status, kLive)) return Forbidden("pause");
  if (record_.paused) {
    return FailedPrecondition("TICKET_ALREADY_PAUSED",
                              "ticket " + record_.number.ToString() + " is already paused");
  }
  std::string paused_clocks;
  for (auto& c : record_.clocks) {
    if (c.state != ClockState::kRunning && c.state != ClockState::kWarned) continue;
    // An overdue clock stays running: waiting on the customer now does not
    // undo a miss that already happened.
    if (c.Pause(at).ok()) {
      if (!paused_clocks.empty()) paused_clocks += ",";
      paused_clocks += ClockKindName(c.kind);
    }
  }
  record_.paused = true;
  record_.pause_reason = reason;
  record_.pause_note = std::string(note);
  Record(at, HistoryKind::kPaused, actor,
         Joined(PauseReasonName(reason), note) + " [clocks: " + paused_clocks + "]");
  return Status::Ok();
}

Status Ticket::Resume(std::string_view actor, TimePoint at, std::string_view note) {
  if (Status s = CheckStep(actor, at); !s.ok()) return s;
  if (!record_.paused) {
    return FailedPrecondition("TICKET_NOT_PAUSED",
                              "ticket " + record_.number.ToString() + " is not paused");
  }
  ResumeIfPaused(actor, at, note);
  return Status::Ok();
}

Status Ticket::Annotate(HistoryKind kind, std::string_view actor, TimePoint at,
                        std::string_view detail) {
  if (kind != HistoryKind::kWorkOrderNote && kind != HistoryKind::kReconfirmFailed &&
      kind != HistoryKind::kComplaintOpened && kind != HistoryKind::kDiagnosed) {
    return InvalidArgument("NOT_A_NOTE", std::string(HistoryKindName(kind)) + " is not a note",
                           {{"kind", "must be a note kind"}});
  }
  if (Status s = CheckStep(actor, at); !s.ok()) return s;
  Record(at, kind, actor, std::string(detail));
  return Status::Ok();
}

Status Ticket::WarnClock(ClockKind kind, std::string_view actor, TimePoint at) {
  if (Status s = CheckStep(actor, at); !s.ok()) return s;
  DeadlineClock* c = mutable_clock(kind);
  if (c == nullptr) {
    return FailedPrecondition("CLOCK_NOT_STARTED",
                              std::string(ClockKindName(kind)) + " clock was never started");
  }
  if (Status s = c->Warn(at); !s.ok()) return s;
  Record(at, HistoryKind::kClockWarned, actor,
         std::string(ClockKindName(kind)) + " reached its warning time");
  return Status::Ok();
}

Status Ticket::BreachClock(ClockKind kind, std::string_view actor, TimePoint at) {
  if (Status s = CheckStep(actor, at); !s.ok()) return s;
  DeadlineClock* c = mutable_clock(kind);
  if (c == nullptr) {
    return FailedPrecondition("CLOCK_NOT_STARTED",
                              std::string(ClockKindName(kind)) + " clock was never started");
  }
  if (Status s = c->Breach(at); !s.ok()) return s;
  Record(at, HistoryKind::kClockBreached, actor,
         std::string(ClockKindName(kind)) + " passed its due time");
  return Status::Ok();
}

}  // namespace aftersales::intake

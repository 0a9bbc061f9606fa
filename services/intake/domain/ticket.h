// The ticket aggregate: one reported fault or consultation, its status, its
// deadline clocks and its history, from report to close (and reopen).
//
// Transition table (anything else is FAILED_PRECONDITION
// "TICKET_STATE_FORBIDS_STEP", message naming the current status):
//
//   step                  from                                   to
//   Respond               OPEN                                   RESPONDED
//   BeginHandling         OPEN, RESPONDED                        RESPONDED
//   RequestRemoteSession  RESPONDED                              RESPONDED (clock starts)
//   OpenRemoteSession     RESPONDED                              REMOTE_SESSION
//   RequestOnsite *       RESPONDED, REMOTE_SESSION              AWAITING_ONSITE
//   EngineerArrived *     AWAITING_ONSITE                        ONSITE_IN_PROGRESS
//   Resolve PHONE         OPEN, RESPONDED, REMOTE_SESSION,
//                         AWAITING_ONSITE                        RESOLVED
//   Resolve REMOTE        REMOTE_SESSION                         RESOLVED
//   Resolve ONSITE *      ONSITE_IN_PROGRESS                     RESOLVED
//   Close                 RESOLVED (note optional); OPEN, RESPONDED,
//                         REMOTE_SESSION, AWAITING_ONSITE with a
//                         reason (withdrawn, duplicate)          CLOSED
//   Reopen                RESOLVED, CLOSED                       OPEN, or RESPONDED when
//                                                                an agent is on the call
//   DeliverHandlingPlan   RESPONDED .. ONSITE_IN_PROGRESS        unchanged
//   Pause / Resume        OPEN .. ONSITE_IN_PROGRESS             unchanged (flag)
//   (* fault tickets only: FAILED_PRECONDITION "TICKET_KIND_FORBIDS_STEP")
//
// Why these choices:
// - No on-site request straight from OPEN: the customer must be told when, who
//   and how the engineer comes, so someone has responded first.
// - Resolve by phone also from AWAITING_ONSITE: the fault can go away (or be
//   talked through) before the engineer arrives; dispatch cancels the job on
//   the "resolved" event.
// - No close while an engineer is on site: the work order must finish first.
// - Any step on a paused ticket resumes it first (history shows both): the
//   customer is evidently reachable again, and a forgotten Resume would stretch
//   every deadline in the vendor's favour.
//
// Clocks: the report starts FIRST_RESPONSE and HANDLING (both kinds),
// ONSITE_ARRIVAL (faults) and HANDLING_PLAN (emergency faults, per policy).
// Any step that shows a person talked to the customer meets FIRST_RESPONSE;
// any step that shows someone works the fault meets HANDLING.
// RequestRemoteSession starts REMOTE_SESSION (phone guidance failed, customer
// consents); OpenRemoteSession meets it. EngineerArrived meets ONSITE_ARRIVAL
// and starts REPAIR. Resolve meets REPAIR and cancels what no longer applies
// (ONSITE_ARRIVAL after a phone fix, an unopened REMOTE_SESSION, an
// undelivered HANDLING_PLAN). Close cancels every active clock. Reopen starts
// fresh clocks from the reopen; the old ones stay for the reports. Fault clocks
// run 7x24, consultation clocks on the business calendar.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/common/clock.h"
#include "services/common/status.h"
#include "services/intake/domain/business_calendar.h"
#include "services/intake/domain/deadlines.h"
#include "services/intake/domain/fault_number.h"
#include "services/intake/domain/install_base.h"
#include "services/intake/domain/severity.h"

namespace aftersales::intake {

enum class TicketKind { kFault, kConsultation };
enum class TicketStatus {
  kOpen,
  kResponded,
  kRemoteSession,
  kAwaitingOnsite,
  kOnsiteInProgress,
  kResolved,
  kClosed,
};
inline constexpr int kTicketStatusCount = static_cast<int>(TicketStatus::kClosed) + 1;
enum class Channel { kHotline, kEmail, kFax, kWeb, kMobileApp, kDeviceAlarm };
enum class PauseReason { kCustomerUnreachable, kSiteClosed, kAwaitingCustomerPart };
enum class ResolutionMethod { kPhone, kRemoteSession, kOnsite };
enum class HistoryKind {
  kReported,
  kResponded,
  kHandlingStarted,
  kRemoteSessionRequested,
  kRemoteSessionOpened,
  kOnsiteRequested,
  kEngineerArrived,
  kHandlingPlanDelivered,
  kResolved,
  kClosed,
  kReopened,
  kPaused,
  kResumed,
  kClockWarned,
  kClockBreached,
  // Notes that do not move the ticket (Annotate).
  kWorkOrderNote,
  kReconfirmFailed,
  kComplaintOpened,
  kDiagnosed,
};

std::string_view TicketKindName(TicketKind kind);                // "FAULT", "CONSULTATION"
std::string_view TicketStatusName(TicketStatus status);          // "OPEN", ...
std::string_view ChannelName(Channel channel);                   // "HOTLINE", ...
std::string_view PauseReasonName(PauseReason reason);            // "CUSTOMER_UNREACHABLE", ...
std::string_view ResolutionMethodName(ResolutionMethod method);  // "PHONE", ...
std::string_view HistoryKindName(HistoryKind kind);              // "REPORTED", ...

// What is recorded at intake (domain.md "Fault intake").
struct NewTicket {
  TicketKind kind = TicketKind::kFault;
  Channel channel = Channel::kHotline;
  std::string customer_id;
  std::string contact_name;
  std::string contact_phone;  // digits, spaces, + - ( ); 5-20 digits
  std::string site_id;        // required for faults
  Zone zone = Zone::kCity;    // from the site; decides the on-site deadline
  std::string asset_id;       // when known
  std::optional<AssetCategory> asset_category;
  std::string symptoms;
  std::optional<TimePoint> started_at;  // when the fault started, if the customer knows
  std::string fault_type;               // nature and type of fault
  std::string location;                 // where on the site
  std::string impact;                   // degree of impact, free text or an Impact name
  std::optional<Severity> severity;     // the agent's classification, if given
  std::string customer_actions;         // what the customer has already done
};

struct HistoryEntry {
  TimePoint time;
  HistoryKind kind = HistoryKind::kReported;
  std::string actor;
  std::string detail;
};

// Everything the ticket is, as plain data for storage to persist and restore.
struct TicketRecord {
  FaultNumber number = FaultNumber::FromSequence(0);
  NewTicket report;
  Severity severity = Severity::kNotice;
  TicketStatus status = TicketStatus::kOpen;
  TimePoint reported_at;
  bool paused = false;
  std::optional<PauseReason> pause_reason;
  std::string pause_note;
  std::optional<ResolutionMethod> resolution;
  std::string resolution_summary;
  std::string close_reason;
  int reopen_count = 0;
  std::vector<DeadlineClock> clocks;  // in start order; a kind may repeat after a reopen
  std::vector<HistoryEntry> history;  // append-only, in time order
};

// Policy the ticket's clocks follow: the deployment default already tightened
// by the customer's contract, and the business calendar for consultations.
struct TicketRules {
  DeadlinePolicy deadlines = DeadlinePolicy::Default();
  BusinessCalendar calendar = BusinessCalendar::Default();
};

// Why a contact phone number is not acceptable ("+86 (21) 5555-0100" is), or
// nullopt. Shared with the install base's contacts.
std::optional<std::string> PhoneProblem(std::string_view phone);

// INVALID_ARGUMENT "INVALID_TICKET" listing every bad field (empty names,
// phone format, missing site for a fault, unknown impact without severity,
// text that is not UTF-8, a start time after the report).
Status ValidateNewTicket(const NewTicket& report, TimePoint reported_at);

class Ticket {
 public:
  // The fault number comes from storage's sequence. Errors: validation as
  // above; INVALID_ARGUMENT "ACTOR_REQUIRED"; invalid rules.
  static Result<Ticket> Report(FaultNumber number, NewTicket report, std::string_view actor,
                               TimePoint at, TicketRules rules = {});
  // Rebuild a stored ticket; the rules may have changed since (new contract).
  static Ticket Restore(TicketRecord record, TicketRules rules = {});

  const TicketRecord& record() const { return record_; }
  TicketStatus status() const { return record_.status; }
  bool paused() const { return record_.paused; }
  // The latest clock of a kind, if one was ever started.
  const DeadlineClock* clock(ClockKind kind) const;
  // Earliest warn_at/due among running clocks: when the sweeper must look again.
  std::optional<TimePoint> NextClockEvent() const { return NextClockEvent(record_); }
  // The same for a stored record, without restoring a ticket (a copy) first.
  static std::optional<TimePoint> NextClockEvent(const TicketRecord& record);

  // Every step: actor non-empty (INVALID_ARGUMENT "ACTOR_REQUIRED"), `at` not
  // before the last history entry (INVALID_ARGUMENT "TIME_BEFORE_LAST_CHANGE"),
  // then the transition table above.
  Status Respond(std::string_view actor, TimePoint at, std::string_view note = {});
  Status BeginHandling(std::string_view actor, TimePoint at, std::string_view note = {});
  Status RequestRemoteSession(std::string_view actor, TimePoint at, std::string_view note = {});
  Status OpenRemoteSession(std::string_view actor, TimePoint at, std::string_view note = {});
  Status RequestOnsite(std::string_view actor, TimePoint at, std::string_view note = {});
  // The engineer may have identified the asset on site; it decides the REPAIR budget.
  Status EngineerArrived(std::string_view actor, TimePoint at,
                         std::optional<AssetCategory> category = std::nullopt);
  Status DeliverHandlingPlan(std::string_view actor, TimePoint at, std::string_view plan);
  Status Resolve(std::string_view actor, TimePoint at, ResolutionMethod method,
                 std::string_view summary);
  Status Close(std::string_view actor, TimePoint at, std::string_view reason = {});
  Status Reopen(std::string_view actor, TimePoint at, std::string_view reason, bool agent_on_call);
  Status Pause(std::string_view actor, TimePoint at, PauseReason reason,
               std::string_view note = {});
  Status Resume(std::string_view actor, TimePoint at, std::string_view note = {});
  // A history line that does not change the status: what another service
  // reported (work order news, a failed reconfirmation, a complaint) or a
  // diagnosis. Only the note kinds (kWorkOrderNote, kReconfirmFailed,
  // kComplaintOpened, kDiagnosed) are accepted; anything else is
  // INVALID_ARGUMENT "NOT_A_NOTE".
  Status Annotate(HistoryKind kind, std::string_view actor, TimePoint at, std::string_view detail);
  // The deadline sweeper's steps; the history records both.
  Status WarnClock(ClockKind kind, std::string_view actor, TimePoint at);
  Status BreachClock(ClockKind kind, std::string_view actor, TimePoint at);

 private:
  Ticket(TicketRecord record, TicketRules rules)
      : record_(std::move(record)), rules_(std::move(rules)) {}

  Status CheckStep(std::string_view actor, TimePoint at) const;
  Status Forbidden(std::string_view step) const;
  ClockTime clock_time() const;
  DeadlineClock* mutable_clock(ClockKind kind);
  void StartClock(ClockKind kind, TimePoint at);
  void MeetClock(ClockKind kind, std::string_view actor, TimePoint at);
  void CancelClock(ClockKind kind, TimePoint at);
  void ResumeIfPaused(std::string_view actor, TimePoint at, std::string_view why);
  void StartReportClocks(TimePoint at, bool first_response);
  void Record(TimePoint at, HistoryKind kind, std::string_view actor, std::string detail);

  TicketRecord record_;
  TicketRules rules_;
};

}  // namespace aftersales::intake

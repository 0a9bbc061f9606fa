// Deadline engine: the promised times (domain.md "Deadlines") as a policy
// table, and the clock that runs against one promise on one ticket.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string_view>

#include "services/common/clock.h"
#include "services/common/status.h"
#include "services/intake/domain/business_calendar.h"
#include "services/intake/domain/install_base.h"
#include "services/intake/domain/severity.h"

namespace aftersales::intake {

enum class ClockKind {
  kFirstResponse,  // a person contacts the customer
  kHandling,       // handling starts
  kRemoteSession,  // remote session opens after phone guidance failed
  kOnsiteArrival,  // engineer on site
  kHandlingPlan,   // handling plan delivered (emergencies)
  kRepair,         // repaired or replaced after arrival
};
std::string_view ClockKindName(ClockKind kind);  // "FIRST_RESPONSE", ...

// Fault clocks run 7x24; consultation clocks only in business hours.
enum class ClockTime { kAllHours, kBusinessHours };

// One duration per severity, indexed by Severity; nullopt = no such clock.
using SeverityTable = std::array<std::optional<Duration>, kSeverityCount>;

// What the budget of a clock depends on besides its kind.
struct ClockContext {
  Severity severity = Severity::kNotice;
  Zone zone = Zone::kCity;
  // REPAIR only. Unknown (asset not identified yet) counts as main equipment:
  // that is the budget the vendor signed for the system as a whole.
  std::optional<AssetCategory> category;
};

// A contract can only tighten: each set cap lowers every budget of its clock
// kind that is longer ("30-minute response and 2 hours on site everywhere").
// It never creates a clock the policy does not have (no handling plan for a
// minor fault) and never loosens one.
struct ContractDeadlines {
  std::optional<Duration> first_response;
  std::optional<Duration> handling;
  std::optional<Duration> remote_session;
  std::optional<Duration> onsite_arrival;
  std::optional<Duration> handling_plan;
  std::optional<Duration> repair;
};

struct DeadlinePolicy {
  SeverityTable first_response;
  SeverityTable handling;
  SeverityTable remote_session;
  SeverityTable onsite_city;
  SeverityTable onsite_suburb;
  SeverityTable onsite_remote;
  SeverityTable handling_plan;
  std::optional<Duration> repair_main_equipment;  // mainframe, controller, terminal
  std::optional<Duration> repair_accessory;       // consumables get no repair clock
  int warn_percent = 75;                          // warning at this share of the budget

  // domain.md's table. The `remote` zone is not in it; the default is 48 h for
  // every severity (two days' travel to an outlying site), a deployment sets
  // its own.
  static DeadlinePolicy Default();

  // INVALID_ARGUMENT "INVALID_DEADLINE_POLICY": every budget > 0,
  // warn_percent 1..99.
  Status Validate() const;
  Result<DeadlinePolicy> TightenedBy(const ContractDeadlines& contract) const;
  // nullopt when the policy has no such clock for this context.
  std::optional<Duration> Budget(ClockKind kind, const ClockContext& context) const;
};

enum class ClockState { kRunning, kPaused, kWarned, kMet, kBreached, kCancelled };
std::string_view ClockStateName(ClockState state);  // "RUNNING", ...

// One promise on one ticket. A plain struct so that storage can persist and
// restore it field by field; change it only through the member functions,
// which return FAILED_PRECONDITION "CLOCK_STATE_FORBIDS_STEP" when the state
// forbids the step.
//
// Conventions:
// - Met exactly at `due` is in time; Breach() needs at > due.
// - Meet() after due gives BREACHED with met_at set: reports need both the
//   miss and when the step finally happened. Meet() on a clock the sweeper
//   already breached just records met_at.
// - A paused clock is frozen before its due time (Pause refuses an overdue
//   clock), so meeting it while paused is always in time.
// - Pause/Resume push due and warn_at out by the paused time: wall time for
//   7x24 clocks, business time for business-hours clocks.
struct DeadlineClock {
  ClockKind kind = ClockKind::kFirstResponse;
  ClockTime time = ClockTime::kAllHours;
  Duration budget{};
  TimePoint start;
  TimePoint due;
  TimePoint warn_at;
  ClockState state = ClockState::kRunning;
  bool warned = false;  // survives a pause: a resumed clock does not warn twice
  std::optional<TimePoint> met_at;
  std::optional<TimePoint> paused_at;  // set while PAUSED
  Duration paused_total{};             // wall time spent paused, for the history and reports

  // INVALID_ARGUMENT when budget <= 0 or warn_percent is not 1..99.
  static Result<DeadlineClock> Start(ClockKind kind, ClockTime time, TimePoint start,
                                     Duration budget, int warn_percent,
                                     const BusinessCalendar& calendar);

  // RUNNING, WARNED or PAUSED: the promise still applies.
  bool active() const;
  bool DueForWarning(TimePoint at) const;  // RUNNING and at >= warn_at
  bool Overdue(TimePoint at) const;        // RUNNING/WARNED and at > due

  Status Pause(TimePoint at);                                     // RUNNING/WARNED and at < due
  Status Resume(TimePoint at, const BusinessCalendar& calendar);  // PAUSED
  Status Meet(TimePoint at);
  Status Cancel(TimePoint at);  // active → CANCELLED
  Status Warn(TimePoint at);    // DueForWarning(at)
  Status Breach(TimePoint at);  // Overdue(at)
};

}  // namespace aftersales::intake

#include "services/intake/domain/deadlines.h"

#include <algorithm>
#include <string>

namespace aftersales::intake {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

SeverityTable All(Duration d) { return {d, d, d, d}; }

const char* const kTableNames[] = {"first_response", "handling",      "remote_session",
                                   "onsite_city",    "onsite_suburb", "onsite_remote",
                                   "handling_plan"};

std::array<const SeverityTable*, 7> Tables(const DeadlinePolicy& p) {
  return {&p.first_response, &p.handling,      &p.remote_session, &p.onsite_city,
          &p.onsite_suburb,  &p.onsite_remote, &p.handling_plan};
}

void Cap(SeverityTable& table, const std::optional<Duration>& cap) {
  if (!cap) return;
  for (auto& d : table) {
    if (d) d = std::min(*d, *cap);
  }
}
void Cap(std::optional<Duration>& d, const std::optional<Duration>& cap) {
  if (d && cap) d = std::min(*d, *cap);
}

Status Forbids(const DeadlineClock& c, std::string_view step) {
  return FailedPrecondition("CLOCK_STATE_FORBIDS_STEP", std::string(ClockKindName(c.kind)) +
                                                            " clock is " +
                                                            std::string(ClockStateName(c.state)) +
                                                            "; cannot " + std::string(step));
}

TimePoint Advance(ClockTime time, TimePoint from, Duration d, const BusinessCalendar& calendar) {
  return time == ClockTime::kAllHours ? from + d : calendar.AddBusinessTime(from, d);
}

}  // namespace

std::string_view ClockKindName(ClockKind kind) {
  switch (kind) {
    case ClockKind::kFirstResponse:
      return "FIRST_RESPONSE";
    case ClockKind::kHandling:
      return "HANDLING";
    case ClockKind::kRemoteSession:
      return "REMOTE_SESSION";
    case ClockKind::kOnsiteArrival:
      return "ONSITE_ARRIVAL";
    case ClockKind::kHandlingPlan:
      return "HANDLING_PLAN";
    case ClockKind::kRepair:
      return "REPAIR";
  }
  return "UNKNOWN";
}

std::string_view ClockStateName(ClockState state) {
  switch (state) {
    case ClockState::kRunning:
      return "RUNNING";
    case ClockState::kPaused:
      return "PAUSED";
    case ClockState::kWarned:
      return "WARNED";
    case ClockState::kMet:
      return "MET";
    case ClockState::kBreached:
      return "BREACHED";
    case ClockState::kCancelled:
      return "CANCELLED";
  }
  return "UNKNOWN";
}

DeadlinePolicy DeadlinePolicy::Default() {
  DeadlinePolicy p;
  p.first_response = All(hours(1));
  p.handling = {hours(1), hours(4), hours(8), hours(12)};
  p.remote_session = All(minutes(30));
  p.onsite_city = {hours(2), hours(2), hours(24), hours(24)};
  p.onsite_suburb = {hours(12), hours(12), hours(24), hours(24)};
  p.onsite_remote = All(hours(48));
  p.handling_plan = {hours(24), std::nullopt, std::nullopt, std::nullopt};
  p.repair_main_equipment = hours(72);
  p.repair_accessory = hours(24);
  p.warn_percent = 75;
  return p;
}

Status DeadlinePolicy::Validate() const {
  Validator v;
  const auto tables = Tables(*this);
  for (size_t t = 0; t < tables.size(); ++t) {
    for (int s = 0; s < kSeverityCount; ++s) {
      const auto& d = (*tables[t])[static_cast<size_t>(s)];
      // Names built only for a bad entry: every report validates its policy.
      if (d && *d <= Duration::zero()) {
        std::string field = kTableNames[t];
        field += '.';
        field += SeverityName(static_cast<Severity>(s));
        v.Check(false, field, "must be positive");
      }
    }
  }
  v.Check(!repair_main_equipment || *repair_main_equipment > Duration::zero(),
          "repair_main_equipment", "must be positive");
  v.Check(!repair_accessory || *repair_accessory > Duration::zero(), "repair_accessory",
          "must be positive");
  v.Check(warn_percent >= 1 && warn_percent <= 99, "warn_percent", "must be 1..99");
  return v.ToStatus("INVALID_DEADLINE_POLICY");
}

Result<DeadlinePolicy> DeadlinePolicy::TightenedBy(const ContractDeadlines& c) const {
  Validator v;
  auto positive = [&](const std::optional<Duration>& d, const char* field) {
    v.Check(!d || *d > Duration::zero(), field, "must be positive");
  };
  positive(c.first_response, "contract.first_response");
  positive(c.handling, "contract.handling");
  positive(c.remote_session, "contract.remote_session");
  positive(c.onsite_arrival, "contract.onsite_arrival");
  positive(c.handling_plan, "contract.handling_plan");
  positive(c.repair, "contract.repair");
  if (!v.ok()) return v.ToStatus("INVALID_CONTRACT_DEADLINES");

  DeadlinePolicy p = *this;
  Cap(p.first_response, c.first_response);
  Cap(p.handling, c.handling);
  Cap(p.remote_session, c.remote_session);
  Cap(p.onsite_city, c.onsite_arrival);
  Cap(p.onsite_suburb, c.onsite_arrival);
  Cap(p.onsite_remote, c.onsite_arrival);
  Cap(p.handling_plan, c.handling_plan);
  Cap(p.repair_main_equipment, c.repair);
  Cap(p.repair_accessory, c.repair);
  return p;
}

std::optional<Duration> DeadlinePolicy::Budget(ClockKind kind, const ClockContext& ctx) const {
  const auto s = static_cast<size_t>(ctx.severity);
  switch (kind) {
    case ClockKind::kFirstResponse:
      return first_response[s];
    case ClockKind::kHandling:
      return handling[s];
    case ClockKind::kRemoteSession:
      return remote_session[s];
    case ClockKind::kHandlingPlan:
      return handling_plan[s];
    case ClockKind::kOnsiteArrival:
      switch (ctx.zone) {
        case Zone::kCity:
          return onsite_city[s];
        case Zone::kSuburb:
          return onsite_suburb[s];
        case Zone::kRemote:
          return onsite_remote[s];
      }
      return std::nullopt;
    case ClockKind::kRepair:
      if (!ctx.category || IsMainEquipment(*ctx.category)) return repair_main_equipment;
      if (*ctx.category == AssetCategory::kAccessory) return repair_accessory;
      return std::nullopt;  // consumables are swapped, not repaired
  }
  return std::nullopt;
}

Result<DeadlineClock> DeadlineClock::Start(ClockKind kind, ClockTime time, TimePoint start,
                                           Duration budget, int warn_percent,
                                           const BusinessCalendar& calendar) {
  Validator v;
  v.Check(budget > Duration::zero(), "budget", "must be positive");
  v.Check(warn_percent >= 1 && warn_percent <= 99, "warn_percent", "must be 1..99");
  if (!v.ok()) return v.ToStatus("INVALID_DEADLINE_CLOCK");
  DeadlineClock c;
  c.kind = kind;
  c.time = time;
  c.budget = budget;
  c.start = start;
  c.due = Advance(time, start, budget, calendar);
  c.warn_at = Advance(time, start, budget * warn_percent / 100, calendar);
  c.state = ClockState::kRunning;
  return c;
}

bool DeadlineClock::active() const {
  return state == ClockState::kRunning || state == ClockState::kWarned ||
         state == ClockState::kPaused;
}

bool DeadlineClock::DueForWarning(TimePoint at) const {
  return state == ClockState::kRunning && !warned && at >= warn_at;
}

bool DeadlineClock::Overdue(TimePoint at) const {
  return (state == ClockState::kRunning || state == ClockState::kWarned) && at > due;
}

Status DeadlineClock::Pause(TimePoint at) {
  if (state != ClockState::kRunning && state != ClockState::kWarned) return Forbids(*this, "pause");
  if (at >= due) {
    // Pausing now would hide a miss that has already happened.
    return FailedPrecondition(
        "CLOCK_OVERDUE", std::string(ClockKindName(kind)) + " clock is already past its due time");
  }
  paused_at = at;
  state = ClockState::kPaused;
  return Status::Ok();
}

Status DeadlineClock::Resume(TimePoint at, const BusinessCalendar& calendar) {
  if (state != ClockState::kPaused || !paused_at) return Forbids(*this, "resume");
  const TimePoint from = *paused_at;
  if (at < from) {
    return InvalidArgument("TIME_BEFORE_PAUSE", "resume time is before the pause",
                           {{"time", "must not be before the pause"}});
  }
  if (time == ClockTime::kAllHours) {
    due += at - from;
    if (!warned) warn_at += at - from;
  } else {
    // What was left of the business time at the pause is left at the resume.
    due = calendar.AddBusinessTime(at, calendar.BusinessTimeBetween(from, due));
    if (!warned) {
      warn_at = calendar.AddBusinessTime(at, calendar.BusinessTimeBetween(from, warn_at));
    }
  }
  paused_total += at - from;
  paused_at.reset();
  state = warned ? ClockState::kWarned : ClockState::kRunning;
  return Status::Ok();
}

Status DeadlineClock::Meet(TimePoint at) {
  switch (state) {
    case ClockState::kPaused:
      if (paused_at && at > *paused_at) paused_total += at - *paused_at;
      paused_at.reset();
      state = ClockState::kMet;
      met_at = at;
      return Status::Ok();
    case ClockState::kRunning:
    case ClockState::kWarned:
      met_at = at;
      state = at <= due ? ClockState::kMet : ClockState::kBreached;
      return Status::Ok();
    case ClockState::kBreached:
      if (met_at) return Forbids(*this, "meet");
      met_at = at;
      return Status::Ok();
    case ClockState::kMet:
    case ClockState::kCancelled:
      break;
  }
  return Forbids(*this, "meet");
}

Status DeadlineClock::Cancel(TimePoint at) {
  if (!active()) return Forbids(*this, "cancel");
  if (state == ClockState::kPaused && paused_at && at > *paused_at) paused_total += at - *paused_at;
  paused_at.reset();
  state = ClockState::kCancelled;
  return Status::Ok();
}

Status DeadlineClock::Warn(TimePoint at) {
  if (!DueForWarning(at)) {
    return state == ClockState::kRunning && !warned
               ? FailedPrecondition(
                     "CLOCK_NOT_DUE_FOR_WARNING",
                     std::string(ClockKindName(kind)) + " clock has not reached its warning time")
               : Forbids(*this, "warn");
  }
  warned = true;
  state = ClockState::kWarned;
  return Status::Ok();
}

Status DeadlineClock::Breach(TimePoint at) {
  if (!Overdue(at)) {
    return state == ClockState::kRunning || state == ClockState::kWarned
               ? FailedPrecondition("CLOCK_NOT_DUE",
                                    std::string(ClockKindName(kind)) + " clock is not past due")
               : Forbids(*this, "breach");
  }
  state = ClockState::kBreached;
  return Status::Ok();
}

}  // namespace aftersales::intake

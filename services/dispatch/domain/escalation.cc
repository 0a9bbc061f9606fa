#include "services/dispatch/domain/escalation.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace aftersales::dispatch {
namespace {

Duration Scale(Duration d, double fraction) {
  return std::chrono::duration_cast<Duration>(
      std::chrono::duration<double, Duration::period>(static_cast<double>(d.count()) * fraction));
}

}  // namespace

const char* EscalationLevelName(EscalationLevel level) {
  switch (level) {
    case EscalationLevel::kWarning:
      return "WARNING";
    case EscalationLevel::kBreach:
      return "BREACH";
    case EscalationLevel::kManager:
      return "MANAGER";
  }
  return "ESCALATION_LEVEL_UNSPECIFIED";
}

Result<std::vector<EscalationStep>> EscalationSteps(TimePoint start, TimePoint due,
                                                    const EscalationPolicy& policy) {
  Validator v;
  v.Check(due >= start, "due", "must not be before start");
  v.Check(std::isfinite(policy.warning_fraction) && policy.warning_fraction > 0.0 &&
              policy.warning_fraction < 1.0,
          "policy.warning_fraction", "must be between 0 and 1");
  v.Check(std::isfinite(policy.manager_after_breach_fraction) &&
              policy.manager_after_breach_fraction >= 0.0,
          "policy.manager_after_breach_fraction", "must not be negative");
  if (!v.ok()) return v.ToStatus("INVALID_ESCALATION_CLOCK");
  const Duration length = due - start;
  return std::vector<EscalationStep>{
      {EscalationLevel::kWarning, EscalationTarget::kDispatcher,
       start + Scale(length, policy.warning_fraction)},
      {EscalationLevel::kBreach, EscalationTarget::kAfterSalesLead, due},
      {EscalationLevel::kManager, EscalationTarget::kManager,
       due + Scale(length, policy.manager_after_breach_fraction)},
  };
}

Result<std::vector<EscalationStep>> DueEscalations(TimePoint start, TimePoint due, TimePoint now,
                                                   const std::vector<EscalationLevel>& fired,
                                                   std::optional<TimePoint> stopped_at,
                                                   const EscalationPolicy& policy) {
  Result<std::vector<EscalationStep>> steps = EscalationSteps(start, due, policy);
  if (!steps.ok()) return steps.status();
  std::vector<EscalationStep> out;
  for (const EscalationStep& step : *steps) {
    if (step.at > now) continue;
    // Met before the step was due: nobody needs to hear about it.
    if (stopped_at && *stopped_at <= step.at) continue;
    if (std::find(fired.begin(), fired.end(), step.level) != fired.end()) continue;
    out.push_back(step);
  }
  return out;
}

}  // namespace aftersales::dispatch

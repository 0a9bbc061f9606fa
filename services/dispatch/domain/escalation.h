// Who hears about a deadline clock, and when: a warning before the due time,
// then escalation up the line at breach and well after it.
#pragma once

#include <optional>
#include <vector>

#include "services/common/clock.h"
#include "services/common/status.h"

namespace aftersales::dispatch {

enum class EscalationLevel { kWarning = 1, kBreach = 2, kManager = 3 };
enum class EscalationTarget { kDispatcher = 1, kAfterSalesLead = 2, kManager = 3 };

const char* EscalationLevelName(EscalationLevel level);

struct EscalationStep {
  EscalationLevel level = EscalationLevel::kWarning;
  EscalationTarget notify = EscalationTarget::kDispatcher;
  TimePoint at;
  bool operator==(const EscalationStep&) const = default;
};

struct EscalationPolicy {
  double warning_fraction = 0.75;              // of the clock's length, from its start
  double manager_after_breach_fraction = 0.5;  // of the clock's length, after due
};

// The steps for a clock running from start to due, in time order.
// INVALID_ARGUMENT when due is before start or the fractions are out of range.
Result<std::vector<EscalationStep>> EscalationSteps(TimePoint start, TimePoint due,
                                                    const EscalationPolicy& policy = {});

// The steps that should fire at `now` and have not fired yet. A clock that
// stopped (met) at `stopped_at` fires nothing from then on.
Result<std::vector<EscalationStep>> DueEscalations(TimePoint start, TimePoint due, TimePoint now,
                                                   const std::vector<EscalationLevel>& fired,
                                                   std::optional<TimePoint> stopped_at = {},
                                                   const EscalationPolicy& policy = {});

}  // namespace aftersales::dispatch

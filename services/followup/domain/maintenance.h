// Maintenance plans: when their visits fall due, and the rule that brings
// visits closer when faults come more often than visits.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "services/common/clock.h"
#include "services/common/status.h"
#include "services/followup/domain/calendar.h"

namespace aftersales::followup {

// Values match followup.v1.MaintenancePlan.Cadence.
enum class Cadence { kBiweekly = 1, kMonthly = 2, kQuarterly = 3 };

struct MaintenancePlan {
  std::string id;
  std::string site_id;
  std::string asset_serial;  // empty: the whole site
  std::string customer_id;
  Cadence contract_cadence = Cadence::kMonthly;  // what the contract says
  Cadence cadence = Cadence::kMonthly;           // in force (may be shorter)
  CivilDate starts_on;                           // go-live
  TimePoint next_visit{};
  TimePoint create_time{};
  TimePoint update_time{};
};

// The schedule:
//  - the first 3 calendar months after go-live: go-live + 14, 28, ... days;
//  - from go-live + 3 months on: that day, then every cadence step from it
//    (+14 days, +1 month or +3 months; months clamp to the month's last day).
// Visits fall due at 00:00 UTC. Returns the first visit strictly after `after`.
TimePoint VisitAfter(const CivilDate& go_live, Cadence cadence, TimePoint after);

// The rule for faults that come more often than visits: when, after the first
// 3 months, the plan's asset (or site) reports 2 or more faults within one
// visit interval of the cadence in force (14, 30 or 91 days back from the
// latest fault), the cadence moves one step shorter (quarterly -> monthly ->
// biweekly). It never lengthens on its own: a new plan restores the contract.
Cadence AdaptedCadence(Cadence current, const std::vector<TimePoint>& fault_times,
                       TimePoint latest_fault);

std::chrono::hours IntervalOf(Cadence cadence);

// The first visit is the first one due today or later (a visit due at 00:00
// today is made at once). INVALID_ARGUMENT naming siteId / cadence / startsOn.
Result<MaintenancePlan> NewPlan(std::string id, std::string site_id, std::string asset_serial,
                                std::string customer_id, int cadence, const std::string& starts_on,
                                TimePoint now);

}  // namespace aftersales::followup

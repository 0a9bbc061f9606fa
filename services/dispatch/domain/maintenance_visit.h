// A maintenance plan's due visit as dispatch plans it. It has no ticket: the
// job is known by its followup id, the site and asset come from intake's
// install base, and the product line an engineer must know comes from the
// asset's model by configured rules (intake never derives one: on a fault
// the agent names it in RequestOnsite).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/common/clock.h"
#include "services/common/status.h"
#include "services/dispatch/domain/geo.h"
#include "services/dispatch/domain/onsite_request.h"
#include "services/dispatch/domain/work_order.h"

namespace aftersales::dispatch {

// Values match dispatch.v1.WorkOrder.Kind; a stored work order without a
// kind is a fault work order.
enum class WorkOrderKind { kFault = 1, kMaintenance = 2 };

// The key a work order's job is planned under (the planner's and the
// engineer's jobs): the ticket number for a fault, "maintenance:<followup id>"
// for a maintenance visit, which has no ticket.
std::string JobKey(WorkOrderKind kind, const std::string& ticket_number,
                   const std::string& followup_id);

// Product line by asset model: "PK-=parking,AC-=access,*=parking". The
// longest matching model prefix wins; "*" is the rule for any other model and
// for a site-wide plan.
class MaintenanceSkills {
 public:
  // INVALID_ARGUMENT naming `field` for a rule that is not "prefix=skill".
  static Result<MaintenanceSkills> Parse(std::string_view spec, const std::string& field);

  // No rule: the model itself (an engineer may list a model among its
  // skills); a site-wide plan without a "*" rule: "maintenance".
  std::string SkillFor(std::string_view model) const;

 private:
  struct Rule {
    std::string model_prefix;
    std::string skill;
  };
  std::vector<Rule> rules_;  // longest prefix first
  std::string any_model_;
};

struct MaintenancePolicy {
  // A visit is planned work, not a fault: emergencies may take its engineer.
  Severity severity = Severity::kMinor;
  // A visit falls due at 00:00 UTC of its day; the engineer has the day.
  Duration visit_window = std::chrono::hours(24);
};

// From followup's MaintenanceVisitDue.
struct MaintenanceVisit {
  std::string maintenance_plan_id;
  std::string followup_id;
  std::string customer_id;
  std::string site_id;
  std::string asset_serial;  // empty: the whole site
  TimePoint visit_due;
};

// The install base's answer (intake's Site and Asset).
struct MaintenanceSite {
  std::string id;
  std::string customer_id;
  std::string address;
  Zone zone = Zone::kUnspecified;
  std::string branch;
  GeoPoint position;
};
struct MaintenanceAsset {
  std::string serial;
  std::string model;
  AssetCategory category = AssetCategory::kUnspecified;
  bool warranty_covered = false;
};

// What the work order is planned from: `request.ticket_number` is the job
// key, `request.due` the ONSITE_ARRIVAL due time (the end of the visit's
// window), `request.requested_at` the visit due time (the clock's start).
// INVALID_ARGUMENT INVALID_MAINTENANCE_VISIT naming the field when the visit
// or its site cannot be planned (no followup id, site without a position...).
Result<OnSiteRequest> PlanMaintenanceVisit(const MaintenanceVisit& visit,
                                           const MaintenanceSite& site,
                                           const std::optional<MaintenanceAsset>& asset,
                                           const MaintenanceSkills& skills,
                                           const MaintenancePolicy& policy);

}  // namespace aftersales::dispatch

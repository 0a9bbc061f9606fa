#include "services/dispatch/domain/maintenance_visit.h"

#include <algorithm>

namespace aftersales::dispatch {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string JobKey(WorkOrderKind kind, const std::string& ticket_number,
                   const std::string& followup_id) {
  if (kind != WorkOrderKind::kMaintenance) return ticket_number;
  std::string key = "maintenance:";
  key += followup_id;
  return key;
}

Result<MaintenanceSkills> MaintenanceSkills::Parse(std::string_view spec,
                                                   const std::string& field) {
  MaintenanceSkills skills;
  while (!spec.empty()) {
    const size_t comma = spec.find(',');
    const std::string_view item = Trim(spec.substr(0, comma));
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    const std::string_view prefix = eq == std::string_view::npos ? item : Trim(item.substr(0, eq));
    const std::string_view skill =
        eq == std::string_view::npos ? std::string_view() : Trim(item.substr(eq + 1));
    if (eq == std::string_view::npos || prefix.empty() || skill.empty()) {
      std::string msg = "\"";
      msg += item;
      msg += "\" is not model-prefix=skill (\"*=skill\" for any model)";
      std::string message = field;
      message += ": ";
      message += msg;
      return InvalidArgument("INVALID_CONFIG", message, {{field, msg}});
    }
    if (prefix == "*") {
      skills.any_model_ = std::string(skill);
    } else {
      skills.rules_.push_back({std::string(prefix), std::string(skill)});
    }
  }
  std::stable_sort(skills.rules_.begin(), skills.rules_.end(), [](const Rule& a, const Rule& b) {
    return a.model_prefix.size() > b.model_prefix.size();
  });
  return skills;
}

std::string MaintenanceSkills::SkillFor(std::string_view model) const {
  if (!model.empty()) {
    for (const Rule& r : rules_) {
      if (model.substr(0, r.model_prefix.size()) == r.model_prefix) return r.skill;
    }
  }
  if (!any_model_.empty()) return any_model_;
  return model.empty() ? "maintenance" : std::string(model);
}

Result<OnSiteRequest> PlanMaintenanceVisit(const MaintenanceVisit& visit,
                                           const MaintenanceSite& site,
                                           const std::optional<MaintenanceAsset>& asset,
                                           const MaintenanceSkills& skills,
                                           const MaintenancePolicy& policy) {
  Validator v;
  v.Check(!visit.followup_id.empty(), "followup_id", "must name the MAINTENANCE followup");
  v.Check(!visit.site_id.empty(), "site_id", "must name the site to visit");
  v.Check(visit.visit_due.time_since_epoch().count() > 0, "visit_due", "must be set");
  v.Check(site.id == visit.site_id, "site_id", "the install base answered for another site");
  if (!v.ok()) return v.ToStatus("INVALID_MAINTENANCE_VISIT");

  OnSiteRequest r;
  r.ticket_number = JobKey(WorkOrderKind::kMaintenance, "", visit.followup_id);
  r.site = site.position;
  r.zone = site.zone;
  r.severity = policy.severity;
  r.skill = skills.SkillFor(asset ? std::string_view(asset->model) : std::string_view());
  r.requested_at = visit.visit_due;
  r.due = visit.visit_due + policy.visit_window;
  Status valid = ValidateOnSiteRequest(r);
  if (valid.ok()) return r;
  // Name the site's fields, which is where the fix belongs.
  std::vector<FieldViolation> violations;
  for (FieldViolation f : valid.field_violations()) {
    if (f.field == "site.lat") f.field = "site.latitude";
    if (f.field == "site.lng") f.field = "site.longitude";
    if (f.field == "zone") f.field = "site.zone";
    violations.push_back(std::move(f));
  }
  return Status(valid.code(), "INVALID_MAINTENANCE_VISIT", valid.message(), std::move(violations));
}

}  // namespace aftersales::dispatch

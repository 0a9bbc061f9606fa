#include "services/followup/storage/keys.h"

namespace aftersales::followup::keys {
namespace {

std::string Join(std::string_view prefix, std::string_view id) {
  std::string k = "{followup}:";
  k += prefix;
  k += id;
  return k;
}

}  // namespace

std::string Task(std::string_view id) { return Join("task:", id); }
std::string TasksOfCustomer(std::string_view c) { return Join("tasks:customer:", c); }
std::string TasksOfTicket(std::string_view t) { return Join("tasks:ticket:", t); }
std::string Source(std::string_view s) { return Join("source:", s); }
std::string Complaint(std::string_view id) { return Join("complaint:", id); }
std::string ComplaintSteps(std::string_view id) {
  std::string k = Complaint(id);
  k += ":steps";
  return k;
}
std::string ComplaintsOfCustomer(std::string_view c) { return Join("complaints:customer:", c); }
std::string Plan(std::string_view id) { return Join("plan:", id); }
std::string PlanFaults(std::string_view id) {
  std::string k = Plan(id);
  k += ":faults";
  return k;
}
std::string PlansOfAsset(std::string_view a) { return Join("plans:asset:", a); }
std::string PlansOfSite(std::string_view s) { return Join("plans:site:", s); }
std::string CustomersOfModel(std::string_view m) { return Join("model-customers:", m); }
std::string Request(std::string_view r) { return Join("request:", r); }
std::string ReportDay(int64_t day) { return Join("report:day:", std::to_string(day)); }
std::string ReportTicket(std::string_view t) { return Join("report:ticket:", t); }
std::string ReportWorkOrder(std::string_view w) { return Join("report:work-order:", w); }
std::string ReportHandled(std::string_view e) { return Join("report:handled:", e); }
std::string EffectHandled(std::string_view event_id, std::string_view effect) {
  std::string k = Join("effect:", effect);
  k += ':';
  k += event_id;
  return k;
}

}  // namespace aftersales::followup::keys

// Every Redis key the followup service uses, built in one place. All share the
// hash tag {followup} so that one script may touch any of them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace aftersales::followup::keys {

inline constexpr char kEvents[] = "{followup}:events";
inline constexpr char kTasks[] = "{followup}:tasks";            // zset id -> create ms
inline constexpr char kOpenTasks[] = "{followup}:tasks:open";   // zset id -> due ms
inline constexpr char kComplaints[] = "{followup}:complaints";  // zset id -> create ms
inline constexpr char kPlans[] = "{followup}:plans";            // zset id -> create ms
// Timers the due worker fires: members "plan:<id>", "complaint:<id>", score due ms.
inline constexpr char kTimers[] = "{followup}:timers";
// site id -> customer id, and asset serial -> customer id, learnt from tickets.
inline constexpr char kSiteCustomers[] = "{followup}:site-customers";
inline constexpr char kAssetCustomers[] = "{followup}:asset-customers";
// ticket number -> "<name> <phone>" of the customer's contact.
inline constexpr char kTicketContacts[] = "{followup}:ticket-contacts";
// Report projection: an index of its keys (so a rebuild can clear them), the
// last-done hash for repeat visits.
inline constexpr char kReportIndex[] = "{followup}:report:index";
inline constexpr char kReportLastDone[] = "{followup}:report:last-done";

std::string Task(std::string_view id);
std::string TasksOfCustomer(std::string_view customer_id);
std::string TasksOfTicket(std::string_view ticket_number);
std::string Source(std::string_view source);
std::string Complaint(std::string_view id);
std::string ComplaintSteps(std::string_view id);
std::string ComplaintsOfCustomer(std::string_view customer_id);
std::string Plan(std::string_view id);
std::string PlanFaults(std::string_view id);
std::string PlansOfAsset(std::string_view asset_serial);
std::string PlansOfSite(std::string_view site_id);
std::string CustomersOfModel(std::string_view model);
std::string Request(std::string_view request_id);
// One hash per UTC day: fields "<branch>\x1f<line>\x1f<counter>".
std::string ReportDay(int64_t day);
std::string ReportTicket(std::string_view ticket_number);
std::string ReportWorkOrder(std::string_view work_order_id);
std::string ReportHandled(std::string_view event_id);
// A consumed event's effect marker: one per effect, so that each effect
// script can record itself atomically.
std::string EffectHandled(std::string_view event_id, std::string_view effect);

}  // namespace aftersales::followup::keys

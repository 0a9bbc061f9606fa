// Every Redis key the dispatch service uses, built in one place. All share the
// `{dispatch}` hash tag so that any script may touch any of them on a cluster.
#pragma once

#include <string>
#include <string_view>

namespace aftersales::dispatch::keys {

inline std::string Join(std::string_view a, std::string_view b, std::string_view c = {}) {
  std::string s(a);
  s += b;
  s += c;
  return s;
}

inline constexpr std::string_view kPrefix = "{dispatch}:";
// Dispatch's event stream.
inline std::string Events() { return "{dispatch}:events"; }
// Engineer: hash {proto, state, max_jobs, version}.
inline std::string Engineer(std::string_view id) { return Join("{dispatch}:engineer:", id); }
// The engineer's jobs not yet done: hash work order id -> EncodeJob.
inline std::string EngineerJobs(std::string_view id) {
  return Join("{dispatch}:engineer:", id, ":jobs");
}
// Every engineer id (zset, score 0, lexicographic order for paging).
inline std::string Engineers() { return "{dispatch}:engineers"; }
// Bumped by every change of any engineer or its jobs: a replica rebuilds its
// planning index when it moved.
inline std::string EngineersRevision() { return "{dispatch}:engineers:rev"; }
// Engineer id -> the revision of its last change: a replica reloads only the
// engineers changed since its index was built.
inline std::string EngineersChanged() { return "{dispatch}:engineers:changed"; }
// Work order: hash {proto, status, engineer, version, escalation_level}.
inline std::string WorkOrder(std::string_view id) { return Join("{dispatch}:wo:", id); }
inline std::string WorkOrderHistory(std::string_view id) {
  return Join("{dispatch}:wo:", id, ":history");
}
// All work orders by creation time; per engineer (ever assigned); per ticket.
inline std::string WorkOrders() { return "{dispatch}:wos"; }
inline std::string EngineerWorkOrders(std::string_view id) {
  return Join("{dispatch}:wos:engineer:", id);
}
inline std::string TicketWorkOrders(std::string_view ticket) {
  return Join("{dispatch}:wos:ticket:", ticket);
}
// The work order made for one on-site request of a ticket (visit n): written
// in the same script as the work order, so a redelivered event finds it.
inline std::string OnsiteRequest(std::string_view ticket, int visit) {
  return Join("{dispatch}:onsite:", ticket, Join(":", std::to_string(visit)));
}
// The work order made for one MAINTENANCE followup (a maintenance plan's due
// visit): written in the same script as the work order, so a redelivered
// MaintenanceVisitDue finds it.
inline std::string MaintenanceVisit(std::string_view followup_id) {
  return Join("{dispatch}:maintenance:", followup_id);
}
// Work orders nobody could take yet (zset, score = severity then due).
inline std::string Queue() { return "{dispatch}:queue"; }
// Escalation steps of running clocks (zset, score = fire time in ms, member
// "<work order>|<clock>|<level>").
inline std::string Clocks() { return "{dispatch}:clocks"; }
// Idempotency of a mutating call: the result id for (operation, request id).
inline std::string Request(std::string_view op, std::string_view request_id) {
  return Join("{dispatch}:request:", op, Join(":", request_id));
}

}  // namespace aftersales::dispatch::keys

// Every Redis key intake uses, built in one place. All share the `{intake}`
// hash tag so that each Lua script's keys live on one Redis Cluster slot.
#pragma once

#include <string>
#include <string_view>

namespace aftersales::intake::keys {

inline constexpr std::string_view kTag = "{intake}:";

inline std::string Join(std::string_view a, std::string_view b) {
  std::string s(kTag);
  s.append(a);
  s.append(b);
  return s;
}

// Outbox stream and the streams intake consumes.
inline std::string Events() { return Join("events", ""); }
inline constexpr char kDispatchEvents[] = "{dispatch}:events";
inline constexpr char kFollowupEvents[] = "{followup}:events";
// Handled markers of intake's consumers ("{intake}:handled:<group>:<event id>").
inline constexpr char kHandledPrefix[] = "{intake}:";

// Install base and knowledge base: one serialized proto per record.
inline std::string Customer(std::string_view id) { return Join("customer:", id); }
inline std::string Site(std::string_view id) { return Join("site:", id); }
inline std::string Asset(std::string_view serial) { return Join("asset:", serial); }
inline std::string Contract(std::string_view id) { return Join("contract:", id); }
// Set of a customer's contract ids.
inline std::string CustomerContracts(std::string_view customer_id) {
  return Join("contracts:customer:", customer_id);
}
inline std::string Article(std::string_view id) { return Join("article:", id); }
inline std::string Articles() { return Join("articles", ""); }

// Tickets: a hash {v: version, d: encoded StoredTicket} per fault number.
inline std::string Ticket(std::string_view number) { return Join("ticket:", number); }
inline std::string TicketSequence() { return Join("seq:ticket", ""); }
// List indexes: sorted sets of fault numbers scored by their sequence.
inline std::string TicketsAll() { return Join("tickets", ""); }
inline std::string TicketsByCustomer(std::string_view id) { return Join("tickets:customer:", id); }
// One index per (status, severity) pair rather than one per status and one
// per severity: a report or a step writes one entry instead of two; a list by
// status alone merges the four severities' indexes, by severity alone the
// statuses' (storage/intake_store.h, ListIndexes).
inline std::string TicketsByState(std::string_view status, std::string_view severity) {
  std::string s = Join("tickets:state:", status);
  s += ':';
  s.append(severity);
  return s;
}
// The watchdog's schedule: fault number scored by the unix ms of the
// ticket's next clock warning or due time.
inline std::string ClockSchedule() { return Join("clocks:due", ""); }

// Idempotency: what a request id produced (a record id or fault number).
inline std::string Request(std::string_view request_id) { return Join("request:", request_id); }

}  // namespace aftersales::intake::keys

// Ticket use cases over the domain and the store: each step loads the ticket,
// lets the domain decide, and writes the new state with the events announcing
// it in one script (optimistic: a concurrent change makes it retry). Used by
// the gRPC service, the stream consumers and the clock watchdog alike.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "aftersales/intake/v1/intake.pb.h"
#include "services/common/clock.h"
#include "services/common/status.h"
#include "services/common/streams/consumer.h"
#include "services/common/streams/event.h"
#include "services/intake/domain/business_calendar.h"
#include "services/intake/domain/ticket.h"
#include "services/intake/domain/warranty.h"
#include "services/intake/storage/batch_writer.h"
#include "services/intake/storage/intake_store.h"
#include "services/intake/tickets/proto_enums.h"

namespace aftersales::intake {

// Who is calling, from the gateway's metadata.
struct Caller {
  std::string role;  // "customer", "agent", ... ; empty: a trusted internal caller
  std::string subject;
  std::string customer_id;  // role customer: whose records it may see

  bool is_customer() const { return role == "customer"; }
  // "<role>:<subject>", or "system" for an internal caller.
  std::string actor() const;
  // A customer sees only its own customer's records.
  bool CanSee(const std::string& record_customer_id) const {
    return !is_customer() || record_customer_id == customer_id;
  }
};

struct TicketDeskOptions {
  // Local day for warranty decisions (Asia/Shanghai by default).
  std::chrono::minutes utc_offset{8 * 60};
  // Consultation clocks run on it (its own offset should match utc_offset).
  BusinessCalendar calendar = BusinessCalendar::Default();
  // Attempts when another writer changed the ticket in between.
  int max_attempts = 8;
};

// What a consumed event needs recorded with its effect.
using Handled = std::optional<streams::MarkHandledArgs>;

class TicketDesk {
 public:
  TicketDesk(IntakeStore& store, const Clock& clock, TicketDeskOptions options = {});

  // The report is validated (with the site, asset and customer looked up),
  // numbered from the sequence and stored with TicketReported. A replayed
  // request id returns the first ticket. Field names in violations are the
  // domain's (snake_case; rpc/ renames them).
  Result<StoredTicket> Create(NewTicket report, const Caller& caller,
                              const std::string& request_id);
  // The same, with the write handed to `writer` so that concurrent reports
  // share a round trip; `done` runs on this thread for a refusal, else on
  // the writer's thread.
  void CreateAsync(NewTicket report, const Caller& caller, const std::string& request_id,
                   BatchTicketWriter& writer, std::function<void(Result<StoredTicket>)> done);
  // NOT_FOUND "TICKET_NOT_FOUND" when missing or not visible to the caller.
  Result<StoredTicket> Get(const FaultNumber& number, const Caller& caller);

  Result<StoredTicket> Respond(const FaultNumber& n, const Caller& c, const std::string& rid,
                               const std::string& note);
  Result<StoredTicket> ResolveByPhone(const FaultNumber& n, const Caller& c, const std::string& rid,
                                      const std::string& solution, const std::string& article_id);
  Result<StoredTicket> StartRemoteSession(const FaultNumber& n, const Caller& c,
                                          const std::string& rid, const std::string& consent_by);
  Result<StoredTicket> RequestOnsite(const FaultNumber& n, const Caller& c, const std::string& rid,
                                     const std::string& note, const std::string& required_skill);
  Result<StoredTicket> Pause(const FaultNumber& n, const Caller& c, const std::string& rid,
                             const std::string& reason);
  Result<StoredTicket> Resume(const FaultNumber& n, const Caller& c, const std::string& rid,
                              const std::string& reason);
  Result<StoredTicket> Close(const FaultNumber& n, const Caller& c, const std::string& rid,
                             const std::string& reason);
  Result<StoredTicket> Reopen(const FaultNumber& n, const Caller& c, const std::string& rid,
                              const std::string& reason);
  // With an exclusion the ticket's warranty becomes not covered (paid service).
  Result<StoredTicket> RecordDiagnosis(const FaultNumber& n, const Caller& c,
                                       const std::string& rid, const std::string& diagnosis,
                                       std::optional<Exclusion> exclusion,
                                       const std::string& exclusion_note);

  // Effects of other services' events (idempotent through `handled`). A step
  // the ticket's state no longer allows is skipped (OK): the event is old news.
  Status WorkOrderAssigned(const FaultNumber& n, const std::string& work_order_id,
                           const std::string& engineer, const Handled& handled);
  Status EngineerArrived(const FaultNumber& n, const std::string& work_order_id,
                         TimePoint arrive_time, const Handled& handled);
  Status WorkDone(const FaultNumber& n, const std::string& work_order_id, bool fixed,
                  const std::string& summary, const Handled& handled);
  Status SignedOff(const FaultNumber& n, const std::string& work_order_id,
                   const std::string& signed_by, const Handled& handled);
  Status ReconfirmFailed(const FaultNumber& n, const std::string& comment, const Handled& handled);
  Status ComplaintOpened(const FaultNumber& n, const std::string& complaint_id,
                         const std::string& text, const Handled& handled);

  // One watchdog pass: marks every warning and breach due by now on up to
  // `limit` tickets and publishes ClockWarning/ClockBreached. Several replicas
  // may run it at once: a ticket's write is conditional on the version read,
  // so each warning is marked (and published) once. Returns how many fired.
  Result<int> SweepClocks(int limit = 100);

  const Clock& clock() const { return clock_; }
  IntakeStore& store() { return store_; }

 private:
  // Decides the change; returns the events to publish with it. An empty
  // optional means "nothing to change".
  using Step = std::function<Result<std::optional<std::vector<streams::EventToPublish>>>(
      Ticket& ticket, StoredTicket& stored, TimePoint at)>;
  Result<StoredTicket> Apply(const FaultNumber& number, const Caller& caller,
                             const std::string& request_id, const Handled& handled,
                             const Step& step);
  Status ApplyEffect(const FaultNumber& number, const Handled& handled, const Step& step);

  // A validated, numbered report and its TicketReported, not yet written; or
  // the first answer of a replayed request id.
  struct PreparedReport {
    std::optional<StoredTicket> replay;
    StoredTicket stored;
    streams::EventToPublish event;
  };
  Result<PreparedReport> PrepareReport(NewTicket report, const Caller& caller,
                                       const std::string& request_id);
  // The customer's contracts that apply at the site (cached briefly by the
  // store), and the clock rules they tighten (only contracts in force today).
  Result<std::vector<v1::Contract>> ContractsFor(const std::string& customer_id,
                                                 const std::string& site_id, TimePoint at);
  Result<TicketRules> RulesFor(const NewTicket& report, const std::vector<v1::Contract>& contracts,
                               TimePoint at) const;
  Result<StoredTicket> Created(StoredTicket stored, const TicketWriteResult& written,
                               const Caller& caller);

  IntakeStore& store_;
  const Clock& clock_;
  TicketDeskOptions options_;
};

// Everything a Ticket message shows.
v1::Ticket TicketToProto(const StoredTicket& ticket);
v1::HistoryEntry HistoryToProto(const HistoryEntry& entry);

}  // namespace aftersales::intake

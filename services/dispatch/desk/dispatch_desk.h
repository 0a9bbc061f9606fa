// The dispatch desk: every use case of the service (engineers, the work order
// steps, planning and re-planning, escalation) over the domain rules, the
// Redis records and the inventory service. rpc/ and events/ only translate
// into calls of this class. Every state change is one Commit (one Lua script
// with its events); the planning index is a cache rebuilt from Redis whenever
// any replica changed an engineer, and a stale cache only costs a re-plan:
// a plan from the cache is committed only if the engineers' revision has not
// moved since (one round trip per request), and the commit re-checks the
// engineer's capacity and the ticket's work order.
#pragma once

#include <grpcpp/channel.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aftersales/dispatch/v1/dispatch.pb.h"
#include "aftersales/events/v1/intake_events.pb.h"
#include "aftersales/inventory/v1/inventory.grpc.pb.h"
#include "services/common/clock.h"
#include "services/common/redis/pool.h"
#include "services/common/status.h"
#include "services/common/streams/consumer.h"
#include "services/dispatch/domain/engineer_index.h"
#include "services/dispatch/domain/escalation.h"
#include "services/dispatch/domain/maintenance_visit.h"
#include "services/dispatch/domain/work_order.h"
#include "services/dispatch/storage/commit.h"
#include "services/dispatch/storage/records.h"

namespace aftersales::dispatch {

// Who calls, from the gateway's metadata.
struct Caller {
  std::string role;         // x-caller-role
  std::string subject;      // x-caller-subject
  std::string engineer_id;  // x-caller-engineer-id (role engineer)

  bool IsEngineer() const { return role == "engineer"; }
  bool IsDispatcher() const { return role == "dispatcher" || role == "admin"; }
  // Whether the caller may see and move what belongs to that engineer: an
  // engineer only its own, everyone else anything (the gateway has already
  // decided which roles reach which route).
  bool MayMove(const std::string& engineer_of_record) const;
  // "engineer:<id>", "dispatcher:<subject>"...
  std::string Actor() const;
};

struct DispatchDeskOptions {
  DispatchPolicy policy;
  EscalationPolicy escalation;
  RepairPolicy repair;
  MaintenancePolicy maintenance;
  MaintenanceSkills maintenance_skills;
  std::chrono::milliseconds inventory_deadline{3000};
  int64_t request_ttl_seconds = 24 * 3600;
  // Attempts of one use case when another replica changed the same records.
  int max_attempts = 8;
};

class DispatchDesk {
 public:
  // `inventory` may be null: completion with parts then answers UNAVAILABLE.
  DispatchDesk(redis::RedisPool& pool, const Clock& clock,
               std::shared_ptr<inventory::v1::InventoryService::StubInterface> inventory,
               DispatchDeskOptions options = {});

  // Engineers.
  Result<v1::Engineer> CreateEngineer(const v1::CreateEngineerRequest& request);
  Result<v1::Engineer> SetEngineerStatus(const Caller& caller,
                                         const v1::SetEngineerStatusRequest& request);
  Result<v1::ListEngineersResponse> ListEngineers(const v1::ListEngineersRequest& request);

  // Work orders.
  Result<v1::WorkOrder> GetWorkOrder(const Caller& caller, const std::string& id);
  Result<v1::ListWorkOrdersResponse> ListWorkOrders(const Caller& caller,
                                                    const v1::ListWorkOrdersRequest& request);
  Result<v1::WorkOrder> Accept(const Caller& caller, const v1::AcceptWorkOrderRequest& request);
  Result<v1::WorkOrder> Decline(const Caller& caller, const v1::DeclineWorkOrderRequest& request);
  Result<v1::WorkOrder> Depart(const Caller& caller, const v1::DepartWorkOrderRequest& request);
  Result<v1::WorkOrder> Arrive(const Caller& caller, const v1::ArriveWorkOrderRequest& request);
  Result<v1::WorkOrder> Complete(const Caller& caller, const v1::CompleteWorkOrderRequest& request);
  Result<v1::WorkOrder> SignOff(const Caller& caller, const v1::SignOffWorkOrderRequest& request);
  Result<v1::WorkOrder> Reassign(const Caller& caller, const v1::ReassignWorkOrderRequest& request);

  // Intake's events. `handled` is recorded in the effect's script.
  Status OnTicketOnsiteRequested(const events::v1::TicketOnsiteRequested& event,
                                 const streams::MarkHandledArgs& handled);
  Status OnTicketClosed(const events::v1::TicketClosed& event,
                        const streams::MarkHandledArgs& handled);

  // Followup's MaintenanceVisitDue, with the site and asset read from the
  // install base: one MAINTENANCE work order per followup id.
  // Whether the followup already has its work order (a redelivery needs no
  // install-base lookup).
  Result<bool> HasMaintenanceWorkOrder(const std::string& followup_id);
  Status OnMaintenanceVisitDue(const MaintenanceVisit& visit, const MaintenanceSite& site,
                               const std::optional<MaintenanceAsset>& asset,
                               const streams::MarkHandledArgs& handled);

  // Assigns waiting work orders to whoever can take them now; how many.
  Result<int> ReplanQueue();
  // Fires escalation steps that are due; each is claimed atomically, so
  // several replicas never fire one twice. How many this call fired.
  Result<int> FireDueEscalations(int limit = 64);

 private:
  struct Choice {
    std::string engineer_id;
    std::string engineer_name;
    std::string engineer_phone;
    TimePoint arrival;
    Duration travel{};
    // Tickets of the lower-severity jobs not started that an emergency takes
    // the engineer off; they are planned again.
    std::vector<std::string> displaced_tickets;
  };
  struct StepContext {
    v1::WorkOrder& work_order;
    const StoredWorkOrder& before;
    Commit& commit;
    TimePoint now;
  };
  using StepFn = std::function<Status(StepContext&)>;

  // Plans from the cached index as it is, unless `verify`, the index was never
  // built, or this process changed an engineer it has not put into the index:
  // then the index is brought up to date from Redis first. `cached_revision`
  // is the revision a plan from the cache was made at (for the commit's
  // EngineersRevisionIs), -1 when the index was just brought up to date.
  Result<std::optional<Choice>> Choose(const v1::WorkOrder& work_order, TimePoint now, bool verify,
                                       int64_t* cached_revision);
  Status RefreshIndex(bool force);
  // Reads one engineer into the index as Redis has it now (after the capacity
  // guard refused it), leaving the index revision as it is.
  Status ReloadEngineer(const std::string& engineer_id);
  // After a commit of PlaceAndCommit: when the engineers' revision moved only
  // by this commit's own touches, puts its job changes into the index instead
  // of re-reading those engineers (two round trips) on the next plan. Whether
  // it did.
  bool ApplyOwnCommit(const Commit& c, const CommitOutcome& outcome, const std::string& previous,
                      const std::string& job_key, const std::optional<Choice>& choice,
                      const std::optional<EngineerJob>& job);
  // Adds to `c` what takes the chosen engineer off the displaced jobs (back
  // to the queue); how many.
  Result<int> DisplaceJobs(Commit& c, const Choice& choice, TimePoint now);
  // Plans the work order (new: version 0) and commits it assigned or queued;
  // `extra` adds the use case's own writes and events first.
  Result<v1::WorkOrder> PlaceAndCommit(v1::WorkOrder work_order, int64_t version, bool is_new,
                                       const std::function<void(Commit&)>& extra,
                                       const std::optional<streams::MarkHandledArgs>& handled,
                                       bool skip_if_unplaced, bool* placed);
  Result<v1::WorkOrder> RunStep(const Caller& caller, const std::string& id, const std::string& op,
                                const std::string& request_id, const StepFn& apply);
  // Reserves the parts used over gRPC, one line at a time so that a refusal
  // names the part; inventory issues them when it reads WorkOrderDone.
  Status ReserveParts(const v1::WorkOrder& work_order, const v1::CompleteWorkOrderRequest& request);
  Status ReplanNotStarted(const std::string& engineer_id);
  // Runs a commit other than a planned one; when it changed an engineer, the
  // next plan brings the index up to date first instead of committing a plan
  // the revision guard would refuse.
  Result<CommitOutcome> RunCommit(const Commit& c);

  redis::RedisPool& pool_;
  const Clock& clock_;
  std::shared_ptr<inventory::v1::InventoryService::StubInterface> inventory_;
  const DispatchDeskOptions options_;
  DispatchRecords records_;

  std::mutex index_mu_;
  EngineerIndex index_;
  int64_t index_revision_ = -1;
  // This process changed an engineer without putting the change into the
  // index (set after the commit, cleared before the revision is read).
  std::atomic<bool> index_behind_{false};
};

}  // namespace aftersales::dispatch

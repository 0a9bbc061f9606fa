// The followup service's state in Redis: tasks (open ones in a sorted set by
// due time), complaints with their handling record, maintenance plans, timers
// for the due worker, and the service report's counters. Every state change is
// one atomic Change carrying its events to {followup}:events.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "services/common/clock.h"
#include "services/common/redis/pool.h"
#include "services/common/runtime/uuid.h"
#include "services/followup/domain/complaint.h"
#include "services/followup/domain/followup.h"
#include "services/followup/domain/maintenance.h"
#include "services/followup/domain/report.h"
#include "services/followup/storage/change.h"

namespace aftersales::followup {

struct TaskFilter {
  std::optional<TaskKind> kind;
  std::optional<TaskStatus> status;
  std::optional<TimePoint> due_before;
  std::string ticket_number;
  std::string customer_id;
};

struct ComplaintFilter {
  std::string customer_id;
  std::string ticket_number;
  std::optional<ComplaintStatus> status;
};

struct PlanFilter {
  std::string site_id;
  std::string asset_serial;
  std::string customer_id;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_page_token;
};

// What fired in one pass of the due worker.
struct DueTask {
  Task task;
  std::string contact;  // "name phone" from the ticket, when known
};
struct FiredTimers {
  std::vector<Task> maintenance_visits;  // MAINTENANCE tasks created
  std::vector<Complaint> escalations;    // complaints escalated
  std::vector<DueTask> due_tasks;        // open tasks that fell due
};

class FollowupStore {
 public:
  FollowupStore(redis::RedisPool& pool, const Clock& clock, IdGenerator& ids,
                FollowupPolicy policy = {});

  const FollowupPolicy& policy() const { return policy_; }

  // ---- tasks
  // Creates `task` unless `source` already made one or `marker` (an effect
  // marker, may be empty) exists. true when created.
  Result<bool> CreateTask(const Task& task, const std::string& source, const std::string& marker);
  Result<Task> GetTask(const std::string& id);
  // The task `source` made, if any.
  Result<std::optional<Task>> TaskFromSource(const std::string& source);
  Result<Page<Task>> ListTasks(const TaskFilter& filter, int page_size, int offset);
  // Records the answer; an unhappy return visit opens a complaint, fault back
  // on a reconfirmation publishes ReconfirmFailed. Idempotent by request id.
  Result<Task> CompleteTask(const std::string& id, const Answer& answer, const std::string& actor,
                            const std::string& request_id);

  // ---- complaints
  Result<Complaint> CreateComplaint(const std::string& customer_id,
                                    const std::string& ticket_number, const std::string& text,
                                    const std::string& actor, const std::string& request_id);
  Result<Complaint> AdvanceComplaint(const std::string& id, ComplaintStatus to,
                                     const std::string& note, const std::string& actor,
                                     const std::string& request_id);
  Result<Complaint> GetComplaint(const std::string& id);
  Result<Page<Complaint>> ListComplaints(const ComplaintFilter& filter, int page_size, int offset);

  // ---- maintenance plans
  Result<MaintenancePlan> CreatePlan(const std::string& site_id, const std::string& asset_serial,
                                     const std::string& customer_id, int cadence,
                                     const std::string& starts_on, const std::string& request_id);
  Result<MaintenancePlan> GetPlan(const std::string& id);
  Result<Page<MaintenancePlan>> ListPlans(const PlanFilter& filter, int page_size, int offset);
  // A fault on an asset (or site) with plans: applies the shortening rule.
  Status RecordFault(const std::string& asset_serial, const std::string& site_id,
                     TimePoint fault_time, const std::string& event_id);

  // The customer's contact for a ticket, for notifications.
  Status RememberContact(const std::string& ticket_number, const std::string& name,
                         const std::string& phone);

  // Remembers who owns a site/asset/model (for plans and product notices).
  Status RememberOwner(const std::string& customer_id, const std::string& site_id,
                       const std::string& asset_serial, const std::string& model);
  // PRODUCT_NOTICE tasks, one per customer owning assets of `model`; returns
  // the tasks (new or already made for this notice).
  Result<std::vector<Task>> NotifyModel(const std::string& notice_id, const std::string& model,
                                        const std::string& detail);

  // ---- timers
  // Fires every timer due at the clock's now, at most `limit`: maintenance
  // visits become MAINTENANCE tasks + MaintenanceVisitDue; complaints past
  // their deadline escalate; open tasks falling due are handed back to be
  // told to care staff. A timer fires once even with many workers: each
  // firing is guarded by the timer's exact score.
  Result<FiredTimers> FireDueTimers(int limit);

  // ---- report
  // Applies one event to the projection; a second call with the same event id
  // changes nothing.
  Status ApplyReport(const std::string& event_id, const ReportEvent& event);
  // Days [from_day, to_day), at most 400 days.
  Result<ReportFigures> Report(int64_t from_day, int64_t to_day, const std::string& branch,
                               const std::string& product_line);
  // Removes the projection (counters, facts and markers) before a rebuild.
  Status ClearReport();

 private:
  Result<std::optional<Complaint>> LoadComplaint(const std::string& id);
  void WriteComplaint(Change& change, const Complaint& complaint, size_t known_steps) const;
  void WriteTask(Change& change, const Task& task) const;
  void WritePlan(Change& change, const MaintenancePlan& plan) const;
  Result<std::vector<std::string>> Ids(const std::string& index);

  redis::RedisPool& pool_;
  const Clock& clock_;
  IdGenerator& ids_;
  FollowupPolicy policy_;
};

}  // namespace aftersales::followup

// Follow-up tasks: what care staff must do for a customer by a due time, and
// what an answer sets off (a complaint, a reopened ticket).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "services/common/clock.h"
#include "services/common/status.h"

namespace aftersales::followup {

// Values match followup.v1.Followup.Kind / Status.
enum class TaskKind {
  kReturnVisit = 1,
  kReconfirm = 2,
  kMaintenance = 3,
  kWarrantyExpiry = 4,
  kProductNotice = 5
};
enum class TaskStatus { kOpen = 1, kDone = 2 };

struct Outcome {
  int satisfaction = 0;  // 1..5, 0 when not asked
  std::string comment;
  bool fault_back = false;
  TimePoint complete_time{};
  std::string complaint_id;
};

struct Task {
  std::string id;
  TaskKind kind = TaskKind::kReturnVisit;
  TaskStatus status = TaskStatus::kOpen;
  TimePoint due{};
  std::string ticket_number;
  std::string customer_id;
  std::string asset_serial;
  std::string maintenance_plan_id;
  std::string detail;
  Outcome outcome;
  TimePoint create_time{};
  TimePoint update_time{};
};

struct FollowupPolicy {
  std::chrono::hours return_visit_within{72};
  std::chrono::hours reconfirm_after{24};
  std::chrono::hours expiry_lead{24 * 10};
  std::chrono::hours complaint_resolve_within{72};
  // After the first escalation (to the after-sales lead), how long until the
  // manager is told.
  std::chrono::hours complaint_second_escalation_after{24};
  // Satisfaction at or below this opens a complaint.
  int unhappy_at_most = 2;
};

// The source a task was made from: one task per source, so a redelivered or
// doubled signal (work order signed off *and* ticket resolved) makes one task.
std::string ReturnVisitSource(const std::string& work_order_id, const std::string& ticket_number,
                              TimePoint resolve_time);
std::string ReconfirmSource(const std::string& ticket_number, TimePoint resolve_time);
std::string ExpirySource(const std::string& asset_serial, const std::string& until);
std::string NoticeSource(const std::string& notice_id, const std::string& customer_id);

Task NewReturnVisit(std::string id, std::string ticket_number, std::string customer_id,
                    std::string asset_serial, TimePoint service_time, TimePoint now,
                    const FollowupPolicy& policy);
// `reconfirm_due` from the event when set, else fix time + policy.
Task NewReconfirm(std::string id, std::string ticket_number, std::string customer_id,
                  std::string asset_serial, TimePoint fixed_time,
                  std::optional<TimePoint> reconfirm_due, TimePoint now,
                  const FollowupPolicy& policy);
// nullopt when `until` is not a date or has already passed: nothing to remind.
// Due `expiry_lead` before 00:00 UTC of the last covered day, or now if that
// moment is already gone.
std::optional<Task> NewExpiryReminder(std::string id, std::string customer_id,
                                      std::string asset_serial, const std::string& until,
                                      TimePoint now, const FollowupPolicy& policy);

struct Answer {
  int satisfaction = 0;
  std::string comment;
  bool fault_back = false;
};

// A MAINTENANCE task is done when the engineer's maintenance work order is
// signed off: the outcome says who went, on which work order, and what was
// found (cut to the 4000 bytes an answer may hold). No satisfaction is asked.
Answer MaintenanceAnswer(const std::string& engineer_id, const std::string& work_order_id,
                         const std::string& findings);
// The request id that completes a MAINTENANCE task from its work order:
// redelivered sign-offs complete it once.
std::string MaintenanceCompletionRequest(const std::string& work_order_id);

// What completing a task sets off, beyond the task becoming DONE.
struct Completion {
  bool open_complaint = false;    // unhappy return-visit answer
  bool reconfirm_failed = false;  // the fault is back after a phone fix
};

// Validates the answer (INVALID_ARGUMENT naming `satisfaction`) and that the
// task is still open (FAILED_PRECONDITION FOLLOWUP_DONE), then completes it.
Result<Completion> CompleteTask(Task& task, const Answer& answer, TimePoint now,
                                const FollowupPolicy& policy);

}  // namespace aftersales::followup

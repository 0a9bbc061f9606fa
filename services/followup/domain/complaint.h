// Complaints: RECEIVED -> INVESTIGATING -> RESOLVED -> CONFIRMED (by the
// customer) or back to INVESTIGATING, with a handling record at each step, a
// resolve deadline and two escalation levels when it passes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "services/common/clock.h"
#include "services/common/status.h"
#include "services/followup/domain/followup.h"

namespace aftersales::followup {

// Values match followup.v1.Complaint.Status.
enum class ComplaintStatus { kReceived = 1, kInvestigating = 2, kResolved = 3, kConfirmed = 4 };

struct ComplaintStep {
  TimePoint time{};
  ComplaintStatus status = ComplaintStatus::kReceived;
  std::string note;
  std::string actor;  // "<role>:<subject>" or "system"
};

struct Complaint {
  std::string id;
  std::string customer_id;
  std::string ticket_number;
  std::string text;
  ComplaintStatus status = ComplaintStatus::kReceived;
  std::vector<ComplaintStep> steps;
  TimePoint resolve_due{};
  int escalation_level = 0;  // 0 none, 1 after-sales lead, 2 manager
  std::string followup_id;
  int satisfaction = 0;
  TimePoint create_time{};
  TimePoint update_time{};
};

// INVALID_ARGUMENT naming customerId / text when missing or too long.
Result<Complaint> NewComplaint(std::string id, std::string customer_id, std::string ticket_number,
                               std::string text, std::string actor, TimePoint now,
                               const FollowupPolicy& policy);

bool CanAdvance(ComplaintStatus from, ComplaintStatus to);

// Appends the step; FAILED_PRECONDITION COMPLAINT_STEP_FORBIDDEN for a step
// the flow does not allow, INVALID_ARGUMENT for an unknown status.
Status Advance(Complaint& complaint, ComplaintStatus to, std::string note, std::string actor,
               TimePoint now);

// When the complaint escalates next; nullopt once resolved or at level 2.
std::optional<TimePoint> NextEscalation(const Complaint& complaint, const FollowupPolicy& policy);

// Raises the level by one with a "system" step; false if nothing was due at `now`.
bool Escalate(Complaint& complaint, TimePoint now, const FollowupPolicy& policy);

}  // namespace aftersales::followup

#include "services/followup/domain/complaint.h"

namespace aftersales::followup {

Result<Complaint> NewComplaint(std::string id, std::string customer_id, std::string ticket_number,
                               std::string text, std::string actor, TimePoint now,
                               const FollowupPolicy& policy) {
  Validator v;
  v.Check(!customer_id.empty() && customer_id.size() <= 128, "customerId",
          "required, at most 128 bytes");
  v.Check(!text.empty() && text.size() <= 4000, "text", "required, at most 4000 bytes");
  v.Check(ticket_number.size() <= 64, "ticketNumber", "at most 64 bytes");
  if (!v.ok()) return v.ToStatus();
  Complaint c;
  c.id = std::move(id);
  c.customer_id = std::move(customer_id);
  c.ticket_number = std::move(ticket_number);
  c.text = std::move(text);
  c.resolve_due = now + policy.complaint_resolve_within;
  c.create_time = now;
  c.update_time = now;
  c.steps.push_back({now, ComplaintStatus::kReceived, "received", std::move(actor)});
  return c;
}

bool CanAdvance(ComplaintStatus from, ComplaintStatus to) {
  switch (from) {
    case ComplaintStatus::kReceived:
      return to == ComplaintStatus::kInvestigating;
    case ComplaintStatus::kInvestigating:
      return to == ComplaintStatus::kResolved;
    case ComplaintStatus::kResolved:
      // The customer confirms, or the resolution did not hold.
      return to == ComplaintStatus::kConfirmed || to == ComplaintStatus::kInvestigating;
    case ComplaintStatus::kConfirmed:
      return false;
  }
  return false;
}

Status Advance(Complaint& complaint, ComplaintStatus to, std::string note, std::string actor,
               TimePoint now) {
  const int v = static_cast<int>(to);
  if (v < 1 || v > 4) {
    return InvalidArgument("INVALID_ARGUMENT", "unknown complaint status",
                           {{"status", "one of INVESTIGATING, RESOLVED, CONFIRMED"}});
  }
  if (note.size() > 4000) {
    return InvalidArgument("INVALID_ARGUMENT", "note too long", {{"note", "at most 4000 bytes"}});
  }
  if (!CanAdvance(complaint.status, to)) {
    return FailedPrecondition("COMPLAINT_STEP_FORBIDDEN",
                              "complaint " + complaint.id + " cannot go to that status from " +
                                  std::to_string(static_cast<int>(complaint.status)));
  }
  complaint.status = to;
  complaint.steps.push_back({now, to, std::move(note), std::move(actor)});
  complaint.update_time = now;
  return Status::Ok();
}

std::optional<TimePoint> NextEscalation(const Complaint& complaint, const FollowupPolicy& policy) {
  if (complaint.status == ComplaintStatus::kResolved ||
      complaint.status == ComplaintStatus::kConfirmed) {
    return std::nullopt;
  }
  if (complaint.escalation_level == 0) return complaint.resolve_due;
  if (complaint.escalation_level == 1) {
    return complaint.resolve_due + policy.complaint_second_escalation_after;
  }
  return std::nullopt;
}

bool Escalate(Complaint& complaint, TimePoint now, const FollowupPolicy& policy) {
  auto due = NextEscalation(complaint, policy);
  if (!due || *due > now) return false;
  ++complaint.escalation_level;
  complaint.steps.push_back({now, complaint.status,
                             complaint.escalation_level == 1
                                 ? "not resolved in time: escalated to the after-sales lead"
                                 : "still not resolved: escalated to the manager",
                             "system"});
  complaint.update_time = now;
  return true;
}

}  // namespace aftersales::followup

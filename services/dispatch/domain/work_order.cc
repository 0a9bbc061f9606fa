#include "services/dispatch/domain/work_order.h"

#include <algorithm>
#include <cctype>

namespace aftersales::dispatch {
namespace {

// Built by appending: GCC 12 at -O3 raises a false -Wrestrict on
// "literal" + std::string.
std::string Indexed(std::string_view field, size_t i) {
  std::string s(field);
  s += '[';
  s += std::to_string(i);
  s += ']';
  return s;
}

bool IsCurrencyCode(std::string_view c) {
  return c.size() == 3 && std::all_of(c.begin(), c.end(), [](char ch) {
           return std::isupper(static_cast<unsigned char>(ch));
         });
}

void StopClock(DeadlineClock& clock, TimePoint now) {
  if (clock.state != ClockState::kRunning) return;
  clock.state = now <= clock.due ? ClockState::kMet : ClockState::kBreached;
  clock.stopped_at = now;
}

void CancelClock(DeadlineClock& clock, TimePoint now) {
  if (clock.state != ClockState::kRunning) return;
  clock.state = ClockState::kCancelled;
  clock.stopped_at = now;
}

Status ValidateCompletion(const CompletionReport& r) {
  Validator v;
  v.Check(!r.findings.empty(), "findings", "must say what was found");
  v.Check(!r.actions.empty(), "actions", "must say what was done");
  if (r.fixed) {
    v.Check(r.outcome == NotFixedOutcome::kUnspecified, "outcome",
            "must be unset when the fault is fixed");
  } else {
    v.Check(r.outcome == NotFixedOutcome::kWaitingForParts ||
                r.outcome == NotFixedOutcome::kEscalated ||
                r.outcome == NotFixedOutcome::kSecondVisit,
            "outcome", "must be WAITING_FOR_PARTS, ESCALATED or SECOND_VISIT when not fixed");
  }
  for (size_t i = 0; i < r.parts_used.size(); ++i) {
    const std::string f = Indexed("parts_used", i);
    v.Check(!r.parts_used[i].sku.empty(), f + ".sku", "must not be empty");
    v.Check(r.parts_used[i].quantity >= 1, f + ".quantity", "must be at least 1");
    v.Check(!r.parts_used[i].location.empty(), f + ".location",
            "must name the stock location the part came from");
  }
  for (size_t i = 0; i < r.equipment_taken.size(); ++i) {
    v.Check(!r.equipment_taken[i].description.empty(),
            Indexed("equipment_taken", i) + ".description", "must not be empty");
  }
  v.Check(r.equipment_taken.empty() || !r.receipt_number.empty(), "receipt_number",
          "the customer gets a receipt for equipment taken away");
  for (size_t i = 0; i < r.fees.size(); ++i) {
    const std::string f = Indexed("fees", i);
    v.Check(!r.fees[i].description.empty(), f + ".description", "must not be empty");
    v.Check(IsCurrencyCode(r.fees[i].amount.currency), f + ".amount.currency",
            "must be an ISO 4217 code such as CNY");
    v.Check(r.fees[i].amount.minor_units > 0, f + ".amount.minor_units", "must be positive");
  }
  if (r.exclusion) {
    v.Check(r.exclusion->kind != ExclusionKind::kUnspecified, "exclusion.kind", "must be set");
    v.Check(!r.exclusion->reason.empty(), "exclusion.reason", "must be recorded");
  }
  return v.ToStatus("INVALID_COMPLETION_REPORT");
}

}  // namespace

const char* WorkOrderStatusName(WorkOrderStatus status) {
  switch (status) {
    case WorkOrderStatus::kAssigned:
      return "ASSIGNED";
    case WorkOrderStatus::kAccepted:
      return "ACCEPTED";
    case WorkOrderStatus::kDeclined:
      return "DECLINED";
    case WorkOrderStatus::kTravelling:
      return "TRAVELLING";
    case WorkOrderStatus::kOnSite:
      return "ON_SITE";
    case WorkOrderStatus::kWorkDone:
      return "WORK_DONE";
    case WorkOrderStatus::kSignedOff:
      return "SIGNED_OFF";
    case WorkOrderStatus::kCancelled:
      return "CANCELLED";
    case WorkOrderStatus::kUnspecified:
      break;
  }
  return "WORK_ORDER_STATUS_UNSPECIFIED";
}

Result<WorkOrder> WorkOrder::Create(NewWorkOrder spec, TimePoint now) {
  Validator v;
  v.Check(!spec.id.empty(), "id", "must not be empty");
  v.Check(!spec.ticket_number.empty(), "ticket_number", "must not be empty");
  v.Check(!spec.engineer_id.empty(), "engineer_id", "must not be empty");
  v.Check(IsKnownSeverity(spec.severity), "severity", "must be set");
  v.Check(spec.asset_category != AssetCategory::kUnspecified, "asset_category", "must be set");
  v.Check(spec.onsite_due >= spec.reported_at, "onsite_due", "must not be before reported_at");
  v.Check(spec.visit_number >= 1, "visit_number", "must be at least 1");
  if (!v.ok()) return v.ToStatus("INVALID_WORK_ORDER");
  WorkOrder w;
  w.id_ = std::move(spec.id);
  w.ticket_number_ = std::move(spec.ticket_number);
  w.engineer_id_ = std::move(spec.engineer_id);
  w.severity_ = spec.severity;
  w.asset_category_ = spec.asset_category;
  w.under_warranty_ = spec.under_warranty;
  w.exclusion_ = std::move(spec.exclusion);
  w.visit_number_ = spec.visit_number;
  w.onsite_clock_ = DeadlineClock{ClockKind::kOnsiteArrival, spec.reported_at, spec.onsite_due,
                                  ClockState::kRunning, std::nullopt};
  w.history_.push_back(HistoryEntry{now, WorkOrderStatus::kUnspecified, WorkOrderStatus::kAssigned,
                                    "dispatch", "assigned to engineer " + w.engineer_id_});
  return w;
}

Status WorkOrder::CheckEngineer(std::string_view engineer_id) const {
  if (engineer_id == engineer_id_) return Status::Ok();
  return NotFound("WORK_ORDER_NOT_FOUND", "work order " + id_ + " does not exist");
}

Status WorkOrder::CheckStatus(std::initializer_list<WorkOrderStatus> allowed,
                              std::string_view step) const {
  if (std::find(allowed.begin(), allowed.end(), status_) != allowed.end()) return Status::Ok();
  return FailedPrecondition("WORK_ORDER_STATE_FORBIDS_STEP", "work order " + id_ + " is " +
                                                                 WorkOrderStatusName(status_) +
                                                                 "; cannot " + std::string(step));
}

void WorkOrder::Move(WorkOrderStatus to, std::string_view actor, std::string note, TimePoint now) {
  history_.push_back(HistoryEntry{now, status_, to, std::string(actor), std::move(note)});
  status_ = to;
}

Status WorkOrder::Accept(std::string_view engineer_id, TimePoint now) {
  if (Status s = CheckEngineer(engineer_id); !s.ok()) return s;
  if (Status s = CheckStatus({WorkOrderStatus::kAssigned}, "accept"); !s.ok()) return s;
  Move(WorkOrderStatus::kAccepted, engineer_id, "accepted", now);
  return Status::Ok();
}

Status WorkOrder::Decline(std::string_view engineer_id, std::string_view reason, TimePoint now) {
  if (Status s = CheckEngineer(engineer_id); !s.ok()) return s;
  if (Status s = CheckStatus({WorkOrderStatus::kAssigned}, "decline"); !s.ok()) return s;
  if (reason.empty()) {
    return InvalidArgument("INVALID_DECLINE", "invalid reason: must say why",
                           {{"reason", "must say why"}});
  }
  Move(WorkOrderStatus::kDeclined, engineer_id, "declined: " + std::string(reason), now);
  return Status::Ok();
}

Status WorkOrder::StartTravel(std::string_view engineer_id, TimePoint now) {
  if (Status s = CheckEngineer(engineer_id); !s.ok()) return s;
  if (Status s = CheckStatus({WorkOrderStatus::kAccepted}, "start travel"); !s.ok()) return s;
  Move(WorkOrderStatus::kTravelling, engineer_id, "on the way", now);
  return Status::Ok();
}

Status WorkOrder::Arrive(std::string_view engineer_id, TimePoint now, const RepairPolicy& policy) {
  if (Status s = CheckEngineer(engineer_id); !s.ok()) return s;
  if (Status s = CheckStatus({WorkOrderStatus::kTravelling}, "arrive"); !s.ok()) return s;
  StopClock(onsite_clock_, now);
  arrived_at_ = now;
  auto repair = policy.repair_time.find(asset_category_);
  if (repair != policy.repair_time.end()) {
    repair_clock_ = DeadlineClock{ClockKind::kRepair, now, now + repair->second,
                                  ClockState::kRunning, std::nullopt};
  }
  Move(WorkOrderStatus::kOnSite, engineer_id,
       onsite_clock_.state == ClockState::kMet ? "arrived; ONSITE_ARRIVAL met"
                                               : "arrived; ONSITE_ARRIVAL breached",
       now);
  return Status::Ok();
}

Status WorkOrder::Complete(std::string_view engineer_id, CompletionReport report, TimePoint now) {
  if (Status s = CheckEngineer(engineer_id); !s.ok()) return s;
  if (Status s = CheckStatus({WorkOrderStatus::kOnSite}, "complete"); !s.ok()) return s;
  if (Status s = ValidateCompletion(report); !s.ok()) return s;
  const bool excluded = exclusion_.has_value() || report.exclusion.has_value();
  if (!report.fees.empty() && under_warranty_ && !excluded) {
    return FailedPrecondition("FEES_ON_WARRANTY_WORK",
                              "work order " + id_ +
                                  " is under warranty and no exclusion was recorded; "
                                  "it cannot carry fees");
  }
  if (report.exclusion) exclusion_ = report.exclusion;
  // A fault not fixed keeps the repair clock running: it is still owed.
  if (report.fixed && repair_clock_) StopClock(*repair_clock_, now);
  std::string note = report.fixed ? "work done; fixed" : "work done; not fixed";
  completion_ = std::move(report);
  Move(WorkOrderStatus::kWorkDone, engineer_id, std::move(note), now);
  return Status::Ok();
}

Status WorkOrder::SignOff(std::string_view engineer_id, CustomerSignOff sign_off, TimePoint now) {
  if (Status s = CheckEngineer(engineer_id); !s.ok()) return s;
  if (Status s = CheckStatus({WorkOrderStatus::kWorkDone}, "sign off"); !s.ok()) return s;
  Validator v;
  v.Check(!sign_off.signed_by.empty(), "signed_by", "the customer's name is required");
  v.Check(sign_off.satisfaction >= 1 && sign_off.satisfaction <= 5, "satisfaction",
          "must be 1 to 5");
  if (!v.ok()) return v.ToStatus("INVALID_SIGN_OFF");
  std::string note = "signed off by " + sign_off.signed_by;
  sign_off_ = std::move(sign_off);
  Move(WorkOrderStatus::kSignedOff, engineer_id, std::move(note), now);
  return Status::Ok();
}

Status WorkOrder::Cancel(std::string_view actor, std::string_view reason, TimePoint now) {
  if (Status s = CheckStatus({WorkOrderStatus::kAssigned, WorkOrderStatus::kAccepted,
                              WorkOrderStatus::kTravelling, WorkOrderStatus::kOnSite},
                             "cancel");
      !s.ok()) {
    return s;
  }
  // The on-site promise no longer applies to this work order: cancelled, not met.
  CancelClock(onsite_clock_, now);
  if (repair_clock_) CancelClock(*repair_clock_, now);
  Move(WorkOrderStatus::kCancelled, actor, "cancelled: " + std::string(reason), now);
  return Status::Ok();
}

int NextVisitNumber(const std::vector<WorkOrder>& earlier_for_ticket) {
  int visits = 0;
  for (const WorkOrder& w : earlier_for_ticket) {
    if (w.reached_site()) ++visits;
  }
  return visits + 1;
}

}  // namespace aftersales::dispatch

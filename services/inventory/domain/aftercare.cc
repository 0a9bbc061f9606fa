#include "services/inventory/domain/aftercare.h"

namespace aftersales::inventory {

TimePoint AddMonths(TimePoint t, int months) {
  using namespace std::chrono;
  const sys_days day = floor<days>(t);
  const auto time_of_day = t - day;
  year_month_day ymd{day};
  year_month_day target = ymd.year() / ymd.month() / ymd.day() + std::chrono::months(months);
  if (!target.ok()) target = target.year() / target.month() / last;
  return sys_days(target) + time_of_day;
}

Result<TimePoint> AdvanceReturnDue(TimePoint ship_time, std::optional<TimePoint> requested,
                                   Duration window) {
  if (!requested) return ship_time + window;
  if (*requested <= ship_time) {
    return InvalidArgument("INVALID_ARGUMENT", "the return due time must be after shipping",
                           {{"returnDue", "must be in the future"}});
  }
  return *requested;
}

Status CheckCanReceiveReturn(AdvanceStatus status) {
  if (status == AdvanceStatus::kReturned) {
    return FailedPrecondition("ALREADY_RETURNED", "the faulty part was already received back");
  }
  return Status::Ok();
}

bool IsReturnOverdue(AdvanceStatus status, TimePoint return_due, TimePoint now) {
  return status != AdvanceStatus::kReturned && now > return_due;
}

TimePoint RepairDue(TimePoint received) { return AddMonths(received, 1); }

Result<RepairCompletion> CompleteRepair(bool already_done, RepairOutcome outcome, TimePoint due,
                                        TimePoint now, int warranty_months) {
  if (outcome != RepairOutcome::kRepaired && outcome != RepairOutcome::kScrapped) {
    return InvalidArgument("INVALID_ARGUMENT", "outcome must be REPAIRED or SCRAPPED",
                           {{"outcome", "required: REPAIRED or SCRAPPED"}});
  }
  if (already_done) {
    return FailedPrecondition("REPAIR_ALREADY_DONE", "the repair is already complete");
  }
  RepairCompletion done;
  done.late = now > due;
  if (outcome == RepairOutcome::kRepaired) {
    done.warranty_start = now;
    done.warranty_end = AddMonths(now, warranty_months);
  }
  return done;
}

Status ValidateSerial(const std::string& serial, const std::string& field) {
  Validator v;
  v.Check(!serial.empty() && serial.size() <= 100, field, "required, at most 100 characters");
  return v.ToStatus();
}

}  // namespace aftersales::inventory

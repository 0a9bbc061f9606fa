// Parts that travel outside normal stock: advance replacements (the new part
// ships before the faulty one is back), returns for repair (RMA) and loaners.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "services/common/clock.h"
#include "services/common/status.h"

namespace aftersales::inventory {

inline constexpr std::chrono::days kDefaultReturnWindow{15};

// The calendar date `months` later at the same time of day (UTC); the 31st
// becomes the month's last day when the target month is shorter.
TimePoint AddMonths(TimePoint t, int months);

// When the faulty part must be back: the requested time, or `window` after
// shipping. A requested time not after shipping is INVALID_ARGUMENT (returnDue).
Result<TimePoint> AdvanceReturnDue(TimePoint ship_time, std::optional<TimePoint> requested,
                                   Duration window = kDefaultReturnWindow);

enum class AdvanceStatus { kShipped = 1, kReturned = 2, kOverdue = 3 };

// SHIPPED and OVERDUE may receive the return; RETURNED may not.
Status CheckCanReceiveReturn(AdvanceStatus status);
// Overdue once `now` passes the due time while the part is still out.
bool IsReturnOverdue(AdvanceStatus status, TimePoint return_due, TimePoint now);

enum class RepairOutcome { kUnspecified = 0, kRepaired = 1, kScrapped = 2 };

// Repaired or scrapped within one calendar month of receipt.
TimePoint RepairDue(TimePoint received);

struct RepairCompletion {
  bool late = false;
  // REPAIRED only: the repaired part's own warranty.
  std::optional<TimePoint> warranty_start;
  std::optional<TimePoint> warranty_end;
};

// Validates the outcome (INVALID_ARGUMENT naming `outcome`) and a repair that is
// still open (FAILED_PRECONDITION REPAIR_ALREADY_DONE).
Result<RepairCompletion> CompleteRepair(bool already_done, RepairOutcome outcome, TimePoint due,
                                        TimePoint now, int warranty_months);

// Required fields of a repair or a loaner: ticket (loaners), sku, serial.
Status ValidateSerial(const std::string& serial, const std::string& field = "serial");

}  // namespace aftersales::inventory

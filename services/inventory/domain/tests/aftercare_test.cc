#include "services/inventory/domain/aftercare.h"

#include <catch2/catch.hpp>

using namespace aftersales;
using namespace aftersales::inventory;
using namespace std::chrono;

namespace {
TimePoint Day(int y, unsigned m, unsigned d) {
  return sys_days(year(y) / month(m) / day(d)) + hours(9);
}
}  // namespace

TEST_CASE("an advance return is due 15 days after shipping unless asked otherwise") {
  auto due = AdvanceReturnDue(Day(2026, 11, 1), std::nullopt);
  CHECK(*due == Day(2026, 11, 16));
  auto configured = AdvanceReturnDue(Day(2026, 11, 1), std::nullopt, days(30));
  CHECK(*configured == Day(2026, 12, 1));
  CHECK(*AdvanceReturnDue(Day(2026, 11, 1), Day(2026, 11, 5)) == Day(2026, 11, 5));
  auto past = AdvanceReturnDue(Day(2026, 11, 1), Day(2026, 10, 5));
  REQUIRE_FALSE(past.ok());
  CHECK(past.status().field_violations()[0].field == "returnDue");
}

TEST_CASE("an advance return is overdue only after its due time and until received") {
  CHECK_FALSE(IsReturnOverdue(AdvanceStatus::kShipped, Day(2026, 11, 16), Day(2026, 11, 16)));
  CHECK(IsReturnOverdue(AdvanceStatus::kShipped, Day(2026, 11, 16), Day(2026, 11, 17)));
  CHECK_FALSE(IsReturnOverdue(AdvanceStatus::kReturned, Day(2026, 11, 16), Day(2026, 11, 17)));
  CHECK(CheckCanReceiveReturn(AdvanceStatus::kOverdue).ok());
  CHECK(CheckCanReceiveReturn(AdvanceStatus::kReturned).reason() == "ALREADY_RETURNED");
}

TEST_CASE("a repair is due one calendar month after receipt") {
  CHECK(RepairDue(Day(2026, 1, 15)) == Day(2026, 2, 15));
  CHECK(RepairDue(Day(2026, 1, 31)) == Day(2026, 2, 28));
  CHECK(RepairDue(Day(2026, 12, 10)) == Day(2027, 1, 10));
}

TEST_CASE("a repaired part starts its own warranty on completion") {
  auto done = CompleteRepair(false, RepairOutcome::kRepaired, Day(2026, 2, 15), Day(2026, 2, 1), 3);
  REQUIRE(done.ok());
  CHECK_FALSE(done->late);
  CHECK(*done->warranty_start == Day(2026, 2, 1));
  CHECK(*done->warranty_end == Day(2026, 5, 1));
  auto late = CompleteRepair(false, RepairOutcome::kScrapped, Day(2026, 2, 15), Day(2026, 3, 1), 3);
  CHECK(late->late);
  CHECK_FALSE(late->warranty_start.has_value());
}

TEST_CASE("a repair needs an outcome and completes once") {
  auto none =
      CompleteRepair(false, RepairOutcome::kUnspecified, Day(2026, 2, 15), Day(2026, 2, 1), 3);
  CHECK(none.status().field_violations()[0].field == "outcome");
  auto twice = CompleteRepair(true, RepairOutcome::kRepaired, Day(2026, 2, 15), Day(2026, 2, 1), 3);
  CHECK(twice.status().reason() == "REPAIR_ALREADY_DONE");
  CHECK(ValidateSerial("").field_violations()[0].field == "serial");
}

#include "services/dispatch/domain/escalation.h"

#include <catch2/catch.hpp>

#include "services/dispatch/domain/tests/test_support.h"

namespace aftersales::dispatch {
namespace {

using namespace testing;

TEST_CASE("a 2 h clock warns at 1:30, breaches at 2:00, reaches the manager at 3:00",
          "[escalation]") {
  const TimePoint start = MondayTen();
  Result<std::vector<EscalationStep>> steps = EscalationSteps(start, start + 2h);
  REQUIRE(steps.ok());
  REQUIRE(steps->size() == 3);
  CHECK((*steps)[0] ==
        EscalationStep{EscalationLevel::kWarning, EscalationTarget::kDispatcher, start + 90min});
  CHECK((*steps)[1] ==
        EscalationStep{EscalationLevel::kBreach, EscalationTarget::kAfterSalesLead, start + 2h});
  CHECK((*steps)[2] ==
        EscalationStep{EscalationLevel::kManager, EscalationTarget::kManager, start + 3h});
}

TEST_CASE("a 3-day repair clock escalates to the manager 1.5 days after breach", "[escalation]") {
  const TimePoint start = MondayTen();
  auto steps = EscalationSteps(start, start + 72h);
  REQUIRE(steps.ok());
  CHECK((*steps)[0].at == start + 54h);
  CHECK((*steps)[2].at == start + 108h);
}

TEST_CASE("the policy fractions are data", "[escalation]") {
  const TimePoint start = MondayTen();
  auto steps = EscalationSteps(start, start + 4h, EscalationPolicy{0.5, 1.0});
  REQUIRE(steps.ok());
  CHECK((*steps)[0].at == start + 2h);
  CHECK((*steps)[2].at == start + 8h);
  CHECK(EscalationSteps(start, start + 4h, EscalationPolicy{1.5, 0.5}).status().code() ==
        Code::kInvalidArgument);
  CHECK(EscalationSteps(start, start - 1s).status().field_violations().at(0).field == "due");
}

TEST_CASE("due escalations are those whose time has come and that have not fired", "[escalation]") {
  const TimePoint start = MondayTen();
  const TimePoint due = start + 2h;
  auto at = [&](TimePoint now, std::vector<EscalationLevel> fired) {
    auto r = DueEscalations(start, due, now, fired);
    REQUIRE(r.ok());
    std::vector<EscalationLevel> levels;
    for (const auto& s : *r) levels.push_back(s.level);
    return levels;
  };
  using L = EscalationLevel;
  CHECK(at(start + 89min, {}).empty());
  CHECK(at(start + 90min, {}) == std::vector<L>{L::kWarning});
  CHECK(at(start + 2h, {L::kWarning}) == std::vector<L>{L::kBreach});
  // A process that was down catches up on everything missed, in order.
  CHECK(at(start + 3h, {}) == std::vector<L>{L::kWarning, L::kBreach, L::kManager});
  CHECK(at(start + 5h, {L::kWarning, L::kBreach, L::kManager}).empty());
}

TEST_CASE("a clock met before a step never fires it", "[escalation]") {
  const TimePoint start = MondayTen();
  // Met at 1:40, after the warning: the warning was owed, breach and manager are not.
  auto late_met = DueEscalations(start, start + 2h, start + 10h, {}, start + 100min);
  REQUIRE(late_met.ok());
  REQUIRE(late_met->size() == 1);
  CHECK((*late_met)[0].level == EscalationLevel::kWarning);
  // Met at exactly the due time: in time, so no breach.
  auto at_due =
      DueEscalations(start, start + 2h, start + 10h, {EscalationLevel::kWarning}, start + 2h);
  REQUIRE(at_due.ok());
  CHECK(at_due->empty());
  // Arrived 2:30: breached, but the manager step (3:00) never comes.
  auto breached = DueEscalations(start, start + 2h, start + 10h, {}, start + 150min);
  REQUIRE(breached.ok());
  CHECK(breached->size() == 2);
}

}  // namespace
}  // namespace aftersales::dispatch

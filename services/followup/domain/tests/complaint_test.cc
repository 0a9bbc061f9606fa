#include "services/followup/domain/complaint.h"

#include <catch2/catch.hpp>

using namespace aftersales;
using namespace aftersales::followup;
using namespace std::chrono_literals;

namespace {
const TimePoint kT0 = FromUnixMillis(1'790'000'000'000);
}

TEST_CASE("a complaint goes through its steps with a handling record") {
  FollowupPolicy policy;
  auto c = NewComplaint("K1", "C-1", "T-1", "engineer was late", "customer:C-1", kT0, policy);
  REQUIRE(c.ok());
  CHECK(c->resolve_due == kT0 + 72h);
  REQUIRE(Advance(*c, ComplaintStatus::kInvestigating, "calling", "staff:a", kT0 + 1h).ok());
  REQUIRE(Advance(*c, ComplaintStatus::kResolved, "apologised", "staff:a", kT0 + 2h).ok());
  REQUIRE(Advance(*c, ComplaintStatus::kInvestigating, "not fixed", "customer:C-1", kT0 + 3h).ok());
  REQUIRE(Advance(*c, ComplaintStatus::kResolved, "fixed", "staff:a", kT0 + 4h).ok());
  REQUIRE(Advance(*c, ComplaintStatus::kConfirmed, "thanks", "customer:C-1", kT0 + 5h).ok());
  REQUIRE(c->steps.size() == 6);
  CHECK(c->steps[2].note == "apologised");
  CHECK(c->steps[5].status == ComplaintStatus::kConfirmed);
}

TEST_CASE("forbidden complaint steps are a failed precondition") {
  FollowupPolicy policy;
  auto c = NewComplaint("K1", "C-1", "", "rude", "system", kT0, policy);
  REQUIRE(c.ok());
  Status s = Advance(*c, ComplaintStatus::kResolved, "", "staff:a", kT0);
  CHECK(s.code() == Code::kFailedPrecondition);
  CHECK(s.reason() == "COMPLAINT_STEP_FORBIDDEN");
  CHECK(Advance(*c, ComplaintStatus::kConfirmed, "", "x", kT0).code() == Code::kFailedPrecondition);
  CHECK(Advance(*c, static_cast<ComplaintStatus>(9), "", "x", kT0).code() ==
        Code::kInvalidArgument);
  CHECK(c->steps.size() == 1);
}

TEST_CASE("a complaint without text is rejected naming the field") {
  FollowupPolicy policy;
  auto c = NewComplaint("K1", "", "", "", "system", kT0, policy);
  REQUIRE_FALSE(c.ok());
  REQUIRE(c.status().field_violations().size() == 2);
  CHECK(c.status().field_violations()[0].field == "customerId");
  CHECK(c.status().field_violations()[1].field == "text");
}

TEST_CASE("an unresolved complaint escalates to the lead then to the manager") {
  FollowupPolicy policy;
  auto c = NewComplaint("K1", "C-1", "", "bad", "system", kT0, policy);
  REQUIRE(c.ok());
  CHECK_FALSE(Escalate(*c, kT0 + 71h, policy));
  CHECK(Escalate(*c, kT0 + 72h, policy));
  CHECK(c->escalation_level == 1);
  CHECK(NextEscalation(*c, policy) == kT0 + 96h);
  CHECK_FALSE(Escalate(*c, kT0 + 80h, policy));
  CHECK(Escalate(*c, kT0 + 96h, policy));
  CHECK(c->escalation_level == 2);
  CHECK_FALSE(NextEscalation(*c, policy).has_value());
  CHECK(c->steps.back().actor == "system");
}

TEST_CASE("a resolved complaint does not escalate") {
  FollowupPolicy policy;
  auto c = NewComplaint("K1", "C-1", "", "bad", "system", kT0, policy);
  REQUIRE(Advance(*c, ComplaintStatus::kInvestigating, "", "s", kT0).ok());
  REQUIRE(Advance(*c, ComplaintStatus::kResolved, "", "s", kT0).ok());
  CHECK_FALSE(NextEscalation(*c, policy).has_value());
  CHECK_FALSE(Escalate(*c, kT0 + 1000h, policy));
}

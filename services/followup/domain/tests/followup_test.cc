#include "services/followup/domain/followup.h"

#include <catch2/catch.hpp>

using namespace aftersales;
using namespace aftersales::followup;
using namespace std::chrono_literals;

namespace {
const TimePoint kT0 = FromUnixMillis(1'790'000'000'000);
}

TEST_CASE("a return visit is due 3 days after the service") {
  FollowupPolicy policy;
  Task t = NewReturnVisit("f1", "T-1", "C-1", "SN-1", kT0, kT0 + 1h, policy);
  CHECK(t.kind == TaskKind::kReturnVisit);
  CHECK(t.status == TaskStatus::kOpen);
  CHECK(t.due == kT0 + 72h);
}

TEST_CASE("an unhappy answer opens a complaint, a happy one does not") {
  FollowupPolicy policy;
  for (int score = 1; score <= 5; ++score) {
    Task t = NewReturnVisit("f1", "T-1", "C-1", "", kT0, kT0, policy);
    auto c = CompleteTask(t, {score, "ok", false}, kT0 + 1h, policy);
    REQUIRE(c.ok());
    CHECK(c->open_complaint == (score <= 2));
    CHECK(t.status == TaskStatus::kDone);
    CHECK(t.outcome.satisfaction == score);
  }
}

TEST_CASE("a return visit without a satisfaction score is rejected naming the field") {
  FollowupPolicy policy;
  Task t = NewReturnVisit("f1", "T-1", "C-1", "", kT0, kT0, policy);
  for (int bad : {0, 6, -1}) {
    auto c = CompleteTask(t, {bad, "", false}, kT0, policy);
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() == Code::kInvalidArgument);
    CHECK(c.status().field_violations().at(0).field == "satisfaction");
  }
  CHECK(t.status == TaskStatus::kOpen);
}

TEST_CASE("a completed task cannot be completed again") {
  FollowupPolicy policy;
  Task t = NewReconfirm("f1", "T-1", "C-1", "", kT0, std::nullopt, kT0, policy);
  REQUIRE(CompleteTask(t, {0, "", false}, kT0, policy).ok());
  auto again = CompleteTask(t, {0, "", true}, kT0, policy);
  CHECK(again.status().code() == Code::kFailedPrecondition);
  CHECK(again.status().reason() == "FOLLOWUP_DONE");
}

TEST_CASE("a reconfirmation is due 24 hours after a phone fix and fault back fails it") {
  FollowupPolicy policy;
  Task t = NewReconfirm("f1", "T-1", "C-1", "", kT0, std::nullopt, kT0, policy);
  CHECK(t.due == kT0 + 24h);
  Task given = NewReconfirm("f2", "T-1", "C-1", "", kT0, kT0 + 30h, kT0, policy);
  CHECK(given.due == kT0 + 30h);
  auto c = CompleteTask(t, {0, "still broken", true}, kT0 + 25h, policy);
  REQUIRE(c.ok());
  CHECK(c->reconfirm_failed);
  CHECK_FALSE(c->open_complaint);
}

TEST_CASE("an expiry reminder is due 10 days before the last covered day") {
  FollowupPolicy policy;
  const TimePoint now = FromUnixMillis(1'767'225'600'000);  // 2026-01-01T00:00Z
  auto t = NewExpiryReminder("f1", "C-1", "SN-1", "2026-03-31", now, policy);
  REQUIRE(t.has_value());
  CHECK(ToUnixMillis(t->due) == 1'774'051'200'000);  // 2026-03-21T00:00Z
  // Already past: nothing to remind; less than 10 days left: due now.
  CHECK_FALSE(NewExpiryReminder("f2", "C-1", "SN-1", "2025-12-31", now, policy).has_value());
  auto soon = NewExpiryReminder("f3", "C-1", "SN-1", "2026-01-05", now, policy);
  REQUIRE(soon.has_value());
  CHECK(soon->due == now);
  CHECK_FALSE(NewExpiryReminder("f4", "C-1", "SN-1", "not a date", now, policy).has_value());
}

TEST_CASE("one return visit per work order whichever event announces it") {
  CHECK(ReturnVisitSource("WO-1", "T-1", kT0) == ReturnVisitSource("WO-1", "T-9", kT0 + 1h));
  CHECK(ReturnVisitSource("", "T-1", kT0) != ReturnVisitSource("", "T-1", kT0 + 1h));
}

TEST_CASE("a maintenance task is done from its work order: engineer and findings, no score") {
  FollowupPolicy policy;
  Task t;
  t.id = "f9";
  t.kind = TaskKind::kMaintenance;
  t.maintenance_plan_id = "plan-1";
  const Answer a = MaintenanceAnswer("eng-7", "wo-3", "barrier arm greased, sensors clean");
  CHECK(a.satisfaction == 0);
  CHECK(a.comment == "engineer eng-7, work order wo-3: barrier arm greased, sensors clean");
  auto c = CompleteTask(t, a, kT0, policy);
  REQUIRE(c.ok());
  CHECK_FALSE(c->open_complaint);
  CHECK(t.status == TaskStatus::kDone);
  CHECK(t.outcome.comment == a.comment);
  CHECK(MaintenanceCompletionRequest("wo-3") != MaintenanceCompletionRequest("wo-4"));
}

TEST_CASE("long maintenance findings are cut to what an answer may hold, on a character") {
  std::string findings;
  for (int i = 0; i < 2000; ++i) findings += "检";  // 3 bytes each
  const Answer a = MaintenanceAnswer("eng-7", "wo-3", findings);
  CHECK(a.comment.size() <= 4000);
  CHECK(a.comment.size() > 3990);
  // Ends on a whole character: the last byte is the last of a 3-byte sequence.
  CHECK((a.comment.size() - std::string("engineer eng-7, work order wo-3: ").size()) % 3 == 0);
  Task t;
  t.kind = TaskKind::kMaintenance;
  CHECK(CompleteTask(t, a, kT0, FollowupPolicy{}).ok());
}

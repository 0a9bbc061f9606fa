#include "services/dispatch/domain/assignment_planner.h"

#include <catch2/catch.hpp>

#include "services/dispatch/domain/tests/test_support.h"

namespace aftersales::dispatch {
namespace {

using namespace testing;

Decision PlanOk(AssignmentPlanner& p, const OnSiteRequest& r, TimePoint now) {
  Result<Decision> d = p.Plan(r, now);
  REQUIRE(d.ok());
  return *d;
}

// Two engineers: "near" 2 km from the site, "far" 10 km. Every eligibility
// test breaks exactly one property of "near" and expects "far".
struct NearAndFar {
  Engineer near = MakeEngineer("near", EastOf(2));
  Engineer far = MakeEngineer("far", EastOf(10));
  Decision Run(TimePoint now = MondayTen()) {
    AssignmentPlanner p;
    REQUIRE(p.UpsertEngineer(near).ok());
    REQUIRE(p.UpsertEngineer(far).ok());
    return PlanOk(p, MakeRequest("T1", Severity::kMajor, now), now);
  }
};

TEST_CASE("the nearest eligible engineer is chosen when all else is equal", "[planner]") {
  NearAndFar f;
  const Decision d = f.Run();
  CHECK(d.kind == DecisionKind::kAssigned);
  CHECK(d.engineer_id == "near");
  CHECK_FALSE(d.escalate_now);
}

TEST_CASE("an engineer without the skill is never chosen", "[planner]") {
  NearAndFar f;
  f.near.skills = {"fire_alarm"};
  CHECK(f.Run().engineer_id == "far");
}

TEST_CASE("an engineer who does not serve the site's zone is never chosen", "[planner]") {
  NearAndFar f;
  f.near.zones = {Zone::kSuburb};
  CHECK(f.Run().engineer_id == "far");
}

TEST_CASE("an engineer off the roster is never chosen", "[planner]") {
  NearAndFar f;
  f.near.roster = DutyRoster::Daily(0, 20, 8);  // nights only; it is Monday 10:00
  CHECK(f.Run().engineer_id == "far");
}

TEST_CASE("an engineer sent OFF_DUTY is never chosen", "[planner]") {
  NearAndFar f;
  f.near.state = EngineerState::kOffDuty;
  CHECK(f.Run().engineer_id == "far");
}

TEST_CASE("an engineer at the job limit is never chosen", "[planner]") {
  NearAndFar f;
  const TimePoint now = MondayTen();
  f.near.max_concurrent_jobs = 1;
  // Finished already by estimate, so only the limit (not the time) excludes it.
  f.near.jobs = {{"OLD", Severity::kNotice, true, now - 1h}};
  CHECK(f.Run(now).engineer_id == "far");
  f.near.max_concurrent_jobs = 2;
  CHECK(f.Run(now).engineer_id == "near");
}

TEST_CASE("earliest arrival wins over distance: a busy near engineer loses to a free far one",
          "[planner]") {
  NearAndFar f;
  const TimePoint now = MondayTen();
  // near: busy 1 h + 6 min travel; far: 31 min travel.
  f.near.jobs = {{"OLD", Severity::kMinor, true, now + 1h}};
  const Decision d = f.Run(now);
  CHECK(d.engineer_id == "far");
  const Duration far_travel = TravelTime(HaversineKm(f.far.position, kCentre), Zone::kCity, {});
  CHECK(d.estimated_arrival == now + far_travel);
}

TEST_CASE("estimated arrival is now + time to finish current jobs + travel", "[planner]") {
  NearAndFar f;
  const TimePoint now = MondayTen();
  f.far.state = EngineerState::kOffDuty;
  f.near.jobs = {{"OLD", Severity::kMinor, true, now + 40min}};
  const Decision d = f.Run(now);
  REQUIRE(d.engineer_id == "near");
  const Duration travel = TravelTime(HaversineKm(f.near.position, kCentre), Zone::kCity, {});
  CHECK(d.estimated_arrival == now + 40min + travel);
  // About 2 km * 1.3 / 25 km/h = 6.24 min.
  CHECK(travel >= std::chrono::seconds(370));
  CHECK(travel <= std::chrono::seconds(380));
}

TEST_CASE("on equal arrival the engineer with less load wins", "[planner]") {
  const TimePoint now = MondayTen();
  // Same place, same arrival; "a" would win on id, so only load can pick "b".
  Engineer a = MakeEngineer("a", EastOf(3));
  Engineer b = MakeEngineer("b", EastOf(3));
  a.max_concurrent_jobs = 3;
  a.jobs = {{"OLD", Severity::kNotice, true, now - 10min}};  // overrunning, free by estimate
  AssignmentPlanner p;
  REQUIRE(p.UpsertEngineer(a).ok());
  REQUIRE(p.UpsertEngineer(b).ok());
  CHECK(PlanOk(p, MakeRequest("T1", Severity::kMinor, now), now).engineer_id == "b");
}

TEST_CASE("nobody in time: the earliest arrival is assigned and escalated now", "[planner]") {
  const TimePoint now = MondayTen();
  AssignmentPlanner p;
  REQUIRE(p.UpsertEngineer(MakeEngineer("slow", EastOf(60))).ok());  // ~3 h in the city
  REQUIRE(p.UpsertEngineer(MakeEngineer("slower", EastOf(80))).ok());
  const Decision d = PlanOk(p, MakeRequest("T1", Severity::kMajor, now, 2h), now);
  CHECK(d.kind == DecisionKind::kAssigned);
  CHECK(d.engineer_id == "slow");
  CHECK(d.escalate_now);
  CHECK(d.estimated_arrival > now + 2h);
}

TEST_CASE("an engineer whose shift ends before they could arrive is not chosen", "[planner]") {
  const TimePoint now = MondayTen() + 9h + 50min;  // 19:50, day shift ends at 20:00
  AssignmentPlanner p;
  REQUIRE(p.UpsertEngineer(MakeEngineer("day", EastOf(5))).ok());  // ~16 min away
  Engineer night = MakeEngineer("night", EastOf(10));
  night.roster = DutyRoster::AlwaysOn();
  REQUIRE(p.UpsertEngineer(night).ok());
  CHECK(PlanOk(p, MakeRequest("T1", Severity::kMajor, now), now).engineer_id == "night");
}

TEST_CASE("an arrival exactly at the due time is in time", "[planner]") {
  const TimePoint now = MondayTen();
  AssignmentPlanner p;
  Engineer e = MakeEngineer("e", EastOf(5));
  REQUIRE(p.UpsertEngineer(e).ok());
  const Duration travel = TravelTime(HaversineKm(e.position, kCentre), Zone::kCity, {});
  CHECK_FALSE(PlanOk(p, MakeRequest("T1", Severity::kMajor, now, travel), now).escalate_now);
  CHECK(PlanOk(p, MakeRequest("T2", Severity::kMajor, now, travel - 1s), now).escalate_now);
}

TEST_CASE("an emergency takes an engineer off a not-started lower-severity job", "[planner]") {
  const TimePoint now = MondayTen();
  AssignmentPlanner p;
  Engineer e = MakeEngineer("only", EastOf(2));
  e.max_concurrent_jobs = 1;
  REQUIRE(p.UpsertEngineer(e).ok());
  OnSiteRequest minor = MakeRequest("MINOR", Severity::kMinor, now, 24h);
  REQUIRE(PlanOk(p, minor, now).engineer_id == "only");

  const Decision d = PlanOk(p, MakeRequest("EMERG", Severity::kEmergency, now), now);
  CHECK(d.engineer_id == "only");
  REQUIRE(d.displaced.size() == 1);
  CHECK(d.displaced[0].ticket_number == "MINOR");
  CHECK(d.displaced[0].severity == Severity::kMinor);
  CHECK(p.AssignedEngineer("MINOR").empty());
  const Engineer* after = p.engineers().Find("only");
  REQUIRE(after->jobs.size() == 1);
  CHECK(after->jobs[0].ticket_number == "EMERG");
  // The displaced job is planned again: nobody is free, so it waits.
  CHECK(PlanOk(p, d.displaced[0], now).kind == DecisionKind::kQueued);
}

TEST_CASE("an emergency does not take a job that has started", "[planner]") {
  const TimePoint now = MondayTen();
  AssignmentPlanner p;
  Engineer e = MakeEngineer("only", EastOf(2));
  e.max_concurrent_jobs = 1;
  REQUIRE(p.UpsertEngineer(e).ok());
  REQUIRE(PlanOk(p, MakeRequest("MINOR", Severity::kMinor, now, 24h), now).engineer_id == "only");
  REQUIRE(p.MarkStarted("only", "MINOR").ok());
  const Decision d = PlanOk(p, MakeRequest("EMERG", Severity::kEmergency, now), now);
  CHECK(d.kind == DecisionKind::kQueued);
  CHECK(p.AssignedEngineer("MINOR") == "only");
}

TEST_CASE("an emergency does not take another emergency's job", "[planner]") {
  const TimePoint now = MondayTen();
  AssignmentPlanner p;
  Engineer e = MakeEngineer("only", EastOf(2));
  e.max_concurrent_jobs = 1;
  REQUIRE(p.UpsertEngineer(e).ok());
  REQUIRE(PlanOk(p, MakeRequest("E1", Severity::kEmergency, now), now).engineer_id == "only");
  CHECK(PlanOk(p, MakeRequest("E2", Severity::kEmergency, now), now).kind == DecisionKind::kQueued);
  CHECK(p.AssignedEngineer("E1") == "only");
}

TEST_CASE("only an emergency pre-empts: a major request waits", "[planner]") {
  const TimePoint now = MondayTen();
  AssignmentPlanner p;
  Engineer e = MakeEngineer("only", EastOf(2));
  e.max_concurrent_jobs = 1;
  REQUIRE(p.UpsertEngineer(e).ok());
  REQUIRE(PlanOk(p, MakeRequest("NOTICE", Severity::kNotice, now, 24h), now).engineer_id == "only");
  CHECK(PlanOk(p, MakeRequest("MAJOR", Severity::kMajor, now), now).kind == DecisionKind::kQueued);
  CHECK(p.AssignedEngineer("NOTICE") == "only");
}

TEST_CASE("no pre-emption when someone else can arrive in time", "[planner]") {
  const TimePoint now = MondayTen();
  AssignmentPlanner p;
  Engineer busy = MakeEngineer("busy", EastOf(2));
  busy.max_concurrent_jobs = 1;
  REQUIRE(p.UpsertEngineer(busy).ok());
  REQUIRE(PlanOk(p, MakeRequest("MINOR", Severity::kMinor, now, 24h), now).engineer_id == "busy");
  REQUIRE(p.UpsertEngineer(MakeEngineer("free", EastOf(20))).ok());  // ~62 min away
  const Decision d = PlanOk(p, MakeRequest("EMERG", Severity::kEmergency, now, 2h), now);
  CHECK(d.engineer_id == "free");
  CHECK(d.displaced.empty());
  CHECK(p.AssignedEngineer("MINOR") == "busy");
}

TEST_CASE("nobody eligible: requests wait, most severe then earliest due first", "[planner]") {
  const TimePoint now = MondayTen();
  AssignmentPlanner p;
  const Decision a = PlanOk(p, MakeRequest("NOTICE", Severity::kNotice, now, 24h), now);
  const Decision b = PlanOk(p, MakeRequest("MAJOR-LATE", Severity::kMajor, now, 3h), now);
  const Decision c = PlanOk(p, MakeRequest("MAJOR-SOON", Severity::kMajor, now, 2h), now);
  CHECK(a.kind == DecisionKind::kQueued);
  CHECK(b.kind == DecisionKind::kQueued);
  CHECK(c.kind == DecisionKind::kQueued);
  const auto queue = p.WaitingQueue();
  REQUIRE(queue.size() == 3);
  CHECK(queue[0].ticket_number == "MAJOR-SOON");
  CHECK(queue[1].ticket_number == "MAJOR-LATE");
  CHECK(queue[2].ticket_number == "NOTICE");
}

TEST_CASE("replan assigns the queue head when an engineer frees up", "[planner]") {
  const TimePoint now = MondayTen();
  AssignmentPlanner p;
  Engineer e = MakeEngineer("e", EastOf(2));
  e.max_concurrent_jobs = 1;
  REQUIRE(p.UpsertEngineer(e).ok());
  REQUIRE(PlanOk(p, MakeRequest("FIRST", Severity::kMinor, now, 24h), now).engineer_id == "e");
  REQUIRE(PlanOk(p, MakeRequest("NOTICE", Severity::kNotice, now, 24h), now).kind ==
          DecisionKind::kQueued);
  REQUIRE(PlanOk(p, MakeRequest("MAJOR", Severity::kMajor, now + 1min, 2h), now + 1min).kind ==
          DecisionKind::kQueued);
  CHECK(p.Replan(now + 2min).empty());  // still nobody free

  REQUIRE(p.MarkStarted("e", "FIRST").ok());
  REQUIRE(p.FinishJob("e", "FIRST", kCentre).ok());
  const auto decisions = p.Replan(now + 30min);
  REQUIRE(decisions.size() == 1);
  CHECK(decisions[0].ticket_number == "MAJOR");  // reported later, but more severe
  CHECK(decisions[0].engineer_id == "e");
  REQUIRE(p.WaitingQueue().size() == 1);
  CHECK(p.WaitingQueue()[0].ticket_number == "NOTICE");
}

TEST_CASE("replan assigns waiting work when an engineer comes on duty", "[planner]") {
  const TimePoint morning = MondayTen() - 3h;  // 07:00, before the day shift
  AssignmentPlanner p;
  REQUIRE(p.UpsertEngineer(MakeEngineer("day", EastOf(2))).ok());
  REQUIRE(PlanOk(p, MakeRequest("T1", Severity::kMajor, morning), morning).kind ==
          DecisionKind::kQueued);
  CHECK(p.Replan(morning + 59min).empty());
  const auto decisions = p.Replan(morning + 1h);
  REQUIRE(decisions.size() == 1);
  CHECK(decisions[0].engineer_id == "day");
  CHECK(p.WaitingQueue().empty());
}

TEST_CASE("a decline re-plans the job without the decliner, for good", "[planner]") {
  const TimePoint now = MondayTen();
  AssignmentPlanner p;
  REQUIRE(p.UpsertEngineer(MakeEngineer("near", EastOf(2))).ok());
  REQUIRE(p.UpsertEngineer(MakeEngineer("far", EastOf(10))).ok());
  REQUIRE(PlanOk(p, MakeRequest("T1", Severity::kMajor, now), now).engineer_id == "near");

  CHECK(p.Decline("T1", "far", now).status().code() == Code::kNotFound);  // not theirs

  Result<Decision> d = p.Decline("T1", "near", now);
  REQUIRE(d.ok());
  CHECK(d->engineer_id == "far");
  CHECK(p.engineers().Find("near")->jobs.empty());
  // The second decliner leaves nobody: the job waits rather than going back to "near".
  Result<Decision> d2 = p.Decline("T1", "far", now);
  REQUIRE(d2.ok());
  CHECK(d2->kind == DecisionKind::kQueued);
  CHECK(p.Replan(now + 1min).empty());
}

TEST_CASE("going off duty re-plans the jobs not started, keeps the started one", "[planner]") {
  const TimePoint now = MondayTen();
  AssignmentPlanner p;
  Engineer leaving = MakeEngineer("leaving", EastOf(1));
  leaving.max_concurrent_jobs = 3;
  REQUIRE(p.UpsertEngineer(leaving).ok());
  REQUIRE(PlanOk(p, MakeRequest("STARTED", Severity::kMinor, now, 24h), now).engineer_id ==
          "leaving");
  REQUIRE(p.MarkStarted("leaving", "STARTED").ok());
  REQUIRE(PlanOk(p, MakeRequest("WAITING", Severity::kMinor, now, 24h), now).engineer_id ==
          "leaving");
  REQUIRE(p.UpsertEngineer(MakeEngineer("other", EastOf(15))).ok());

  Result<std::vector<Decision>> d = p.TakeOffDuty("leaving", now);
  REQUIRE(d.ok());
  REQUIRE(d->size() == 1);
  CHECK((*d)[0].ticket_number == "WAITING");
  CHECK((*d)[0].engineer_id == "other");
  CHECK(p.AssignedEngineer("STARTED") == "leaving");
}

TEST_CASE("bad requests are refused naming the field and a ticket is planned once", "[planner]") {
  const TimePoint now = MondayTen();
  AssignmentPlanner p;
  OnSiteRequest r = MakeRequest("T1", Severity::kMajor, now);
  r.skill = "";
  r.zone = static_cast<Zone>(7);
  Result<Decision> bad = p.Plan(r, now);
  REQUIRE(bad.status().code() == Code::kInvalidArgument);
  const auto& v = bad.status().field_violations();
  REQUIRE(v.size() == 2);
  CHECK(v[0].field == "zone");
  CHECK(v[1].field == "skill");

  REQUIRE(p.Plan(MakeRequest("T1", Severity::kMajor, now), now).ok());
  CHECK(p.Plan(MakeRequest("T1", Severity::kMajor, now), now).status().code() ==
        Code::kAlreadyExists);
}

}  // namespace
}  // namespace aftersales::dispatch

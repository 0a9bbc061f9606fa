#include "services/followup/domain/report.h"

#include <catch2/catch.hpp>

using namespace aftersales;
using namespace aftersales::followup;
using namespace std::chrono_literals;

namespace {
const TimePoint kT0 = FromUnixMillis(1'790'000'000'000);
using K = ReportEvent::Kind;

ReportEvent Ev(K kind, TimePoint time, std::string ticket) {
  ReportEvent e;
  e.kind = kind;
  e.time = time;
  e.ticket = std::move(ticket);
  return e;
}

std::vector<ReportEvent> Story() {
  std::vector<ReportEvent> v;
  auto reported = Ev(K::kTicketReported, kT0, "T-1");
  reported.branch = "north";
  v.push_back(reported);
  auto onsite = Ev(K::kTicketOnsiteRequested, kT0 + 10min, "T-1");
  onsite.product_line = "parking";
  onsite.start = kT0;
  v.push_back(onsite);
  auto responded = Ev(K::kTicketResponded, kT0 + 20min, "T-1");
  responded.start = kT0;
  responded.severity = 2;
  v.push_back(responded);
  auto assigned = Ev(K::kWorkOrderAssigned, kT0 + 30min, "T-1");
  assigned.work_order = "WO-1";
  assigned.branch = "north";
  assigned.severity = 2;
  v.push_back(assigned);
  auto arrived = Ev(K::kWorkOrderArrived, kT0 + 2h, "T-1");
  arrived.work_order = "WO-1";
  arrived.met = true;
  v.push_back(arrived);
  auto done = Ev(K::kWorkOrderDone, kT0 + 3h, "T-1");
  done.work_order = "WO-1";
  done.branch = "north";
  done.product_line = "parking";
  done.asset = "SN-1";
  done.severity = 2;
  done.met = true;
  done.visit = 1;
  done.start = kT0 + 2h;
  done.due = kT0 + 4h;
  done.parts = {{"GATE-ARM", 2}};
  v.push_back(done);
  auto survey = Ev(K::kSurveyAnswered, kT0 + 24h, "T-1");
  survey.score = 2;
  v.push_back(survey);
  v.push_back(Ev(K::kComplaintOpened, kT0 + 24h, "T-1"));
  // The same asset, the same fault family, 10 days later: a repeat visit.
  auto again = done;
  again.ticket = "T-2";
  again.work_order = "WO-2";
  again.time = kT0 + 240h;
  again.start = kT0 + 239h;
  again.due = kT0 + 238h;  // late
  again.parts = {{"GATE-ARM", 1}};
  v.push_back(again);
  return v;
}

}  // namespace

TEST_CASE("the report folds a ticket's story into its figures") {
  InMemoryReport report;
  for (const auto& e : Story()) report.Apply(e);
  ReportFigures f = report.Figures(DayOf(kT0), DayOf(kT0) + 30, "", "");
  CHECK(f.respond_count == 1);
  CHECK(f.respond_ms_total == 20 * 60 * 1000);
  CHECK(f.arrive_count == 1);
  CHECK(f.arrive_ms_total == 2 * 3600 * 1000);
  CHECK(f.repair_count == 2);
  CHECK(f.visits == 2);
  CHECK(f.first_visits == 2);
  CHECK(f.FirstTimeFixRate() == 1.0);
  CHECK(f.repeat_visits == 1);
  CHECK(f.surveys == 1);
  CHECK(f.satisfaction.at(2) == 1);
  CHECK(f.satisfaction_average == 2.0);
  CHECK(f.complaints_opened == 1);
  CHECK(f.parts_used.at("GATE-ARM") == 3);
  // Response, arrival and the first repair met; the second repair came late
  // and its breach is counted only when dispatch reports it.
  int64_t met = 0;
  for (const auto& d : f.deadlines) met += d.met;
  CHECK(met == 3);

  // The survey is filed under the ticket's branch and product line.
  ReportFigures parking = report.Figures(DayOf(kT0), DayOf(kT0) + 30, "north", "parking");
  CHECK(parking.surveys == 1);
  CHECK(report.Figures(DayOf(kT0), DayOf(kT0) + 30, "south", "").visits == 0);
}

TEST_CASE("a breached response clock is not counted as met") {
  InMemoryReport report;
  auto breach = Ev(K::kClockBreached, kT0 + 1h, "T-1");
  breach.clock = kClockFirstResponse;
  breach.severity = 1;
  breach.branch = "north";
  report.Apply(breach);
  auto responded = Ev(K::kTicketResponded, kT0 + 2h, "T-1");
  responded.severity = 1;
  responded.start = kT0;
  report.Apply(responded);
  ReportFigures f = report.Figures(DayOf(kT0), DayOf(kT0) + 1, "", "");
  REQUIRE(f.deadlines.size() == 1);
  CHECK(f.deadlines[0].breached == 1);
  CHECK(f.deadlines[0].met == 0);
}

TEST_CASE("folding the same events from scratch gives the same figures") {
  InMemoryReport a, b;
  for (const auto& e : Story()) a.Apply(e);
  for (const auto& e : Story()) b.Apply(e);
  auto fa = a.Figures(0, 100000, "", "");
  auto fb = b.Figures(0, 100000, "", "");
  CHECK(fa.visits == fb.visits);
  CHECK(fa.repeat_visits == fb.repeat_visits);
  CHECK(fa.parts_used == fb.parts_used);
}

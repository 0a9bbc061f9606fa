#include "services/followup/domain/maintenance.h"

#include <catch2/catch.hpp>

using namespace aftersales;
using namespace aftersales::followup;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> Visits(const std::string& go_live, Cadence cadence, int n) {
  CivilDate d = *CivilDate::Parse(go_live);
  std::vector<std::string> out;
  TimePoint after = d.Start();
  for (int i = 0; i < n; ++i) {
    after = VisitAfter(d, cadence, after);
    out.push_back(CivilDate::FromTime(after).ToString());
  }
  return out;
}

}  // namespace

TEST_CASE("dates parse strictly and months clamp") {
  CHECK(CivilDate::Parse("2026-02-29") == std::nullopt);
  CHECK(CivilDate::Parse("2028-02-29").has_value());
  CHECK(CivilDate::Parse("2026-1-01") == std::nullopt);
  CHECK(CivilDate::Parse("2026-01-31")->AddMonths(1).ToString() == "2026-02-28");
  CHECK(CivilDate::FromDays(CivilDate::Parse("2026-03-01")->Days()).ToString() == "2026-03-01");
}

TEST_CASE("a monthly plan visits every 2 weeks for 3 months then monthly") {
  CHECK(Visits("2026-01-01", Cadence::kMonthly, 9) ==
        std::vector<std::string>{"2026-01-15", "2026-01-29", "2026-02-12", "2026-02-26",
                                 "2026-03-12", "2026-03-26", "2026-04-01", "2026-05-01",
                                 "2026-06-01"});
}

TEST_CASE("a quarterly plan visits every 3 months after the first 3") {
  CHECK(Visits("2026-01-31", Cadence::kQuarterly, 9) ==
        std::vector<std::string>{"2026-02-14", "2026-02-28", "2026-03-14", "2026-03-28",
                                 "2026-04-11", "2026-04-25", "2026-04-30", "2026-07-30",
                                 "2026-10-30"});
}

TEST_CASE("a biweekly plan stays biweekly from the 3-month mark") {
  auto v = Visits("2026-01-01", Cadence::kBiweekly, 9);
  CHECK(v[6] == "2026-04-01");
  CHECK(v[7] == "2026-04-15");
  CHECK(v[8] == "2026-04-29");
}

TEST_CASE("a visit long after go-live is the next one on the calendar") {
  CivilDate d = *CivilDate::Parse("2020-01-10");
  TimePoint after = CivilDate::Parse("2026-05-20")->Start();
  CHECK(CivilDate::FromTime(VisitAfter(d, Cadence::kMonthly, after)).ToString() == "2026-06-10");
  CHECK(CivilDate::FromTime(VisitAfter(d, Cadence::kQuarterly, after)).ToString() == "2026-07-10");
}

TEST_CASE("two faults within one visit interval shorten the cadence by one step") {
  const TimePoint t = CivilDate::Parse("2026-06-01")->Start();
  CHECK(AdaptedCadence(Cadence::kQuarterly, {t - 24h * 80, t}, t) == Cadence::kMonthly);
  CHECK(AdaptedCadence(Cadence::kQuarterly, {t - 24h * 100, t}, t) == Cadence::kQuarterly);
  CHECK(AdaptedCadence(Cadence::kMonthly, {t - 24h * 20, t}, t) == Cadence::kBiweekly);
  CHECK(AdaptedCadence(Cadence::kMonthly, {t}, t) == Cadence::kMonthly);
  CHECK(AdaptedCadence(Cadence::kBiweekly, {t - 1h, t}, t) == Cadence::kBiweekly);
}

TEST_CASE("a plan with bad fields names them") {
  auto p = NewPlan("P1", "", "", "C-1", 7, "2026-13-01", TimePoint{});
  REQUIRE_FALSE(p.ok());
  REQUIRE(p.status().field_violations().size() == 3);
  CHECK(p.status().field_violations()[0].field == "siteId");
  CHECK(p.status().field_violations()[1].field == "cadence");
  CHECK(p.status().field_violations()[2].field == "startsOn");
}

TEST_CASE("a plan set up on a visit's day gets that visit at once, earlier ones are not made up") {
  // Go-live 2026-01-01: visits 01-15, 01-29, ...
  const TimePoint jan15_noon = CivilDate::Parse("2026-01-15")->Start() + 12h;
  auto today = NewPlan("p1", "SITE-1", "SN-1", "C-1", 2, "2026-01-01", jan15_noon);
  REQUIRE(today.ok());
  CHECK(CivilDate::FromTime(today->next_visit).ToString() == "2026-01-15");
  CHECK(today->next_visit <= jan15_noon);  // already due
  auto later = NewPlan("p2", "SITE-1", "SN-1", "C-1", 2, "2026-01-01", jan15_noon + 24h);
  REQUIRE(later.ok());
  CHECK(CivilDate::FromTime(later->next_visit).ToString() == "2026-01-29");
}

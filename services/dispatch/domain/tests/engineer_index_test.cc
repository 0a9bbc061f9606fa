#include "services/dispatch/domain/engineer_index.h"

#include <catch2/catch.hpp>
#include <random>

#include "services/dispatch/domain/tests/test_support.h"

namespace aftersales::dispatch {
namespace {

using namespace testing;

// Built by appending: GCC 12 at -O3 raises a false -Wrestrict on
// "literal" + std::string.
std::string Numbered(std::string_view prefix, long long n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

std::optional<Candidate> LinearBest(const EngineerIndex& index, const OnSiteRequest& r,
                                    TimePoint now, bool allow_preemption) {
  std::optional<Candidate> best;
  index.ForEach([&](const Engineer& e) {
    std::optional<Candidate> c = EvaluateEngineer(e, r, now, DispatchPolicy{}, allow_preemption);
    if (c && (!best || BetterCandidate(*c, *best))) best = c;
  });
  return best;
}

// A seeded population with busy engineers, mixed skills/zones and rosters.
EngineerIndex Population(std::mt19937_64& rng, int n, TimePoint now) {
  EngineerIndex index;
  std::uniform_real_distribution<double> lat(30.8, 31.6), lng(121.0, 122.0), u(0, 1);
  const char* skills[] = {"parking", "fire_alarm", "network"};
  for (int i = 0; i < n; ++i) {
    Engineer e = MakeEngineer(Numbered("e", i), {lat(rng), lng(rng)});
    e.skills = {skills[i % 3]};
    if (u(rng) < 0.5) e.skills.push_back(skills[(i + 1) % 3]);
    e.zones = u(rng) < 0.7 ? std::vector<Zone>{Zone::kCity}
                           : std::vector<Zone>{Zone::kCity, Zone::kSuburb};
    if (u(rng) < 0.2) e.roster = DutyRoster::Daily(0, 20, 8);
    e.max_concurrent_jobs = 1 + static_cast<int>(u(rng) * 3);
    const int jobs = static_cast<int>(u(rng) * e.max_concurrent_jobs + 0.5);
    for (int j = 0; j < jobs; ++j) {
      e.jobs.push_back({Numbered(Numbered("J", i) + "-", j),
                        static_cast<Severity>(1 + static_cast<int>(u(rng) * 4)), u(rng) < 0.4,
                        now + std::chrono::minutes(static_cast<int>(u(rng) * 300))});
    }
    REQUIRE(index.Upsert(std::move(e)).ok());
  }
  return index;
}

TEST_CASE("the grid search chooses exactly what a scan of every engineer chooses", "[index]") {
  std::mt19937_64 rng(42);
  const TimePoint now = MondayTen();
  EngineerIndex index = Population(rng, 3000, now);
  std::uniform_real_distribution<double> lat(30.7, 31.7), lng(120.9, 122.1), u(0, 1);
  const char* skills[] = {"parking", "fire_alarm", "network"};
  int found = 0;
  for (int i = 0; i < 400; ++i) {
    OnSiteRequest r = MakeRequest(Numbered("T", i), static_cast<Severity>(1 + i % 4), now);
    r.site = {lat(rng), lng(rng)};
    r.skill = skills[i % 3];
    r.zone = u(rng) < 0.6 ? Zone::kCity : Zone::kSuburb;
    const bool pre = r.severity == Severity::kEmergency;
    const std::optional<Candidate> a = index.FindBest(r, now, DispatchPolicy{}, pre);
    const std::optional<Candidate> b = LinearBest(index, r, now, pre);
    REQUIRE(a.has_value() == b.has_value());
    if (!a) continue;
    ++found;
    CHECK(a->engineer->id == b->engineer->id);
    CHECK(a->arrival == b->arrival);
    CHECK(a->preempts == b->preempts);
  }
  CHECK(found > 300);
}

TEST_CASE("the grid search stops early instead of visiting every cell", "[index]") {
  std::mt19937_64 rng(7);
  const TimePoint now = MondayTen();
  EngineerIndex index;
  std::uniform_real_distribution<double> lat(30.0, 32.0), lng(120.0, 123.0);
  for (int i = 0; i < 5000; ++i) {
    REQUIRE(index.Upsert(MakeEngineer(Numbered("e", i), {lat(rng), lng(rng)})).ok());
  }
  // 40 x 60 cells hold engineers; a site in the middle is served from a few rings.
  OnSiteRequest r = MakeRequest("T1", Severity::kMajor, now);
  r.site = {31.0, 121.5};
  REQUIRE(index.FindBest(r, now, DispatchPolicy{}, false).has_value());
  CHECK(index.last_cells_visited() < 50);
}

TEST_CASE("moving an engineer moves them in the grid and removing them removes them", "[index]") {
  const TimePoint now = MondayTen();
  EngineerIndex index;
  REQUIRE(index.Upsert(MakeEngineer("a", EastOf(30))).ok());
  REQUIRE(index.Upsert(MakeEngineer("b", EastOf(10))).ok());
  OnSiteRequest r = MakeRequest("T1", Severity::kMajor, now);
  CHECK(index.FindBest(r, now, DispatchPolicy{}, false)->engineer->id == "b");
  REQUIRE(index.Upsert(MakeEngineer("a", EastOf(1))).ok());
  CHECK(index.FindBest(r, now, DispatchPolicy{}, false)->engineer->id == "a");
  CHECK(index.Remove("a"));
  CHECK(index.FindBest(r, now, DispatchPolicy{}, false)->engineer->id == "b");
  CHECK(index.size() == 1);
  Engineer bad = MakeEngineer("c", kCentre);
  bad.skills.clear();
  CHECK(index.Upsert(bad).code() == Code::kInvalidArgument);
}

// Like the platform under load: every engineer holds jobs not started, each
// with its own due time, most of them due before any new request.
EngineerIndex BusyPopulation(std::mt19937_64& rng, int n, TimePoint now) {
  EngineerIndex index;
  std::uniform_real_distribution<double> lat(30.8, 31.6), lng(121.0, 122.0), u(0, 1);
  for (int i = 0; i < n; ++i) {
    Engineer e = MakeEngineer(Numbered("e", i), {lat(rng), lng(rng)});
    e.roster = DutyRoster::AlwaysOn();
    e.max_concurrent_jobs = 6;
    const int jobs = static_cast<int>(u(rng) * 6);
    for (int j = 0; j < jobs; ++j) {
      EngineerJob job{Numbered(Numbered("J", i) + "-", j),
                      static_cast<Severity>(1 + static_cast<int>(u(rng) * 4)),
                      u(rng) < 0.1,
                      now + std::chrono::minutes(static_cast<int>(u(rng) * 300)),
                      now + std::chrono::minutes(static_cast<int>(u(rng) * 240)),
                      std::chrono::minutes(static_cast<int>(u(rng) * 40)),
                      2h};
      e.jobs.push_back(std::move(job));
    }
    OrderJobs(e.jobs);
    REQUIRE(index.Upsert(std::move(e)).ok());
  }
  return index;
}

TEST_CASE("with every engineer busy the search still chooses what a full scan chooses", "[index]") {
  std::mt19937_64 rng(9);
  const TimePoint now = MondayTen();
  EngineerIndex index = BusyPopulation(rng, 2000, now);
  std::uniform_real_distribution<double> lat(30.8, 31.6), lng(121.0, 122.0);
  int64_t evaluated = 0;
  for (int i = 0; i < 300; ++i) {
    if (i % 3 == 0) {
      // Someone's jobs are done or cancelled: an idle engineer in a busy cell.
      const Engineer* freed = index.Find(Numbered("e", (i * 7) % 2000));
      REQUIRE(freed != nullptr);
      std::vector<std::string> tickets;
      for (const EngineerJob& job : freed->jobs) tickets.push_back(job.ticket_number);
      REQUIRE(index.ChangeJobs(freed->id, tickets, std::nullopt));
    }
    OnSiteRequest r = MakeRequest(Numbered("T", i), static_cast<Severity>(1 + i % 4), now,
                                  std::chrono::minutes(60 + i % 200));
    r.site = {lat(rng), lng(rng)};
    const bool pre = r.severity == Severity::kEmergency;
    const std::optional<Candidate> a = index.FindBest(r, now, DispatchPolicy{}, pre);
    const std::optional<Candidate> b = LinearBest(index, r, now, pre);
    evaluated += index.last_engineers_evaluated();
    REQUIRE(a.has_value() == b.has_value());
    if (!a) continue;
    CHECK(a->engineer->id == b->engineer->id);
    CHECK(a->arrival == b->arrival);
    CHECK(a->preempts == b->preempts);
    // The engineer takes the job (as the desk does after its commit): the
    // next searches must see it.
    if (a->preempts) continue;
    const std::string chosen = a->engineer->id;
    REQUIRE(index.ChangeJobs(chosen, {},
                             EngineerJob{r.ticket_number, r.severity, false, a->arrival + 2h, r.due,
                                         a->travel_time, 2h}));
  }
  // Engineers whose held jobs keep them out past the best arrival found are
  // passed over, not evaluated (roster, travel): far fewer than a scan.
  CHECK(evaluated < 300 * 2000 / 4);
}

TEST_CASE("a committed job change updates the engineer's jobs in line order", "[index]") {
  const TimePoint now = MondayTen();
  EngineerIndex index;
  Engineer e = MakeEngineer("a", kCentre);
  e.max_concurrent_jobs = 4;
  e.jobs = {{"T1", Severity::kMajor, false, now + 3h, now + 3h, 10min, 2h},
            {"T2", Severity::kMinor, false, now + 5h, now + 5h, 10min, 2h}};
  REQUIRE(index.Upsert(e).ok());
  CHECK(index.ChangeJobs("a", {"T2"},
                         EngineerJob{"T3", Severity::kMajor, false, now + 2h, now + 1h, 5min, 2h}));
  const Engineer* after = index.Find("a");
  REQUIRE(after != nullptr);
  REQUIRE(after->jobs.size() == 2);
  CHECK(after->jobs[0].ticket_number == "T3");  // due first, held first
  CHECK(after->jobs[1].ticket_number == "T1");
  CHECK_FALSE(index.ChangeJobs("nobody", {}, std::nullopt));
}

}  // namespace
}  // namespace aftersales::dispatch

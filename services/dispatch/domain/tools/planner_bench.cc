// planner-bench: how long one dispatch decision takes among 10,000 engineers,
// with the (skill, zone) + grid index against a scan of every engineer that
// applies the same rules. Prints figures and the ratio; checks that both
// searches choose equally good engineers.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "services/dispatch/domain/assignment_planner.h"
#include "services/dispatch/domain/engineer_index.h"

namespace aftersales::dispatch {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

// Built by appending: GCC 12 at -O3 raises a false -Wrestrict on
// "literal" + std::string.
std::string Numbered(std::string_view prefix, long long n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

constexpr uint64_t kSeed = 20240101;
constexpr int kEngineers = 10000;
constexpr int kDecisions = 20000;
const char* const kSkills[] = {"parking", "security", "fire_alarm", "network"};
constexpr GeoPoint kCity{31.23, 121.47};

struct Figures {
  double p50_us, p99_us, mean_us;
};

Figures Summarise(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  double sum = 0;
  for (double v : us) sum += v;
  return {us[us.size() / 2], us[us.size() * 99 / 100], sum / static_cast<double>(us.size())};
}

GeoPoint Around(std::mt19937_64& rng, double spread_km) {
  std::normal_distribution<double> n(0.0, spread_km);
  return {kCity.lat + n(rng) / 111.2, kCity.lng + n(rng) / (111.2 * 0.855)};
}

std::vector<Engineer> Engineers(std::mt19937_64& rng, TimePoint now) {
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<Engineer> out;
  for (int i = 0; i < kEngineers; ++i) {
    Engineer e;
    e.id = Numbered("eng-", i);
    e.name = Numbered("Engineer ", i);
    e.phone = Numbered("+86 21 5555 ", 1000 + i % 9000);
    e.branch = i % 3 == 0 ? "SH-HQ" : Numbered("SH-", i % 7);
    e.skills = {kSkills[i % 4]};
    if (u(rng) < 0.4) e.skills.push_back(kSkills[(i + 1 + i / 4) % 4]);
    const bool city = u(rng) < 0.6;
    e.position = Around(rng, city ? 12.0 : 40.0);
    e.zones = city ? std::vector<Zone>{Zone::kCity, Zone::kSuburb}
                   : std::vector<Zone>{Zone::kSuburb, Zone::kRemote};
    const double r = u(rng);
    e.roster = r < 0.6    ? DutyRoster::Daily(8 * 60, 8, 20)
               : r < 0.85 ? DutyRoster::Daily(8 * 60, 20, 8)
                          : DutyRoster::AlwaysOn(8 * 60);
    e.max_concurrent_jobs = 1 + static_cast<int>(u(rng) * 3);
    const int jobs = static_cast<int>(u(rng) * (e.max_concurrent_jobs + 1));
    for (int j = 0; j < std::min(jobs, e.max_concurrent_jobs); ++j) {
      e.jobs.push_back({Numbered(Numbered("J", i) + "-", j),
                        static_cast<Severity>(1 + static_cast<int>(u(rng) * 4)), u(rng) < 0.5,
                        now + std::chrono::minutes(static_cast<int>(u(rng) * 240))});
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<OnSiteRequest> Requests(std::mt19937_64& rng, TimePoint now) {
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<OnSiteRequest> out;
  for (int i = 0; i < kDecisions; ++i) {
    OnSiteRequest r;
    r.ticket_number = Numbered("F", 100000 + i);
    const double z = u(rng);
    r.zone = z < 0.6 ? Zone::kCity : z < 0.95 ? Zone::kSuburb : Zone::kRemote;
    r.site = Around(rng, r.zone == Zone::kCity ? 10.0 : 45.0);
    const double s = u(rng);
    r.severity = s < 0.05  ? Severity::kEmergency
                 : s < 0.3 ? Severity::kMajor
                 : s < 0.7 ? Severity::kMinor
                           : Severity::kNotice;
    r.skill = kSkills[static_cast<int>(u(rng) * 4)];
    r.requested_at = now;
    r.due = now + (r.zone == Zone::kCity && MoreUrgent(r.severity, Severity::kMinor) ? 2h : 12h);
    out.push_back(std::move(r));
  }
  return out;
}

int Run() {
  std::mt19937_64 rng(kSeed);
  // Monday 2024-01-01 10:00 at UTC+8: day shift on.
  const TimePoint now = TimePoint(std::chrono::seconds(1704067200)) + 2h;
  const std::vector<Engineer> engineers = Engineers(rng, now);
  const std::vector<OnSiteRequest> requests = Requests(rng, now);
  const DispatchPolicy policy;

  EngineerIndex index;
  for (const Engineer& e : engineers) {
    if (!index.Upsert(e).ok()) {
      std::fprintf(stderr, "engineer %s rejected\n", e.id.c_str());
      return 1;
    }
  }

  std::vector<double> indexed_us, linear_us;
  indexed_us.reserve(requests.size());
  linear_us.reserve(requests.size());
  int64_t cells = 0;
  int assigned = 0, mismatches = 0;
  for (const OnSiteRequest& r : requests) {
    const bool pre = r.severity == Severity::kEmergency;
    const auto t0 = Steady::now();
    const std::optional<Candidate> a = index.FindBest(r, now, policy, pre);
    const auto t1 = Steady::now();
    std::optional<Candidate> b;
    index.ForEach([&](const Engineer& e) {
      std::optional<Candidate> c = EvaluateEngineer(e, r, now, policy, pre);
      if (c && (!b || BetterCandidate(*c, *b))) b = c;
    });
    const auto t2 = Steady::now();
    indexed_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    linear_us.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
    cells += index.last_cells_visited();
    // Equally good: same arrival and same load (ids agree too, by the tie-break).
    if (a.has_value() != b.has_value() ||
        (a && (a->arrival != b->arrival || a->load != b->load || a->engineer != b->engineer))) {
      ++mismatches;
    }
    if (a) ++assigned;
  }

  // The whole decision as the service makes it: choose, commit the job to the
  // engineer, queue when nobody is eligible.
  AssignmentPlanner planner;
  for (const Engineer& e : engineers) (void)planner.UpsertEngineer(e);
  std::vector<double> plan_us;
  plan_us.reserve(requests.size());
  for (const OnSiteRequest& r : requests) {
    const auto t0 = Steady::now();
    Result<Decision> d = planner.Plan(r, now);
    plan_us.push_back(std::chrono::duration<double, std::micro>(Steady::now() - t0).count());
    if (!d.ok()) return 1;
  }

  const Figures fi = Summarise(indexed_us), fl = Summarise(linear_us), fp = Summarise(plan_us);
  std::printf("planner-bench: %d engineers, %d decisions, seed %llu\n", kEngineers, kDecisions,
              static_cast<unsigned long long>(kSeed));
  std::printf("%-34s %10s %10s %10s\n", "search (decision time, us)", "p50", "p99", "mean");
  std::printf("%-34s %10.2f %10.2f %10.2f\n", "indexed (skill,zone)+grid", fi.p50_us, fi.p99_us,
              fi.mean_us);
  std::printf("%-34s %10.2f %10.2f %10.2f\n", "linear scan, same rules", fl.p50_us, fl.p99_us,
              fl.mean_us);
  std::printf("%-34s %10.1fx %9.1fx %9.1fx\n", "ratio linear / indexed", fl.p50_us / fi.p50_us,
              fl.p99_us / fi.p99_us, fl.mean_us / fi.mean_us);
  std::printf("%-34s %10.2f %10.2f %10.2f\n", "AssignmentPlanner::Plan (commits)", fp.p50_us,
              fp.p99_us, fp.mean_us);
  std::printf("mean grid cells visited per decision: %.1f\n",
              static_cast<double>(cells) / static_cast<double>(requests.size()));
  std::printf("decisions with an eligible engineer: %d of %d; queued by Plan: %zu\n", assigned,
              kDecisions, planner.WaitingQueue().size());
  std::printf("indexed vs linear choices that differ: %d\n", mismatches);
  if (mismatches != 0) {
    std::fprintf(stderr, "FAIL: the indexed search chose differently from the scan\n");
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace aftersales::dispatch

int main() { return aftersales::dispatch::Run(); }

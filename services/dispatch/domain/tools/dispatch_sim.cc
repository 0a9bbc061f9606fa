// dispatch-sim: replays one synthetic week of on-site faults for a region and
// dispatches it twice on the same input: with the AssignmentPlanner, and with
// a naive baseline (nearest available engineer, first come first served, no
// deadline awareness, no pre-emption). Prints per-day on-site deadlines met,
// arrival times and engineer utilisation side by side. Seeded: every run of
// the same build prints the same table.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "services/dispatch/domain/assignment_planner.h"

namespace aftersales::dispatch {
namespace {

using namespace std::chrono_literals;

// Built by appending: GCC 12 at -O3 raises a false -Wrestrict on
// "literal" + std::string.
std::string Numbered(std::string_view prefix, long long n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

// ---- The scenario (data) ---------------------------------------------------

struct Scenario {
  uint64_t seed = 7;
  int days = 7;
  int surge_day = 2;           // Wednesday: a storm knocks out barriers and alarms
  double faults_per_day = 60;  // quiet days
  double surge_factor = 4.0;
  double emergency_share = 0.06, major_share = 0.30, minor_share = 0.40;  // rest notices
  double city_share = 0.7;
  int city_engineers = 20, suburb_engineers = 10;
  int max_concurrent_jobs = 1;
  double mean_service_minutes = 75;
  // Share of each day's faults reported in each hour: busy office hours.
  std::vector<double> hour_weights = {1, 1, 1, 1, 1, 1, 2, 4, 7, 8, 8, 7,
                                      6, 7, 8, 8, 7, 6, 4, 3, 2, 2, 1, 1};
};

const char* const kSkills[] = {"parking", "security", "network"};
constexpr GeoPoint kCity{31.23, 121.47};
const TimePoint kWeekStart = TimePoint(std::chrono::seconds(1704067200));  // Mon 2024-01-01 UTC

Duration OnsiteDeadline(Severity s, Zone z) {
  const bool urgent = s == Severity::kEmergency || s == Severity::kMajor;
  if (z == Zone::kCity) return urgent ? 2h : 24h;
  return urgent ? 12h : 24h;
}

struct Fault {
  OnSiteRequest request;
  Duration service;  // how long the work on site really takes
  int day;
};

GeoPoint Offset(double north_km, double east_km) {
  return {kCity.lat + north_km / 111.2, kCity.lng + east_km / (111.2 * 0.855)};
}

std::vector<Fault> Faults(const Scenario& sc, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> n(0, 1);
  double weight_sum = 0;
  for (double w : sc.hour_weights) weight_sum += w;
  std::vector<Fault> out;
  int seq = 0;
  for (int day = 0; day < sc.days; ++day) {
    const double per_day = sc.faults_per_day * (day == sc.surge_day ? sc.surge_factor : 1.0);
    for (int hour = 0; hour < 24; ++hour) {
      std::poisson_distribution<int> count(per_day * sc.hour_weights[hour] / weight_sum);
      const int k = count(rng);
      for (int i = 0; i < k; ++i) {
        Fault f;
        f.day = day;
        OnSiteRequest& r = f.request;
        r.ticket_number = Numbered("F", 10000 + seq++);
        r.requested_at = kWeekStart + std::chrono::hours(24 * day + hour) +
                         std::chrono::seconds(static_cast<int>(u(rng) * 3600));
        r.zone = u(rng) < sc.city_share ? Zone::kCity : Zone::kSuburb;
        if (r.zone == Zone::kCity) {
          r.site = Offset(n(rng) * 5.0, n(rng) * 5.0);
        } else {
          const double angle = u(rng) * 2 * 3.14159265358979;
          const double radius = 15.0 + u(rng) * 25.0;
          r.site = Offset(radius * std::sin(angle), radius * std::cos(angle));
        }
        const double s = u(rng);
        r.severity = s < sc.emergency_share                    ? Severity::kEmergency
                     : s < sc.emergency_share + sc.major_share ? Severity::kMajor
                     : s < sc.emergency_share + sc.major_share + sc.minor_share ? Severity::kMinor
                                                                                : Severity::kNotice;
        r.skill = kSkills[static_cast<int>(u(rng) * 3)];
        r.due = r.requested_at + OnsiteDeadline(r.severity, r.zone);
        // Log-normal service time around the mean, at least 20 minutes.
        const double minutes =
            std::max(20.0, sc.mean_service_minutes * std::exp(0.45 * n(rng) - 0.1));
        f.service = std::chrono::seconds(static_cast<int>(minutes * 60));
        out.push_back(std::move(f));
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const Fault& a, const Fault& b) {
    return a.request.requested_at < b.request.requested_at;
  });
  return out;
}

std::vector<Engineer> Roster(const Scenario& sc, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> n(0, 1);
  std::vector<Engineer> out;
  const int total = sc.city_engineers + sc.suburb_engineers;
  for (int i = 0; i < total; ++i) {
    Engineer e;
    e.id = Numbered("eng-", i);
    e.name = Numbered("Engineer ", i);
    e.phone = Numbered("+86 21 5555 ", 1000 + i);
    e.branch = "SH-HQ";
    // Two product lines each; rotating on i / 3 as well as the shift (i % 3)
    // so that every shift covers every line.
    e.skills = {kSkills[(i / 3) % 3], kSkills[(i / 3 + 1) % 3]};
    const bool city = i < sc.city_engineers;
    e.zones = city ? std::vector<Zone>{Zone::kCity, Zone::kSuburb}
                   : std::vector<Zone>{Zone::kSuburb, Zone::kCity};
    e.position = city ? Offset(n(rng) * 4.0, n(rng) * 4.0)
                      : Offset(25.0 * std::sin(i * 1.3), 25.0 * std::cos(i * 1.3));
    // Two in three on the day shift, the rest on nights.
    e.roster = i % 3 == 2 ? DutyRoster::Daily(0, 20, 8) : DutyRoster::Daily(0, 8, 20);
    e.max_concurrent_jobs = sc.max_concurrent_jobs;
    out.push_back(std::move(e));
  }
  (void)u;
  return out;
}

// ---- What happened -----------------------------------------------------------

struct Outcome {
  std::optional<TimePoint> arrival;
};

struct DayFigures {
  int faults = 0, met = 0, urgent = 0, urgent_met = 0;
  std::vector<double> arrival_minutes;
  double busy_minutes = 0, rostered_minutes = 0;
};

// Engineer activity, the same for both strategies.
struct Activity {
  enum Kind { kIdle, kTravelling, kOnSite } kind = kIdle;
  int fault = -1;
  TimePoint until;
};

struct World {
  const std::vector<Fault>& faults;
  std::vector<Engineer> engineers;  // positions move as they work
  std::vector<Activity> activity;
  std::vector<Outcome> outcome;
  std::vector<DayFigures> days;
  std::map<std::string, int> fault_by_ticket;
  std::map<std::string, int> engineer_by_id;
};

World MakeWorld(const std::vector<Fault>& faults, const std::vector<Engineer>& engineers,
                int days) {
  World w{faults, engineers, {}, {}, {}, {}, {}};
  w.activity.resize(engineers.size());
  w.outcome.resize(faults.size());
  w.days.resize(days);
  for (size_t i = 0; i < faults.size(); ++i)
    w.fault_by_ticket[faults[i].request.ticket_number] = static_cast<int>(i);
  for (size_t i = 0; i < engineers.size(); ++i)
    w.engineer_by_id[engineers[i].id] = static_cast<int>(i);
  return w;
}

// Advances one engineer's travel and work to `now`. Returns the fault
// finished, if any.
template <typename OnArrive>
int Progress(World& w, int e, TimePoint now, const TravelPolicy& travel, OnArrive on_arrive) {
  Activity& a = w.activity[e];
  int finished = -1;
  if (a.kind == Activity::kTravelling && a.until <= now) {
    const Fault& f = w.faults[a.fault];
    w.outcome[a.fault].arrival = a.until;
    w.engineers[e].position = f.request.site;
    on_arrive(a.fault);
    a.kind = Activity::kOnSite;
    a.until = a.until + f.service;
  }
  if (a.kind == Activity::kOnSite && a.until <= now) {
    finished = a.fault;
    a = Activity{};
  }
  (void)travel;
  return finished;
}

void StartJob(World& w, int e, int fault, TimePoint now, const TravelPolicy& travel) {
  const OnSiteRequest& r = w.faults[fault].request;
  w.activity[e] =
      Activity{Activity::kTravelling, fault,
               now + TravelTime(HaversineKm(w.engineers[e].position, r.site), r.zone, travel)};
}

void AccountMinute(World& w, TimePoint now) {
  const int day = static_cast<int>((now - kWeekStart) / 24h);
  if (day < 0 || day >= static_cast<int>(w.days.size())) return;
  for (size_t e = 0; e < w.engineers.size(); ++e) {
    if (!w.engineers[e].roster.OnDuty(now)) continue;
    w.days[day].rostered_minutes += 1;
    if (w.activity[e].kind != Activity::kIdle) w.days[day].busy_minutes += 1;
  }
}

void Score(World& w) {
  for (size_t i = 0; i < w.faults.size(); ++i) {
    const Fault& f = w.faults[i];
    DayFigures& d = w.days[f.day];
    const bool urgent =
        f.request.zone == Zone::kCity &&
        (f.request.severity == Severity::kEmergency || f.request.severity == Severity::kMajor);
    ++d.faults;
    if (urgent) ++d.urgent;
    const auto& arrival = w.outcome[i].arrival;
    if (!arrival) continue;  // never reached: missed
    d.arrival_minutes.push_back(
        std::chrono::duration<double, std::ratio<60>>(*arrival - f.request.requested_at).count());
    if (*arrival <= f.request.due) {
      ++d.met;
      if (urgent) ++d.urgent_met;
    }
  }
}

constexpr Duration kDrain = 48h;  // no new faults; lets the last ones be served

// ---- Strategy 1: the AssignmentPlanner ------------------------------------------

World RunPlanner(const Scenario& sc, const std::vector<Fault>& faults,
                 const std::vector<Engineer>& engineers, int* escalations, int* preemptions) {
  World w = MakeWorld(faults, engineers, sc.days);
  DispatchPolicy policy;
  policy.expected_service_time = std::chrono::minutes(static_cast<int>(sc.mean_service_minutes));
  AssignmentPlanner planner(policy);
  for (const Engineer& e : engineers) (void)planner.UpsertEngineer(e);
  std::vector<bool> on_duty(engineers.size(), true);

  // Displaced jobs are planned again at once; any that nobody can take wait.
  auto settle = [&](std::vector<Decision> decisions, TimePoint now) {
    while (!decisions.empty()) {
      Decision d = std::move(decisions.back());
      decisions.pop_back();
      if (d.escalate_now) ++*escalations;
      for (OnSiteRequest& r : d.displaced) {
        ++*preemptions;
        Result<Decision> again = planner.Plan(std::move(r), now);
        if (again.ok()) decisions.push_back(std::move(again).value());
      }
    }
  };

  const TimePoint end = kWeekStart + std::chrono::hours(24 * sc.days) + kDrain;
  size_t next_fault = 0;
  for (TimePoint now = kWeekStart; now < end; now += 1min) {
    bool freed = false;
    for (size_t e = 0; e < w.engineers.size(); ++e) {
      const std::string& id = w.engineers[e].id;
      const bool on = w.engineers[e].roster.OnDuty(now);
      if (on_duty[e] && !on) {
        Result<std::vector<Decision>> d = planner.TakeOffDuty(id, now);
        if (d.ok()) settle(std::move(d).value(), now);
      } else if (!on_duty[e] && on) {
        (void)planner.ReturnToDuty(id);
        freed = true;
      }
      on_duty[e] = on;
      const int done = Progress(w, static_cast<int>(e), now, policy.travel, [](int) {});
      if (done >= 0) {
        (void)planner.FinishJob(id, faults[done].request.ticket_number, faults[done].request.site);
        freed = true;
      }
    }
    if (freed) settle(planner.Replan(now), now);
    for (; next_fault < faults.size() && faults[next_fault].request.requested_at <= now;
         ++next_fault) {
      Result<Decision> d = planner.Plan(faults[next_fault].request, now);
      if (d.ok()) settle({std::move(d).value()}, now);
    }
    // Idle engineers set off for their next job, in the order they were given.
    for (size_t e = 0; e < w.engineers.size(); ++e) {
      if (w.activity[e].kind != Activity::kIdle) continue;
      const Engineer* pe = planner.engineers().Find(w.engineers[e].id);
      for (const EngineerJob& job : pe->jobs) {
        if (job.started) continue;
        const int fault = w.fault_by_ticket.at(job.ticket_number);
        (void)planner.MarkStarted(pe->id, job.ticket_number);
        StartJob(w, static_cast<int>(e), fault, now, policy.travel);
        break;
      }
    }
    AccountMinute(w, now);
  }
  Score(w);
  return w;
}

// ---- Strategy 2: the naive baseline -------------------------------------------

World RunBaseline(const Scenario& sc, const std::vector<Fault>& faults,
                  const std::vector<Engineer>& engineers) {
  World w = MakeWorld(faults, engineers, sc.days);
  const TravelPolicy travel;
  std::deque<int> fifo;
  const TimePoint end = kWeekStart + std::chrono::hours(24 * sc.days) + kDrain;
  size_t next_fault = 0;
  for (TimePoint now = kWeekStart; now < end; now += 1min) {
    for (size_t e = 0; e < w.engineers.size(); ++e) {
      (void)Progress(w, static_cast<int>(e), now, travel, [](int) {});
    }
    for (; next_fault < faults.size() && faults[next_fault].request.requested_at <= now;
         ++next_fault) {
      fifo.push_back(static_cast<int>(next_fault));
    }
    // Oldest first; each to the nearest idle engineer on duty who can do it.
    for (auto it = fifo.begin(); it != fifo.end();) {
      const OnSiteRequest& r = faults[*it].request;
      int nearest = -1;
      double nearest_km = 0;
      for (size_t e = 0; e < w.engineers.size(); ++e) {
        const Engineer& eng = w.engineers[e];
        if (w.activity[e].kind != Activity::kIdle || !eng.roster.OnDuty(now) ||
            !eng.HasSkill(r.skill) || !eng.Serves(r.zone)) {
          continue;
        }
        const double km = HaversineKm(eng.position, r.site);
        if (nearest < 0 || km < nearest_km) {
          nearest = static_cast<int>(e);
          nearest_km = km;
        }
      }
      if (nearest < 0) {
        ++it;
        continue;
      }
      StartJob(w, nearest, *it, now, travel);
      it = fifo.erase(it);
    }
    AccountMinute(w, now);
  }
  Score(w);
  return w;
}

// ---- Report -------------------------------------------------------------------

double Pct(int a, int b) { return b == 0 ? 100.0 : 100.0 * a / b; }

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

double P95(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, v.size() * 95 / 100)];
}

int Run() {
  const Scenario sc;
  std::mt19937_64 rng(sc.seed);
  const std::vector<Fault> faults = Faults(sc, rng);
  const std::vector<Engineer> engineers = Roster(sc, rng);
  int escalations = 0, preemptions = 0;
  const World p = RunPlanner(sc, faults, engineers, &escalations, &preemptions);
  const World b = RunBaseline(sc, faults, engineers);

  const char* names[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  std::printf(
      "dispatch-sim: seed %llu, %zu faults, %zu engineers (%d day / %d night shift), "
      "surge on %s (x%.1f)\n",
      static_cast<unsigned long long>(sc.seed), faults.size(), engineers.size(),
      static_cast<int>(engineers.size()) - static_cast<int>(engineers.size()) / 3,
      static_cast<int>(engineers.size()) / 3, names[sc.surge_day % 7], sc.surge_factor);
  std::printf(
      "P = AssignmentPlanner, B = baseline (nearest available, FCFS, no deadlines, "
      "no pre-emption)\n\n");
  std::printf("%-9s %6s | %7s %7s %6s | %9s %9s | %7s %7s | %7s %7s | %6s %6s\n", "day", "faults",
              "met% P", "met% B", "diff", "2h-city P", "2h-city B", "mean P", "mean B", "p95 P",
              "p95 B", "util P", "util B");
  bool goal = true;
  for (int d = 0; d < sc.days; ++d) {
    const DayFigures& dp = p.days[d];
    const DayFigures& db = b.days[d];
    const double mp = Pct(dp.met, dp.faults), mb = Pct(db.met, db.faults);
    const bool surge = d == sc.surge_day;
    if (surge ? mp < mb + 10.0 : mp < mb) goal = false;
    char label[16];
    std::snprintf(label, sizeof label, "%s%s", names[d % 7], surge ? " SURGE" : "");
    std::printf(
        "%-9s %6d | %6.1f%% %6.1f%% %+6.1f | %8.1f%% %8.1f%% | %6.0fm %6.0fm | %6.0fm "
        "%6.0fm | %5.0f%% %5.0f%%\n",
        label, dp.faults, mp, mb, mp - mb, Pct(dp.urgent_met, dp.urgent),
        Pct(db.urgent_met, db.urgent), Mean(dp.arrival_minutes), Mean(db.arrival_minutes),
        P95(dp.arrival_minutes), P95(db.arrival_minutes),
        100.0 * dp.busy_minutes / std::max(1.0, dp.rostered_minutes),
        100.0 * db.busy_minutes / std::max(1.0, db.rostered_minutes));
  }
  int met_p = 0, met_b = 0, n = 0;
  for (int d = 0; d < sc.days; ++d) {
    met_p += p.days[d].met;
    met_b += b.days[d].met;
    n += p.days[d].faults;
  }
  std::printf(
      "\nweek: met P %.1f%%  B %.1f%%; planner escalated %d at assignment, pre-empted %d "
      "not-started jobs\n",
      Pct(met_p, n), Pct(met_b, n), escalations, preemptions);
  std::printf("goal (surge day >= +10 points, never fewer on a quiet day): %s\n",
              goal ? "MET" : "MISSED");

  // How much the result depends on the scenario: surge size and job limit.
  std::printf("\nsensitivity, surge-day met%% P / B (same seed):\n%-12s", "job limit");
  const double surges[] = {3.0, 3.5, 4.0, 4.5, 5.0};
  for (double f : surges) std::printf("   x%.1f        ", f);
  std::printf("\n");
  for (int limit : {1, 2, 3}) {
    std::printf("%-12d", limit);
    for (double f : surges) {
      Scenario s2 = sc;
      s2.surge_factor = f;
      s2.max_concurrent_jobs = limit;
      std::mt19937_64 rng2(s2.seed);
      const std::vector<Fault> f2 = Faults(s2, rng2);
      const std::vector<Engineer> e2 = Roster(s2, rng2);
      int esc = 0, pre = 0;
      const World p2 = RunPlanner(s2, f2, e2, &esc, &pre);
      const World b2 = RunBaseline(s2, f2, e2);
      const DayFigures& a = p2.days[s2.surge_day];
      const DayFigures& c = b2.days[s2.surge_day];
      std::printf("  %5.1f / %5.1f ", Pct(a.met, a.faults), Pct(c.met, c.faults));
    }
    std::printf("\n");
  }
  return 0;
}

}  // namespace
}  // namespace aftersales::dispatch

int main() { return aftersales::dispatch::Run(); }

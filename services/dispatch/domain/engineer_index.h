// Engineers indexed by (skill, zone) and by a coarse lat/lng grid, so that the
// best engineer among tens of thousands is found by looking at a few cells.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "services/common/clock.h"
#include "services/common/status.h"
#include "services/dispatch/domain/engineer.h"
#include "services/dispatch/domain/geo.h"
#include "services/dispatch/domain/onsite_request.h"

namespace aftersales::dispatch {

struct DispatchPolicy {
  TravelPolicy travel;
  // How long a job is expected to keep an engineer busy once on site, until
  // the engineer reports the finish; it decides when their next job can start.
  Duration expected_service_time = std::chrono::hours(2);
  double grid_cell_degrees = 0.05;
};

// One engineer's best way of taking a request.
struct Candidate {
  const Engineer* engineer = nullptr;
  TimePoint arrival;
  Duration travel_time{};
  int load = 0;           // jobs the engineer keeps before this one
  bool preempts = false;  // takes the engineer off not-started lower-severity jobs
};

// The dispatch order of preference: earliest arrival, then least load, then
// engineer id so that every search (indexed or not) picks the same one.
bool BetterCandidate(const Candidate& a, const Candidate& b);

// Whether the engineer can take the request at all (on duty now and still
// rostered at the estimated arrival, skill, zone, not excluded, under the job
// limit) and, if so, when they would arrive:
// now + time to finish the jobs they keep + travel from where they are.
// Jobs not started are served earliest due first: the new job goes ahead of
// held jobs due later when every one of them still arrives by its own due
// time, else at the end of the line.
// With allow_preemption (used for EMERGENCY only), the engineer's not-started
// jobs of lower severity may be dropped when that makes them eligible or
// arrive earlier.
std::optional<Candidate> EvaluateEngineer(const Engineer& engineer, const OnSiteRequest& request,
                                          TimePoint now, const DispatchPolicy& policy,
                                          bool allow_preemption);

// Where a new job goes among the engineer's jobs not started (index into
// engineer.jobs, jobs.size() for the end) and when the engineer would arrive.
// Jobs for which `drop` is true are left out (pre-emption).
struct JobPlacement {
  TimePoint arrival;
  size_t position = 0;
};
template <typename Drop>
JobPlacement PlaceJob(const Engineer& engineer, TimePoint now, TimePoint due, Duration travel,
                      Duration service, Drop drop);

// Recomputes the expected finish of every job not started, in line order.
void RescheduleJobs(Engineer& engineer, TimePoint now);

// The jobs an emergency pre-emption takes the engineer off.
std::vector<EngineerJob> PreemptibleJobs(const Engineer& engineer, Severity incoming);

class AssignmentPlanner;

class EngineerIndex {
 public:
  // ~5.5 km cells: a handful of engineers per cell in a dense city, and a
  // suburb is reached within a few rings.
  explicit EngineerIndex(double cell_degrees = 0.05);

  // Adds or replaces (by id) a validated engineer.
  Status Upsert(Engineer engineer);
  bool Remove(std::string_view id);
  const Engineer* Find(std::string_view id) const;
  // Applies a job change this process committed itself, without re-reading
  // the engineer: drops the jobs whose ticket_number is in `drop`, then adds
  // `add` when given, in line order (OrderJobs). Jobs do not move an engineer
  // in the grids. False when the engineer is not indexed.
  bool ChangeJobs(std::string_view id, const std::vector<std::string>& drop,
                  const std::optional<EngineerJob>& add);
  size_t size() const { return by_id_.size(); }

  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (live_[i]) fn(slots_[i]);
    }
  }

  // The best candidate by BetterCandidate, searching the (skill, zone) grid
  // in rings of cells outward from the site and stopping as soon as the best
  // arrival found is earlier than any engineer in the next ring could make.
  std::optional<Candidate> FindBest(const OnSiteRequest& request, TimePoint now,
                                    const DispatchPolicy& policy, bool allow_preemption) const;

  // Cells looked at by the last FindBest (for the benchmark).
  int64_t last_cells_visited() const { return last_cells_visited_; }
  // Engineers the last FindBest evaluated in full (the others could not beat
  // the best found before them).
  int64_t last_engineers_evaluated() const { return last_engineers_evaluated_; }

 private:
  friend class AssignmentPlanner;

  struct Grid {
    std::unordered_map<int64_t, std::vector<uint32_t>> cells;
    int min_row = 0, max_row = -1, min_col = 0, max_col = -1;
  };

  // For changes that keep the engineer's skills, zones and position: jobs
  // and state. Anything that moves the engineer goes through Upsert.
  Engineer* FindMutable(std::string_view id);

  // What a search needs to pass over an engineer who cannot beat the best
  // found so far, kept apart from the engineers (per slot, 56 bytes) so that
  // a search among thousands of busy engineers does not walk their job lists.
  struct Departure {
    bool stale = true;        // jobs changed since: recomputed when next needed
    double lat = 0.0;         // the engineer's position's latitude
    TimePoint started_until;  // when the started jobs are done
    // The first job not started in line, and all of them together with the
    // latest due time among them.
    TimePoint first_due = TimePoint::max();
    Duration first_work{};
    TimePoint all_due = TimePoint::max();
    Duration all_work{};
  };
  static Departure DepartureOf(const Engineer& engineer);
  // No way of taking a request due at `due` gets the engineer going to the
  // site before this: started jobs are finished first and, unless jobs may be
  // dropped (pre-emption), so are the held jobs PlaceJob keeps ahead of it.
  // No roster, no trigonometry: a fraction of EvaluateEngineer's cost.
  TimePoint EarliestDeparture(uint32_t slot, TimePoint now, TimePoint due, bool may_drop) const;
  const Departure& DepartureAt(uint32_t slot) const;

  static std::string GridKey(std::string_view skill, Zone zone);
  int Row(double lat) const;
  int Col(double lng) const;
  static int64_t CellKey(int row, int col);
  void AddToGrids(uint32_t slot);
  void RemoveFromGrids(uint32_t slot);
  // No engineer in ring k (Chebyshev distance in cells) is nearer than this.
  double RingLowerBoundKm(GeoPoint site, int row, int col, int ring) const;

  double cell_degrees_;
  std::vector<Engineer> slots_;
  std::vector<bool> live_;
  mutable std::vector<Departure> departures_;  // by slot
  std::vector<uint32_t> free_slots_;
  std::unordered_map<std::string, uint32_t> by_id_;
  std::unordered_map<std::string, Grid> grids_;
  mutable int64_t last_cells_visited_ = 0;
  mutable int64_t last_engineers_evaluated_ = 0;
};

template <typename Drop>
JobPlacement PlaceJob(const Engineer& engineer, TimePoint now, TimePoint due, Duration travel,
                      Duration service, Drop drop) {
  TimePoint line_start = now;
  for (const EngineerJob& job : engineer.jobs) {
    if (job.started && !drop(job)) line_start = std::max(line_start, job.expected_finish);
  }
  // First try ahead of the first held job due later than this one.
  TimePoint t = line_start;
  size_t position = engineer.jobs.size();
  for (size_t i = 0; i < engineer.jobs.size(); ++i) {
    const EngineerJob& job = engineer.jobs[i];
    if (job.started || drop(job)) continue;
    if (job.due > due) {
      position = i;
      break;
    }
    t += job.travel + job.service;
  }
  const TimePoint ahead_arrival = t + travel;
  if (position == engineer.jobs.size()) return {ahead_arrival, position};
  // Everyone moved back must still make it, unless they were late anyway.
  TimePoint old_t = t;
  TimePoint new_t = ahead_arrival + service;
  bool harms = false;
  for (size_t i = position; i < engineer.jobs.size(); ++i) {
    const EngineerJob& job = engineer.jobs[i];
    if (job.started || drop(job)) continue;
    const TimePoint old_arrival = old_t + job.travel;
    const TimePoint new_arrival = new_t + job.travel;
    if (new_arrival > job.due && old_arrival <= job.due) harms = true;
    old_t = old_arrival + job.service;
    new_t = new_arrival + job.service;
  }
  if (!harms) return {ahead_arrival, position};
  return {old_t + travel, engineer.jobs.size()};
}

}  // namespace aftersales::dispatch

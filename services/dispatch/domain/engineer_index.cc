#include "services/dispatch/domain/engineer_index.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace aftersales::dispatch {
namespace {

double Radians(double degrees) { return degrees * std::numbers::pi / 180.0; }

bool Excluded(const OnSiteRequest& request, const std::string& engineer_id) {
  return std::find(request.excluded_engineers.begin(), request.excluded_engineers.end(),
                   engineer_id) != request.excluded_engineers.end();
}

bool Preemptible(const EngineerJob& job, Severity incoming) {
  return !job.started && MoreUrgent(incoming, job.severity);
}

}  // namespace

bool BetterCandidate(const Candidate& a, const Candidate& b) {
  if (a.arrival != b.arrival) return a.arrival < b.arrival;
  if (a.load != b.load) return a.load < b.load;
  return a.engineer->id < b.engineer->id;
}

std::vector<EngineerJob> PreemptibleJobs(const Engineer& engineer, Severity incoming) {
  std::vector<EngineerJob> out;
  if (incoming != Severity::kEmergency) return out;
  for (const EngineerJob& job : engineer.jobs) {
    if (Preemptible(job, incoming)) out.push_back(job);
  }
  return out;
}

void RescheduleJobs(Engineer& engineer, TimePoint now) {
  TimePoint t = now;
  for (const EngineerJob& job : engineer.jobs) {
    if (job.started) t = std::max(t, job.expected_finish);
  }
  for (EngineerJob& job : engineer.jobs) {
    if (job.started) continue;
    t += job.travel + job.service;
    job.expected_finish = t;
  }
}

std::optional<Candidate> EvaluateEngineer(const Engineer& engineer, const OnSiteRequest& request,
                                          TimePoint now, const DispatchPolicy& policy,
                                          bool allow_preemption) {
  const TravelPolicy& travel = policy.travel;
  const Duration service = policy.expected_service_time;
  if (!engineer.OnDuty(now) || !engineer.HasSkill(request.skill) ||
      !engineer.Serves(request.zone) || Excluded(request, engineer.id)) {
    return std::nullopt;
  }
  const Duration travel_time =
      TravelTime(HaversineKm(engineer.position, request.site), request.zone, travel);
  std::optional<Candidate> best;
  const int held = static_cast<int>(engineer.jobs.size());
  if (held < engineer.max_concurrent_jobs) {
    const JobPlacement at = PlaceJob(engineer, now, request.due, travel_time, service,
                                     [](const EngineerJob&) { return false; });
    best = Candidate{&engineer, at.arrival, travel_time, held, false};
  }
  // Rostered on arrival too: a job is not given to someone whose shift ends
  // before they get there (they would hand it back at shift end, late).
  if (best && !engineer.roster.OnDuty(best->arrival)) best.reset();
  if (allow_preemption && request.severity == Severity::kEmergency) {
    int kept = 0;
    for (const EngineerJob& job : engineer.jobs) {
      if (!Preemptible(job, request.severity)) ++kept;
    }
    // Displacing someone else's job is only worth it when it gains something:
    // a free slot or an earlier arrival.
    if (kept < held && kept < engineer.max_concurrent_jobs) {
      const JobPlacement at =
          PlaceJob(engineer, now, request.due, travel_time, service,
                   [&](const EngineerJob& job) { return Preemptible(job, request.severity); });
      Candidate pre{&engineer, at.arrival, travel_time, kept, true};
      if ((!best || pre.arrival < best->arrival) && engineer.roster.OnDuty(pre.arrival)) {
        best = pre;
      }
    }
  }
  return best;
}

EngineerIndex::EngineerIndex(double cell_degrees) : cell_degrees_(cell_degrees) {}

std::string EngineerIndex::GridKey(std::string_view skill, Zone zone) {
  std::string key(skill);
  key.push_back('\x1f');
  key.push_back(static_cast<char>('0' + static_cast<int>(zone)));
  return key;
}

int EngineerIndex::Row(double lat) const {
  return static_cast<int>(std::floor(lat / cell_degrees_));
}
int EngineerIndex::Col(double lng) const {
  return static_cast<int>(std::floor(lng / cell_degrees_));
}
int64_t EngineerIndex::CellKey(int row, int col) {
  return (static_cast<int64_t>(row) << 32) | static_cast<uint32_t>(col);
}

void EngineerIndex::AddToGrids(uint32_t slot) {
  const Engineer& e = slots_[slot];
  const int row = Row(e.position.lat);
  const int col = Col(e.position.lng);
  for (const std::string& skill : e.skills) {
    for (Zone zone : e.zones) {
      Grid& grid = grids_[GridKey(skill, zone)];
      std::vector<uint32_t>& cell = grid.cells[CellKey(row, col)];
      // A skill or zone listed twice must not put the engineer in a cell twice.
      if (std::find(cell.begin(), cell.end(), slot) != cell.end()) continue;
      cell.push_back(slot);
      if (grid.max_row < grid.min_row) {
        grid.min_row = grid.max_row = row;
        grid.min_col = grid.max_col = col;
      } else {
        grid.min_row = std::min(grid.min_row, row);
        grid.max_row = std::max(grid.max_row, row);
        grid.min_col = std::min(grid.min_col, col);
        grid.max_col = std::max(grid.max_col, col);
      }
    }
  }
}

void EngineerIndex::RemoveFromGrids(uint32_t slot) {
  const Engineer& e = slots_[slot];
  const int64_t key = CellKey(Row(e.position.lat), Col(e.position.lng));
  for (const std::string& skill : e.skills) {
    for (Zone zone : e.zones) {
      auto grid = grids_.find(GridKey(skill, zone));
      if (grid == grids_.end()) continue;
      auto cell = grid->second.cells.find(key);
      if (cell == grid->second.cells.end()) continue;
      std::erase(cell->second, slot);
      if (cell->second.empty()) grid->second.cells.erase(cell);
      // Bounds are left wide: they only limit how far a search may go.
    }
  }
}

Status EngineerIndex::Upsert(Engineer engineer) {
  if (Status s = ValidateEngineer(engineer); !s.ok()) return s;
  auto it = by_id_.find(engineer.id);
  if (it != by_id_.end()) {
    RemoveFromGrids(it->second);
    departures_[it->second].stale = true;
    slots_[it->second] = std::move(engineer);
    AddToGrids(it->second);
    return Status::Ok();
  }
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
    slots_[slot] = std::move(engineer);
    live_[slot] = true;
    departures_[slot].stale = true;
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.push_back(std::move(engineer));
    live_.push_back(true);
    departures_.emplace_back();
  }
  by_id_.emplace(slots_[slot].id, slot);
  AddToGrids(slot);
  return Status::Ok();
}

bool EngineerIndex::Remove(std::string_view id) {
  auto it = by_id_.find(std::string(id));
  if (it == by_id_.end()) return false;
  const uint32_t slot = it->second;
  RemoveFromGrids(slot);
  by_id_.erase(it);
  slots_[slot] = Engineer{};
  live_[slot] = false;
  free_slots_.push_back(slot);
  return true;
}

const Engineer* EngineerIndex::Find(std::string_view id) const {
  auto it = by_id_.find(std::string(id));
  return it == by_id_.end() ? nullptr : &slots_[it->second];
}

bool EngineerIndex::ChangeJobs(std::string_view id, const std::vector<std::string>& drop,
                               const std::optional<EngineerJob>& add) {
  Engineer* engineer = FindMutable(id);
  if (engineer == nullptr) return false;
  std::erase_if(engineer->jobs, [&](const EngineerJob& job) {
    return std::find(drop.begin(), drop.end(), job.ticket_number) != drop.end();
  });
  if (add) engineer->jobs.push_back(*add);
  OrderJobs(engineer->jobs);
  return true;
}

Engineer* EngineerIndex::FindMutable(std::string_view id) {
  auto it = by_id_.find(std::string(id));
  if (it == by_id_.end()) return nullptr;
  departures_[it->second].stale = true;  // the caller is about to change the jobs
  return &slots_[it->second];
}

EngineerIndex::Departure EngineerIndex::DepartureOf(const Engineer& engineer) {
  Departure d;
  d.stale = false;
  d.lat = engineer.position.lat;
  d.started_until = TimePoint::min();
  d.all_due = TimePoint::min();
  bool first = true;
  for (const EngineerJob& job : engineer.jobs) {
    if (job.started) {
      d.started_until = std::max(d.started_until, job.expected_finish);
      continue;
    }
    if (first) {
      d.first_due = job.due;
      d.first_work = job.travel + job.service;
      first = false;
    }
    d.all_due = std::max(d.all_due, job.due);
    d.all_work += job.travel + job.service;
  }
  return d;
}

const EngineerIndex::Departure& EngineerIndex::DepartureAt(uint32_t slot) const {
  Departure& d = departures_[slot];
  if (d.stale) d = DepartureOf(slots_[slot]);
  return d;
}

TimePoint EngineerIndex::EarliestDeparture(uint32_t slot, TimePoint now, TimePoint due,
                                           bool may_drop) const {
  const Departure& d = DepartureAt(slot);
  const TimePoint t = std::max(now, d.started_until);
  if (may_drop) return t;
  // PlaceJob puts the new job behind every held job not started up to the
  // first one due later than it: all of them once it is due after the
  // latest, the first one at least once it is due after that one.
  if (due >= d.all_due) return t + d.all_work;
  if (due >= d.first_due) return t + d.first_work;
  return t;
}

double EngineerIndex::RingLowerBoundKm(GeoPoint site, int row, int col, int ring) const {
  if (ring <= 0) return 0.0;
  const double d = cell_degrees_;
  // A cell in ring k is k cells away along at least one axis: at least k-1
  // whole cells plus the site's distance to its own cell's nearer edge.
  const double edge_lat = std::min(site.lat - row * d, (row + 1) * d - site.lat);
  const double edge_lng = std::min(site.lng - col * d, (col + 1) * d - site.lng);
  const double dlat = std::max(0.0, (ring - 1) * d + edge_lat);
  const double dlng = std::max(0.0, (ring - 1) * d + edge_lng);
  const double by_lat = kEarthRadiusKm * Radians(dlat);
  // hav(dist) >= cos(lat1)cos(lat2)hav(dlng) >= cos^2(lat_max)hav(dlng), with
  // lat_max the largest |latitude| any cell of the ring reaches.
  const double lat_max = std::min(90.0, std::abs(site.lat) + (ring + 1) * d);
  const double s = std::cos(Radians(lat_max)) * std::sin(Radians(std::min(dlng, 180.0)) / 2);
  const double by_lng = 2.0 * kEarthRadiusKm * std::asin(std::clamp(s, 0.0, 1.0));
  // Shaved a little so that floating-point rounding never makes the bound
  // exceed a true distance.
  return std::max(0.0, std::min(by_lat, by_lng) * (1.0 - 1e-9) - 1e-9);
}

std::optional<Candidate> EngineerIndex::FindBest(const OnSiteRequest& request, TimePoint now,
                                                 const DispatchPolicy& policy,
                                                 bool allow_preemption) const {
  const TravelPolicy& travel = policy.travel;
  last_cells_visited_ = 0;
  auto grid_it = grids_.find(GridKey(request.skill, request.zone));
  if (grid_it == grids_.end()) return std::nullopt;
  const Grid& grid = grid_it->second;
  const int row = Row(request.site.lat);
  const int col = Col(request.site.lng);
  // Beyond this ring there is no occupied cell.
  const int last_ring = std::max({std::abs(row - grid.min_row), std::abs(row - grid.max_row),
                                  std::abs(col - grid.min_col), std::abs(col - grid.max_col)});
  last_engineers_evaluated_ = 0;
  const bool may_drop = allow_preemption && request.severity == Severity::kEmergency;
  std::optional<Candidate> best;
  Duration ring_travel{};  // no one in the ring being visited travels less
  auto visit = [&](int r, int c) {
    if (r < grid.min_row || r > grid.max_row || c < grid.min_col || c > grid.max_col) return;
    ++last_cells_visited_;
    auto cell = grid.cells.find(CellKey(r, c));
    if (cell == grid.cells.end()) return;
    for (uint32_t slot : cell->second) {
      // Strictly later than the best can never win, not even on load or id.
      // The road is at least as long as the latitude difference (a hair
      // shorter here, for rounding): engineers as busy as the best are
      // mostly passed over on that alone.
      if (best) {
        const double north_south_km = kEarthRadiusKm *
                                      Radians(std::abs(DepartureAt(slot).lat - request.site.lat)) *
                                      (1.0 - 1e-7);
        const Duration least_travel =
            std::max(ring_travel, TravelTime(north_south_km, request.zone, travel));
        if (EarliestDeparture(slot, now, request.due, may_drop) + least_travel > best->arrival) {
          continue;
        }
      }
      const Engineer& engineer = slots_[slot];
      ++last_engineers_evaluated_;
      std::optional<Candidate> c2 =
          EvaluateEngineer(engineer, request, now, policy, allow_preemption);
      if (c2 && (!best || BetterCandidate(*c2, *best))) best = c2;
    }
  };
  for (int k = 0; k <= last_ring; ++k) {
    ring_travel = TravelTime(RingLowerBoundKm(request.site, row, col, k), request.zone, travel);
    if (best) {
      // Everyone in ring k and beyond arrives no earlier than this.
      if (best->arrival < now + ring_travel) break;
    }
    if (k == 0) {
      visit(row, col);
      continue;
    }
    for (int c = col - k; c <= col + k; ++c) {
      visit(row - k, c);
      visit(row + k, c);
    }
    for (int r = row - k + 1; r <= row + k - 1; ++r) {
      visit(r, col - k);
      visit(r, col + k);
    }
  }
  return best;
}

}  // namespace aftersales::dispatch

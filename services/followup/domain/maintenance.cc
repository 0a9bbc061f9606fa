#include "services/followup/domain/maintenance.h"

#include <algorithm>

namespace aftersales::followup {

std::chrono::hours IntervalOf(Cadence cadence) {
  switch (cadence) {
    case Cadence::kBiweekly:
      return std::chrono::hours(24 * 14);
    case Cadence::kMonthly:
      return std::chrono::hours(24 * 30);
    case Cadence::kQuarterly:
      return std::chrono::hours(24 * 91);
  }
  return std::chrono::hours(24 * 30);
}

TimePoint VisitAfter(const CivilDate& go_live, Cadence cadence, TimePoint after) {
  const CivilDate settled = go_live.AddMonths(3);
  // Early life: every 2 weeks.
  for (int64_t k = 1;; ++k) {
    CivilDate d = go_live.AddDays(14 * k);
    if (d.Days() >= settled.Days()) break;
    if (d.Start() > after) return d.Start();
  }
  if (cadence == Cadence::kBiweekly) {
    int64_t k = 0;
    const TimePoint base = settled.Start();
    if (after >= base) {
      k = std::chrono::duration_cast<std::chrono::hours>(after - base).count() / int64_t{24 * 14};
    }
    for (;; ++k) {
      TimePoint t = settled.AddDays(14 * k).Start();
      if (t > after) return t;
    }
  }
  const int step = cadence == Cadence::kMonthly ? 1 : 3;
  int n = 0;
  if (after >= settled.Start()) {
    CivilDate a = CivilDate::FromTime(after);
    n = std::max(0, ((a.year - settled.year) * 12 + (a.month - settled.month)) / step - 1);
  }
  for (;; ++n) {
    TimePoint t = settled.AddMonths(n * step).Start();
    if (t > after) return t;
  }
}

Cadence AdaptedCadence(Cadence current, const std::vector<TimePoint>& fault_times,
                       TimePoint latest_fault) {
  if (current == Cadence::kBiweekly) return current;
  const TimePoint window_start = latest_fault - IntervalOf(current);
  const auto in_window = std::count_if(fault_times.begin(), fault_times.end(), [&](TimePoint t) {
    return t > window_start && t <= latest_fault;
  });
  if (in_window < 2) return current;
  return current == Cadence::kQuarterly ? Cadence::kMonthly : Cadence::kBiweekly;
}

Result<MaintenancePlan> NewPlan(std::string id, std::string site_id, std::string asset_serial,
                                std::string customer_id, int cadence, const std::string& starts_on,
                                TimePoint now) {
  Validator v;
  v.Check(!site_id.empty() && site_id.size() <= 128, "siteId", "required, at most 128 bytes");
  v.Check(asset_serial.size() <= 128, "assetSerial", "at most 128 bytes");
  v.Check(cadence >= 1 && cadence <= 3, "cadence", "one of BIWEEKLY, MONTHLY, QUARTERLY");
  std::optional<CivilDate> go_live =
      starts_on.empty() ? CivilDate::FromTime(now) : CivilDate::Parse(starts_on);
  v.Check(go_live.has_value(), "startsOn", "a date YYYY-MM-DD");
  if (!v.ok()) return v.ToStatus();
  MaintenancePlan p;
  p.id = std::move(id);
  p.site_id = std::move(site_id);
  p.asset_serial = std::move(asset_serial);
  p.customer_id = std::move(customer_id);
  p.contract_cadence = static_cast<Cadence>(cadence);
  p.cadence = p.contract_cadence;
  p.starts_on = *go_live;
  // A visit due earlier today is still made: a plan set up on the day of a
  // visit (go-live in the past) gets that visit now, not one cadence later.
  p.next_visit = VisitAfter(p.starts_on, p.cadence,
                            CivilDate::FromTime(now).Start() - std::chrono::milliseconds(1));
  p.create_time = now;
  p.update_time = now;
  return p;
}

}  // namespace aftersales::followup

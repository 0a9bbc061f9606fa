// Shared builders for the dispatch domain tests.
#pragma once

#include <chrono>
#include <string>

#include "services/common/clock.h"
#include "services/dispatch/domain/engineer.h"
#include "services/dispatch/domain/onsite_request.h"

namespace aftersales::dispatch::testing {

using namespace std::chrono_literals;

// Monday 2024-01-01 10:00 UTC: inside a 08:00-20:00 day shift.
inline TimePoint MondayTen() { return TimePoint(std::chrono::seconds(1704067200)) + 10h; }

inline constexpr GeoPoint kCentre{31.2304, 121.4737};

// A point `km` east of kCentre (along the parallel, close enough at this scale).
inline GeoPoint EastOf(double km) {
  return GeoPoint{kCentre.lat, kCentre.lng + km / (111.195 * 0.85479)};
}

inline Engineer MakeEngineer(std::string id, GeoPoint at) {
  Engineer e;
  e.id = std::move(id);
  e.name = "Engineer " + e.id;
  e.phone = "+86 21 5555 0101";
  e.branch = "SH";
  e.skills = {"parking"};
  e.zones = {Zone::kCity, Zone::kSuburb};
  e.roster = DutyRoster::Daily(0, 8, 20);
  e.position = at;
  e.state = EngineerState::kAvailable;
  e.max_concurrent_jobs = 2;
  return e;
}

inline OnSiteRequest MakeRequest(std::string ticket, Severity severity, TimePoint now,
                                 Duration due_in = 2h) {
  OnSiteRequest r;
  r.ticket_number = std::move(ticket);
  r.site = kCentre;
  r.zone = Zone::kCity;
  r.severity = severity;
  r.skill = "parking";
  r.requested_at = now;
  r.due = now + due_in;
  return r;
}

}  // namespace aftersales::dispatch::testing

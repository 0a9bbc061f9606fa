// Where sites and engineers are, and how long the road between them takes.
#pragma once

#include <string_view>

#include "services/common/clock.h"

namespace aftersales::dispatch {

struct GeoPoint {
  double lat = 0.0;
  double lng = 0.0;
  bool operator==(const GeoPoint&) const = default;
};

// The zone of a site decides its on-site deadline and how fast one drives there.
enum class Zone { kUnspecified = 0, kCity = 1, kSuburb = 2, kRemote = 3 };

const char* ZoneName(Zone zone);
// Values arrive from the wire as integers; anything else is "unknown zone".
bool IsKnownZone(Zone zone);

inline constexpr double kEarthRadiusKm = 6371.0;

bool IsValidCoordinate(GeoPoint p);

// Great-circle distance in km.
double HaversineKm(GeoPoint a, GeoPoint b);

// How road travel is estimated: straight-line distance times a road factor,
// at the average speed of the destination's zone (city traffic is slow, the
// last kilometres decide). Policy data, so that a branch can calibrate it.
struct TravelPolicy {
  double road_factor = 1.3;
  double city_kmh = 25.0;
  double suburb_kmh = 50.0;
  double remote_kmh = 60.0;

  double SpeedKmh(Zone destination) const;
};

// Whole seconds, non-decreasing in km: the planner's search relies on that to
// turn a distance lower bound into an arrival lower bound.
Duration TravelTime(double km, Zone destination, const TravelPolicy& policy);

}  // namespace aftersales::dispatch

#include "services/dispatch/domain/geo.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>

namespace aftersales::dispatch {
namespace {

double Radians(double degrees) { return degrees * std::numbers::pi / 180.0; }

}  // namespace

const char* ZoneName(Zone zone) {
  switch (zone) {
    case Zone::kCity:
      return "CITY";
    case Zone::kSuburb:
      return "SUBURB";
    case Zone::kRemote:
      return "REMOTE";
    case Zone::kUnspecified:
      break;
  }
  return "ZONE_UNSPECIFIED";
}

bool IsKnownZone(Zone zone) {
  return zone == Zone::kCity || zone == Zone::kSuburb || zone == Zone::kRemote;
}

bool IsValidCoordinate(GeoPoint p) {
  return std::isfinite(p.lat) && std::isfinite(p.lng) && p.lat >= -90.0 && p.lat <= 90.0 &&
         p.lng >= -180.0 && p.lng <= 180.0;
}

double HaversineKm(GeoPoint a, GeoPoint b) {
  const double dlat = Radians(b.lat - a.lat);
  const double dlng = Radians(b.lng - a.lng);
  const double s1 = std::sin(dlat / 2);
  const double s2 = std::sin(dlng / 2);
  const double h = s1 * s1 + std::cos(Radians(a.lat)) * std::cos(Radians(b.lat)) * s2 * s2;
  return 2.0 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

double TravelPolicy::SpeedKmh(Zone destination) const {
  switch (destination) {
    case Zone::kCity:
      return city_kmh;
    case Zone::kSuburb:
      return suburb_kmh;
    case Zone::kRemote:
      return remote_kmh;
    case Zone::kUnspecified:
      break;
  }
  // An unknown zone never reaches here through validated input; the slowest
  // speed keeps the estimate pessimistic rather than optimistic.
  return std::min({city_kmh, suburb_kmh, remote_kmh});
}

Duration TravelTime(double km, Zone destination, const TravelPolicy& policy) {
  const double hours = std::max(0.0, km) * policy.road_factor / policy.SpeedKmh(destination);
  return std::chrono::duration_cast<Duration>(
      std::chrono::seconds(static_cast<int64_t>(std::llround(hours * 3600.0))));
}

}  // namespace aftersales::dispatch

#include "services/dispatch/domain/onsite_request.h"

namespace aftersales::dispatch {

const char* SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kEmergency:
      return "EMERGENCY";
    case Severity::kMajor:
      return "MAJOR";
    case Severity::kMinor:
      return "MINOR";
    case Severity::kNotice:
      return "NOTICE";
    case Severity::kUnspecified:
      break;
  }
  return "SEVERITY_UNSPECIFIED";
}

bool IsKnownSeverity(Severity severity) {
  return severity == Severity::kEmergency || severity == Severity::kMajor ||
         severity == Severity::kMinor || severity == Severity::kNotice;
}

Status ValidateOnSiteRequest(const OnSiteRequest& request) {
  Validator v;
  v.Check(!request.ticket_number.empty(), "ticket_number", "must not be empty");
  v.Check(request.site.lat >= -90.0 && request.site.lat <= 90.0, "site.lat",
          "must be between -90 and 90");
  v.Check(request.site.lng >= -180.0 && request.site.lng <= 180.0, "site.lng",
          "must be between -180 and 180");
  v.Check(IsKnownZone(request.zone), "zone", "must be CITY, SUBURB or REMOTE");
  v.Check(IsKnownSeverity(request.severity), "severity",
          "must be EMERGENCY, MAJOR, MINOR or NOTICE");
  v.Check(!request.skill.empty(), "skill", "must name the product line");
  v.Check(request.due >= request.requested_at, "due", "must not be before requested_at");
  return v.ToStatus("INVALID_ON_SITE_REQUEST");
}

}  // namespace aftersales::dispatch

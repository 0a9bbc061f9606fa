// What dispatch is asked to do: send someone to a site before a deadline.
#pragma once

#include <string>
#include <vector>

#include "services/common/clock.h"
#include "services/common/status.h"
#include "services/dispatch/domain/geo.h"

namespace aftersales::dispatch {

// Numbered so that a smaller number is more urgent.
enum class Severity { kUnspecified = 0, kEmergency = 1, kMajor = 2, kMinor = 3, kNotice = 4 };

const char* SeverityName(Severity severity);
bool IsKnownSeverity(Severity severity);
inline bool MoreUrgent(Severity a, Severity b) { return static_cast<int>(a) < static_cast<int>(b); }

struct OnSiteRequest {
  std::string ticket_number;
  GeoPoint site;
  Zone zone = Zone::kUnspecified;
  Severity severity = Severity::kUnspecified;
  std::string skill;  // product line the job needs
  // ONSITE_ARRIVAL due time. The clock starts at the customer's report, so
  // this comes from intake, not from the moment of dispatch.
  TimePoint due;
  TimePoint requested_at;
  // Engineers who declined this job: never offered it again.
  std::vector<std::string> excluded_engineers;
};

Status ValidateOnSiteRequest(const OnSiteRequest& request);

}  // namespace aftersales::dispatch

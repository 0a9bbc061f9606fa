#include "services/dispatch/domain/engineer.h"

#include <algorithm>
#include <cctype>
#include <chrono>

namespace aftersales::dispatch {
namespace {

constexpr int kMinutesPerDay = 24 * 60;

// Built by appending: GCC 12 at -O3 raises a false -Wrestrict on
// "literal" + std::string.
std::string Indexed(std::string_view field, size_t i) {
  std::string s(field);
  s += '[';
  s += std::to_string(i);
  s += ']';
  return s;
}

// Digits with the separators people type; 6 to 15 digits (E.164 maximum).
bool IsPlausiblePhone(std::string_view phone) {
  if (phone.empty()) return false;
  int digits = 0;
  for (size_t i = 0; i < phone.size(); ++i) {
    const char c = phone[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      ++digits;
    } else if (c == '+' && i == 0) {
      continue;
    } else if (c != ' ' && c != '-' && c != '(' && c != ')') {
      return false;
    }
  }
  return digits >= 6 && digits <= 15;
}

}  // namespace

int MinuteOfWeek(TimePoint t, int utc_offset_minutes) {
  const int64_t minutes =
      std::chrono::floor<std::chrono::minutes>(t.time_since_epoch()).count() + utc_offset_minutes;
  // 1970-01-01 was a Thursday: Monday-based minute of week is shifted 3 days.
  const int64_t shifted = minutes + 3 * kMinutesPerDay;
  const int64_t m = shifted % kMinutesPerWeek;
  return static_cast<int>(m < 0 ? m + kMinutesPerWeek : m);
}

DutyRoster DutyRoster::Daily(int utc_offset_minutes, int start_hour, int end_hour) {
  std::vector<WeeklyShift> shifts;
  const int start = start_hour * 60;
  const int end = end_hour * 60;
  for (int day = 0; day < 7; ++day) {
    const int base = day * kMinutesPerDay;
    if (end > start) {
      shifts.push_back({base + start, base + end});
    } else {
      shifts.push_back({base + start, base + kMinutesPerDay});
      // The morning part belongs to the next day; Sunday night wraps to Monday.
      const int next = ((day + 1) % 7) * kMinutesPerDay;
      if (end > 0) shifts.push_back({next, next + end});
    }
  }
  std::sort(shifts.begin(), shifts.end(), [](const WeeklyShift& a, const WeeklyShift& b) {
    return a.start_minute < b.start_minute;
  });
  return DutyRoster(utc_offset_minutes, std::move(shifts));
}

DutyRoster DutyRoster::AlwaysOn(int utc_offset_minutes) {
  return DutyRoster(utc_offset_minutes, {{0, kMinutesPerWeek}});
}

bool DutyRoster::OnDuty(TimePoint t) const {
  const int m = MinuteOfWeek(t, utc_offset_minutes_);
  for (const WeeklyShift& s : shifts_) {
    if (m >= s.start_minute && m < s.end_minute) return true;
  }
  return false;
}

const char* EngineerStateName(EngineerState state) {
  switch (state) {
    case EngineerState::kAvailable:
      return "AVAILABLE";
    case EngineerState::kTravelling:
      return "TRAVELLING";
    case EngineerState::kOnSite:
      return "ON_SITE";
    case EngineerState::kOffDuty:
      return "OFF_DUTY";
    case EngineerState::kUnspecified:
      break;
  }
  return "ENGINEER_STATE_UNSPECIFIED";
}

bool Engineer::HasSkill(std::string_view skill) const {
  return std::find(skills.begin(), skills.end(), skill) != skills.end();
}

bool Engineer::Serves(Zone zone) const {
  return std::find(zones.begin(), zones.end(), zone) != zones.end();
}

bool Engineer::OnDuty(TimePoint t) const {
  return state != EngineerState::kOffDuty && roster.OnDuty(t);
}

TimePoint Engineer::FreeAt(TimePoint now) const {
  TimePoint free = now;
  for (const EngineerJob& job : jobs) free = std::max(free, job.expected_finish);
  return free;
}

Status ValidateEngineer(const Engineer& e) {
  Validator v;
  v.Check(!e.id.empty(), "id", "must not be empty");
  v.Check(!e.name.empty(), "name", "must not be empty");
  v.Check(IsPlausiblePhone(e.phone), "phone",
          "must be 6 to 15 digits, optionally with a leading + and spaces or dashes");
  v.Check(!e.skills.empty(), "skills", "must list at least one product line");
  for (size_t i = 0; i < e.skills.size(); ++i) {
    v.Check(!e.skills[i].empty(), Indexed("skills", i), "must not be empty");
  }
  v.Check(!e.zones.empty(), "zones", "must list at least one zone served");
  for (size_t i = 0; i < e.zones.size(); ++i) {
    v.Check(IsKnownZone(e.zones[i]), Indexed("zones", i),
            "unknown zone: must be CITY, SUBURB or REMOTE");
  }
  v.Check(e.max_concurrent_jobs >= 1, "max_concurrent_jobs", "must be at least 1");
  v.Check(e.position.lat >= -90.0 && e.position.lat <= 90.0, "position.lat",
          "must be between -90 and 90");
  v.Check(e.position.lng >= -180.0 && e.position.lng <= 180.0, "position.lng",
          "must be between -180 and 180");
  v.Check(e.state != EngineerState::kUnspecified, "state", "must be set");
  v.Check(e.roster.utc_offset_minutes() >= -14 * 60 && e.roster.utc_offset_minutes() <= 14 * 60,
          "roster.utc_offset_minutes", "must be between -840 and 840");
  const auto& shifts = e.roster.shifts();
  for (size_t i = 0; i < shifts.size(); ++i) {
    v.Check(shifts[i].start_minute >= 0 && shifts[i].start_minute < shifts[i].end_minute &&
                shifts[i].end_minute <= kMinutesPerWeek,
            Indexed("roster.shifts", i), "must satisfy 0 <= start_minute < end_minute <= 10080");
  }
  return v.ToStatus("INVALID_ENGINEER");
}

void OrderJobs(std::vector<EngineerJob>& jobs) {
  std::stable_sort(jobs.begin(), jobs.end(), [](const EngineerJob& a, const EngineerJob& b) {
    if (a.started != b.started) return a.started;
    return a.due < b.due;
  });
}

}  // namespace aftersales::dispatch

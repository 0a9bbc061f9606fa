// Field engineers as dispatch sees them: who they are, what they can fix,
// where they work, when they are on duty and what they are doing now.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "services/common/clock.h"
#include "services/common/status.h"
#include "services/dispatch/domain/geo.h"
#include "services/dispatch/domain/onsite_request.h"

namespace aftersales::dispatch {

inline constexpr int kMinutesPerWeek = 7 * 24 * 60;

// One duty interval in a week, in minutes since Monday 00:00 local time;
// [start_minute, end_minute). A shift that runs over Sunday midnight is two
// intervals, so that every interval is plain and comparable.
struct WeeklyShift {
  int start_minute = 0;
  int end_minute = 0;
  bool operator==(const WeeklyShift&) const = default;
};

// A weekly 7x24 roster kept in a fixed UTC offset (the branch's local time,
// without daylight saving: a roster change is an explicit edit).
class DutyRoster {
 public:
  DutyRoster() = default;
  DutyRoster(int utc_offset_minutes, std::vector<WeeklyShift> shifts)
      : utc_offset_minutes_(utc_offset_minutes), shifts_(std::move(shifts)) {}

  // Every day from start_hour to end_hour local time; end_hour <= start_hour
  // means the shift ends the next morning (a night shift).
  static DutyRoster Daily(int utc_offset_minutes, int start_hour, int end_hour);
  // Always on duty (a 7x24 on-call engineer).
  static DutyRoster AlwaysOn(int utc_offset_minutes = 0);

  bool OnDuty(TimePoint t) const;

  int utc_offset_minutes() const { return utc_offset_minutes_; }
  const std::vector<WeeklyShift>& shifts() const { return shifts_; }

 private:
  int utc_offset_minutes_ = 0;
  std::vector<WeeklyShift> shifts_;
};

// Minute of the week (Monday 00:00 = 0) of t in the given UTC offset.
int MinuteOfWeek(TimePoint t, int utc_offset_minutes);

enum class EngineerState {
  kUnspecified = 0,
  kAvailable = 1,
  kTravelling = 2,
  kOnSite = 3,
  kOffDuty = 4,
};
const char* EngineerStateName(EngineerState state);

// A job an engineer holds. `started` is true from TRAVELLING on: from then
// the job is no longer taken away by an emergency. Jobs not started are done
// in the order they are held, which the planner keeps by deadline.
struct EngineerJob {
  std::string ticket_number;
  Severity severity = Severity::kUnspecified;
  bool started = false;
  TimePoint expected_finish;
  // What the planner needs to move a job not yet started back in the line
  // without making it late: its deadline and the work it takes.
  TimePoint due = TimePoint::max();
  Duration travel{};
  Duration service{};
};

struct Engineer {
  std::string id;
  std::string name;
  std::string phone;
  std::string branch;
  std::vector<std::string> skills;  // product lines
  std::vector<Zone> zones;          // zones served
  DutyRoster roster;
  GeoPoint position;
  EngineerState state = EngineerState::kAvailable;
  int max_concurrent_jobs = 1;
  std::vector<EngineerJob> jobs;

  bool HasSkill(std::string_view skill) const;
  bool Serves(Zone zone) const;
  // Rostered now and not sent off duty by hand (sickness, end of shift).
  bool OnDuty(TimePoint t) const;
  // When the engineer is through with every job held: the latest expected
  // finish, or now when idle.
  TimePoint FreeAt(TimePoint now) const;
};

// Every bad field at once, e.g. "phone", "skills", "zones[1]".
Status ValidateEngineer(const Engineer& engineer);

// The order an engineer holds its jobs in: started ones first, then earliest
// due; stable, so equal ones keep the order they were given in (the order
// they were added).
void OrderJobs(std::vector<EngineerJob>& jobs);

}  // namespace aftersales::dispatch

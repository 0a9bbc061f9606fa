#include "services/intake/domain/deadlines.h"

#include <catch2/catch.hpp>

#include "services/intake/domain/tests/local_time.h"

namespace aftersales::intake {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using testing::D;
using testing::Local;

constexpr Severity kAll[] = {Severity::kEmergency, Severity::kMajor, Severity::kMinor,
                             Severity::kNotice};

std::optional<Duration> Budget(const DeadlinePolicy& p, ClockKind kind, Severity s,
                               Zone zone = Zone::kCity,
                               std::optional<AssetCategory> category = std::nullopt) {
  return p.Budget(kind, ClockContext{s, zone, category});
}

TEST_CASE("Default policy is domain.md's deadline table", "[deadlines]") {
  const DeadlinePolicy p = DeadlinePolicy::Default();
  REQUIRE(p.Validate().ok());
  const Duration handling[] = {hours(1), hours(4), hours(8), hours(12)};
  const Duration city[] = {hours(2), hours(2), hours(24), hours(24)};
  const Duration suburb[] = {hours(12), hours(12), hours(24), hours(24)};
  for (int i = 0; i < 4; ++i) {
    const Severity s = kAll[i];
    INFO(SeverityName(s));
    CHECK(Budget(p, ClockKind::kFirstResponse, s) == hours(1));
    CHECK(Budget(p, ClockKind::kHandling, s) == handling[i]);
    CHECK(Budget(p, ClockKind::kRemoteSession, s) == minutes(30));
    CHECK(Budget(p, ClockKind::kOnsiteArrival, s, Zone::kCity) == city[i]);
    CHECK(Budget(p, ClockKind::kOnsiteArrival, s, Zone::kSuburb) == suburb[i]);
    CHECK(Budget(p, ClockKind::kOnsiteArrival, s, Zone::kRemote) == hours(48));
  }
  CHECK(Budget(p, ClockKind::kHandlingPlan, Severity::kEmergency) == hours(24));
  for (Severity s : {Severity::kMajor, Severity::kMinor, Severity::kNotice}) {
    CHECK_FALSE(Budget(p, ClockKind::kHandlingPlan, s).has_value());
  }
  CHECK(p.warn_percent == 75);
}

TEST_CASE("Repair budget depends on the asset category", "[deadlines]") {
  const DeadlinePolicy p = DeadlinePolicy::Default();
  for (AssetCategory c :
       {AssetCategory::kMainframe, AssetCategory::kController, AssetCategory::kTerminal}) {
    CHECK(Budget(p, ClockKind::kRepair, Severity::kMinor, Zone::kCity, c) == hours(72));
  }
  CHECK(Budget(p, ClockKind::kRepair, Severity::kMinor, Zone::kCity, AssetCategory::kAccessory) ==
        hours(24));
  CHECK_FALSE(
      Budget(p, ClockKind::kRepair, Severity::kMinor, Zone::kCity, AssetCategory::kConsumable)
          .has_value());
  CHECK(Budget(p, ClockKind::kRepair, Severity::kMinor) == hours(72));  // unknown asset
}

TEST_CASE("A contract tightens clocks but never loosens or adds them", "[deadlines]") {
  ContractDeadlines contract;
  contract.first_response = minutes(30);
  contract.onsite_arrival = hours(2);
  contract.handling = hours(48);       // looser than every default: ignored
  contract.handling_plan = hours(12);  // tightens emergencies, adds nothing for others
  Result<DeadlinePolicy> p = DeadlinePolicy::Default().TightenedBy(contract);
  REQUIRE(p.ok());
  for (Severity s : kAll) {
    INFO(SeverityName(s));
    CHECK(Budget(*p, ClockKind::kFirstResponse, s) == minutes(30));
    for (Zone z : {Zone::kCity, Zone::kSuburb, Zone::kRemote}) {
      CHECK(Budget(*p, ClockKind::kOnsiteArrival, s, z) == hours(2));
    }
    CHECK(Budget(*p, ClockKind::kRemoteSession, s) == minutes(30));
  }
  CHECK(Budget(*p, ClockKind::kHandling, Severity::kNotice) == hours(12));
  CHECK(Budget(*p, ClockKind::kHandlingPlan, Severity::kEmergency) == hours(12));
  CHECK_FALSE(Budget(*p, ClockKind::kHandlingPlan, Severity::kMajor).has_value());
  CHECK(Budget(*p, ClockKind::kRepair, Severity::kMajor) == hours(72));

  ContractDeadlines bad;
  bad.repair = hours(-1);
  Result<DeadlinePolicy> r = DeadlinePolicy::Default().TightenedBy(bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().field_violations()[0].field == "contract.repair");
}

TEST_CASE("Policy validation names the bad value", "[deadlines]") {
  DeadlinePolicy p = DeadlinePolicy::Default();
  p.warn_percent = 100;
  p.handling[2] = Duration::zero();
  const Status s = p.Validate();
  REQUIRE_FALSE(s.ok());
  REQUIRE(s.field_violations().size() == 2);
  CHECK(s.field_violations()[0].field == "handling.MINOR");
  CHECK(s.field_violations()[1].field == "warn_percent");
}

DeadlineClock Start7x24(TimePoint start, Duration budget) {
  Result<DeadlineClock> c = DeadlineClock::Start(ClockKind::kHandling, ClockTime::kAllHours, start,
                                                 budget, 75, BusinessCalendar::Default());
  REQUIRE(c.ok());
  return *c;
}

TEST_CASE("A 7x24 clock is due after its budget and warns at 75%", "[deadlines]") {
  const DeadlineClock c = Start7x24(Local("2024-03-09 22:00"), hours(4));  // a Saturday night
  CHECK(c.due == Local("2024-03-10 02:00"));
  CHECK(c.warn_at == Local("2024-03-10 01:00"));
  CHECK(c.state == ClockState::kRunning);
  CHECK_FALSE(c.DueForWarning(Local("2024-03-10 00:59")));
  CHECK(c.DueForWarning(Local("2024-03-10 01:00")));
}

TEST_CASE("On-site due time by severity and zone, counted from the report", "[deadlines]") {
  const DeadlinePolicy p = DeadlinePolicy::Default();
  const TimePoint report = Local("2024-03-08 22:00");
  auto due = [&](Severity s, Zone z) {
    Result<DeadlineClock> c = DeadlineClock::Start(
        ClockKind::kOnsiteArrival, ClockTime::kAllHours, report,
        *Budget(p, ClockKind::kOnsiteArrival, s, z), p.warn_percent, BusinessCalendar::Default());
    REQUIRE(c.ok());
    return c->due;
  };
  CHECK(due(Severity::kEmergency, Zone::kCity) == Local("2024-03-09 00:00"));
  CHECK(due(Severity::kEmergency, Zone::kSuburb) == Local("2024-03-09 10:00"));
  CHECK(due(Severity::kMinor, Zone::kCity) == Local("2024-03-09 22:00"));
  CHECK(due(Severity::kNotice, Zone::kRemote) == Local("2024-03-10 22:00"));
}

TEST_CASE("A business-hours clock counts only business time", "[deadlines]") {
  BusinessCalendarSpec spec = BusinessCalendarSpec::Default();
  spec.holidays.insert(D("2024-03-11"));
  const BusinessCalendar cal = *BusinessCalendar::Create(spec);
  Result<DeadlineClock> c = DeadlineClock::Start(ClockKind::kHandling, ClockTime::kBusinessHours,
                                                 Local("2024-03-08 16:55"), hours(12), 75, cal);
  REQUIRE(c.ok());
  // Fri 65 min + Tue 8 h + Wed 08:30..11:25 = 12 h; 75% = 9 h lands Tue 17:55.
  CHECK(c->due == Local("2024-03-13 11:25"));
  CHECK(c->warn_at == Local("2024-03-12 17:55"));
}

TEST_CASE("Pause and resume push a 7x24 clock out by the wall time paused", "[deadlines]") {
  DeadlineClock c = Start7x24(Local("2024-03-06 10:00"), hours(4));
  REQUIRE(c.Pause(Local("2024-03-06 11:00")).ok());
  CHECK(c.state == ClockState::kPaused);
  CHECK_FALSE(c.Overdue(Local("2024-03-06 20:00")));  // paused clocks do not breach
  CHECK_FALSE(c.Breach(Local("2024-03-06 20:00")).ok());
  REQUIRE(c.Resume(Local("2024-03-06 13:00"), BusinessCalendar::Default()).ok());
  CHECK(c.state == ClockState::kRunning);
  CHECK(c.due == Local("2024-03-06 16:00"));
  CHECK(c.warn_at == Local("2024-03-06 15:00"));
  CHECK(c.paused_total == hours(2));
}

TEST_CASE("Paused over a weekend: 7x24 moves by the weekend, business time does not",
          "[deadlines]") {
  const BusinessCalendar cal = BusinessCalendar::Default();
  DeadlineClock fault = Start7x24(Local("2024-03-08 17:00"), hours(2));
  REQUIRE(fault.Pause(Local("2024-03-08 17:30")).ok());
  REQUIRE(fault.Resume(Local("2024-03-11 08:00"), cal).ok());
  CHECK(fault.due == Local("2024-03-11 09:30"));

  Result<DeadlineClock> consult =
      DeadlineClock::Start(ClockKind::kFirstResponse, ClockTime::kBusinessHours,
                           Local("2024-03-08 17:00"), hours(2), 75, cal);
  REQUIRE(consult.ok());
  CHECK(consult->due == Local("2024-03-11 09:30"));
  REQUIRE(consult->Pause(Local("2024-03-08 17:30")).ok());
  // 90 business minutes were left; resuming Monday 10:00 leaves them from there.
  REQUIRE(consult->Resume(Local("2024-03-11 10:00"), cal).ok());
  CHECK(consult->due == Local("2024-03-11 11:30"));
}

TEST_CASE("Met at the due time is in time - a second later is a breach", "[deadlines]") {
  DeadlineClock on_time = Start7x24(Local("2024-03-06 10:00"), hours(1));
  REQUIRE(on_time.Meet(Local("2024-03-06 11:00")).ok());
  CHECK(on_time.state == ClockState::kMet);
  CHECK(on_time.met_at == Local("2024-03-06 11:00"));

  DeadlineClock late = Start7x24(Local("2024-03-06 10:00"), hours(1));
  REQUIRE(late.Meet(Local("2024-03-06 11:00") + std::chrono::seconds(1)).ok());
  CHECK(late.state == ClockState::kBreached);
  CHECK(late.met_at.has_value());
  CHECK_FALSE(late.Meet(Local("2024-03-06 12:00")).ok());  // met once only
}

TEST_CASE("Breach only after due - meeting a breached clock records when", "[deadlines]") {
  DeadlineClock c = Start7x24(Local("2024-03-06 10:00"), hours(1));
  CHECK(c.Breach(Local("2024-03-06 11:00")).reason() == "CLOCK_NOT_DUE");
  REQUIRE(c.Breach(Local("2024-03-06 11:01")).ok());
  CHECK(c.state == ClockState::kBreached);
  CHECK_FALSE(c.active());
  REQUIRE(c.Meet(Local("2024-03-06 12:00")).ok());
  CHECK(c.state == ClockState::kBreached);
  CHECK(c.met_at == Local("2024-03-06 12:00"));
}

TEST_CASE("Warn once at 75 percent - a warned clock stays warned through a pause", "[deadlines]") {
  DeadlineClock c = Start7x24(Local("2024-03-06 10:00"), hours(4));
  CHECK(c.Warn(Local("2024-03-06 12:59")).reason() == "CLOCK_NOT_DUE_FOR_WARNING");
  REQUIRE(c.Warn(Local("2024-03-06 13:00")).ok());
  CHECK(c.state == ClockState::kWarned);
  CHECK(c.Warn(Local("2024-03-06 13:10")).reason() == "CLOCK_STATE_FORBIDS_STEP");
  REQUIRE(c.Pause(Local("2024-03-06 13:30")).ok());
  REQUIRE(c.Resume(Local("2024-03-06 14:30"), BusinessCalendar::Default()).ok());
  CHECK(c.state == ClockState::kWarned);
  CHECK(c.due == Local("2024-03-06 15:00"));
  CHECK_FALSE(c.DueForWarning(Local("2024-03-06 14:45")));
}

TEST_CASE("An overdue clock cannot be paused", "[deadlines]") {
  DeadlineClock c = Start7x24(Local("2024-03-06 10:00"), hours(1));
  CHECK(c.Pause(Local("2024-03-06 11:00")).reason() == "CLOCK_OVERDUE");
  CHECK(c.state == ClockState::kRunning);
}

TEST_CASE("Cancelled clocks are neither met nor breached", "[deadlines]") {
  DeadlineClock c = Start7x24(Local("2024-03-06 10:00"), hours(1));
  REQUIRE(c.Cancel(Local("2024-03-06 10:30")).ok());
  CHECK(c.state == ClockState::kCancelled);
  CHECK_FALSE(c.met_at.has_value());
  CHECK(c.Meet(Local("2024-03-06 10:40")).reason() == "CLOCK_STATE_FORBIDS_STEP");
  CHECK_FALSE(c.Breach(Local("2024-03-06 12:00")).ok());
  CHECK_FALSE(c.Cancel(Local("2024-03-06 12:00")).ok());
}

TEST_CASE("Meeting a paused clock is in time", "[deadlines]") {
  DeadlineClock c = Start7x24(Local("2024-03-06 10:00"), hours(1));
  REQUIRE(c.Pause(Local("2024-03-06 10:30")).ok());
  REQUIRE(c.Meet(Local("2024-03-06 15:00")).ok());
  CHECK(c.state == ClockState::kMet);
  CHECK(c.paused_total == hours(4) + minutes(30));
}

TEST_CASE("A clock needs a positive budget", "[deadlines]") {
  Result<DeadlineClock> c =
      DeadlineClock::Start(ClockKind::kRepair, ClockTime::kAllHours, Local("2024-03-06 10:00"),
                           Duration::zero(), 75, BusinessCalendar::Default());
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == Code::kInvalidArgument);
}

}  // namespace
}  // namespace aftersales::intake

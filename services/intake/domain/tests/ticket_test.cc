#include "services/intake/domain/ticket.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "services/intake/domain/tests/local_time.h"

namespace aftersales::intake {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using testing::D;
using testing::Local;

const TimePoint kT0 = Local("2024-03-06 10:00");  // a Wednesday
const FaultNumber kNumber = FaultNumber::FromSequence(4711);

NewTicket Fault(std::string impact = "常用设备停止", Zone zone = Zone::kCity) {
  NewTicket t;
  t.kind = TicketKind::kFault;
  t.channel = Channel::kHotline;
  t.customer_id = "C-1";
  t.contact_name = "张伟";
  t.contact_phone = "+86 (21) 5555-0100";
  t.site_id = "S-1";
  t.zone = zone;
  t.asset_id = "A-1";
  t.symptoms = "入口道闸不抬杆";
  t.impact = std::move(impact);
  return t;
}

NewTicket Emergency() { return Fault("全部停止"); }

Ticket Open(NewTicket report = Fault(), TimePoint at = kT0, TicketRules rules = {}) {
  Result<Ticket> t = Ticket::Report(kNumber, std::move(report), "agent-1", at, std::move(rules));
  INFO(t.status().ToString());
  REQUIRE(t.ok());
  return std::move(t).value();
}

const DeadlineClock& Clock(const Ticket& t, ClockKind kind) {
  const DeadlineClock* c = t.clock(kind);
  INFO(ClockKindName(kind));
  REQUIRE(c != nullptr);
  return *c;
}

ClockState StateOf(const Ticket& t, ClockKind kind) { return Clock(t, kind).state; }

std::vector<HistoryKind> HistoryKinds(const Ticket& t) {
  std::vector<HistoryKind> kinds;
  for (const auto& h : t.record().history) kinds.push_back(h.kind);
  return kinds;
}

void RequireOk(const Status& s) {
  INFO(s.ToString());
  REQUIRE(s.ok());
}

// The state forbids the step: nothing changes, and the error names the status.
void RequireForbidden(Ticket& t, const Status& s) {
  INFO(s.ToString());
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Code::kFailedPrecondition);
  CHECK(s.reason() == "TICKET_STATE_FORBIDS_STEP");
  CHECK(s.message().find(std::string(TicketStatusName(t.status()))) != std::string::npos);
}

std::vector<std::string> Fields(const Status& s) {
  std::vector<std::string> f;
  for (const auto& v : s.field_violations()) f.push_back(v.field);
  return f;
}

// --- intake validation ---------------------------------------------------

TEST_CASE("Ticket: a valid report with Chinese text is accepted", "[ticket]") {
  const Ticket t = Open();
  CHECK(t.status() == TicketStatus::kOpen);
  CHECK(t.record().severity == Severity::kMajor);
  CHECK(t.record().number == kNumber);
  CHECK(t.record().report.contact_name == "张伟");
  CHECK(HistoryKinds(t) == std::vector<HistoryKind>{HistoryKind::kReported});
  CHECK(t.record().history[0].actor == "agent-1");
}

TEST_CASE("Ticket: phone numbers allow digits and the usual separators", "[ticket]") {
  for (const char* good :
       {"13800138000", "+86 138 0013 8000", "(021) 5555-0100", "12345", "+1-800-555-0100"}) {
    NewTicket r = Fault();
    r.contact_phone = good;
    INFO(good);
    CHECK(ValidateNewTicket(r, kT0).ok());
  }
  for (const char* bad : {"", "1234", "123456789012345678901", "phone 12345", "86+12345678",
                          "12345#12", "１３８００１３８０００"}) {
    NewTicket r = Fault();
    r.contact_phone = bad;
    INFO(bad);
    const Status s = ValidateNewTicket(r, kT0);
    CHECK(Fields(s) == std::vector<std::string>{"contact_phone"});
  }
}

TEST_CASE("Ticket: every bad field is named at once", "[ticket]") {
  NewTicket r = Fault("it makes a noise");
  r.customer_id = "";
  r.contact_name = "  ";
  r.site_id = "";
  r.symptoms = "\xff\xfe";  // not UTF-8
  r.started_at = kT0 + hours(1);
  Result<Ticket> t = Ticket::Report(kNumber, r, "agent-1", kT0);
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().code() == Code::kInvalidArgument);
  CHECK(t.status().reason() == "INVALID_TICKET");
  CHECK(Fields(t.status()) == std::vector<std::string>{"customer_id", "contact_name", "site_id",
                                                       "started_at", "symptoms", "impact"});
}

TEST_CASE("Ticket: a fault needs an impact or a severity - a consultation does not", "[ticket]") {
  NewTicket fault = Fault("");
  CHECK(Fields(ValidateNewTicket(fault, kT0)) == std::vector<std::string>{"impact"});
  fault.severity = Severity::kMinor;
  CHECK(ValidateNewTicket(fault, kT0).ok());

  NewTicket question = Fault("");
  question.kind = TicketKind::kConsultation;
  question.site_id = "";
  const Ticket t = Open(question);
  CHECK(t.record().severity == Severity::kNotice);
}

TEST_CASE("Ticket: a device alarm needs the device, not a caller", "[ticket]") {
  NewTicket alarm = Fault();
  alarm.channel = Channel::kDeviceAlarm;
  alarm.contact_name = "";
  alarm.contact_phone = "";
  CHECK(ValidateNewTicket(alarm, kT0).ok());
  alarm.asset_id = "";
  CHECK(Fields(ValidateNewTicket(alarm, kT0)) == std::vector<std::string>{"asset_id"});
}

TEST_CASE("Ticket: every step names its actor", "[ticket]") {
  Result<Ticket> r = Ticket::Report(kNumber, Fault(), "", kT0);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().reason() == "ACTOR_REQUIRED");
  Ticket t = Open();
  CHECK(t.Respond(" ", kT0).reason() == "ACTOR_REQUIRED");
  CHECK(t.status() == TicketStatus::kOpen);
}

// --- clocks started at the report ------------------------------------------

TEST_CASE("Ticket: a report starts the fault clocks, counted from the call", "[ticket]") {
  SECTION("emergency, city") {
    const Ticket t = Open(Emergency());
    CHECK(Clock(t, ClockKind::kFirstResponse).due == kT0 + hours(1));
    CHECK(Clock(t, ClockKind::kHandling).due == kT0 + hours(1));
    CHECK(Clock(t, ClockKind::kOnsiteArrival).due == kT0 + hours(2));
    CHECK(Clock(t, ClockKind::kHandlingPlan).due == kT0 + hours(24));
    CHECK(t.clock(ClockKind::kRemoteSession) == nullptr);
    CHECK(t.clock(ClockKind::kRepair) == nullptr);
    CHECK(Clock(t, ClockKind::kFirstResponse).warn_at == kT0 + minutes(45));
  }
  SECTION("minor, suburb: no handling plan") {
    const Ticket t = Open(Fault("不常用设备异常", Zone::kSuburb));
    CHECK(t.record().severity == Severity::kMinor);
    CHECK(Clock(t, ClockKind::kHandling).due == kT0 + hours(8));
    CHECK(Clock(t, ClockKind::kOnsiteArrival).due == kT0 + hours(24));
    CHECK(t.clock(ClockKind::kHandlingPlan) == nullptr);
  }
  SECTION("notice: handling within 12 hours") {
    const Ticket t = Open(Fault("只报异常信息"));
    CHECK(Clock(t, ClockKind::kHandling).due == kT0 + hours(12));
  }
}

TEST_CASE("Ticket: a contract tightens the ticket's clocks", "[ticket]") {
  ContractDeadlines contract;
  contract.first_response = minutes(30);
  contract.onsite_arrival = hours(2);
  TicketRules rules;
  rules.deadlines = *DeadlinePolicy::Default().TightenedBy(contract);
  const Ticket t = Open(Fault("不常用设备异常", Zone::kSuburb), kT0, rules);
  CHECK(Clock(t, ClockKind::kFirstResponse).due == kT0 + minutes(30));
  CHECK(Clock(t, ClockKind::kOnsiteArrival).due == kT0 + hours(2));
  CHECK(Clock(t, ClockKind::kHandling).due == kT0 + hours(8));
}

TEST_CASE("Ticket: consultation clocks run on the business calendar", "[ticket]") {
  BusinessCalendarSpec spec = BusinessCalendarSpec::Default();
  spec.holidays.insert(D("2024-03-11"));  // Monday
  TicketRules rules;
  rules.calendar = *BusinessCalendar::Create(spec);
  NewTicket q = Fault("");
  q.kind = TicketKind::kConsultation;
  const Ticket t = Open(q, Local("2024-03-08 16:55"), rules);  // Friday
  CHECK(Clock(t, ClockKind::kFirstResponse).due == Local("2024-03-08 17:55"));
  CHECK(Clock(t, ClockKind::kHandling).due == Local("2024-03-13 11:25"));  // 12 business hours
  CHECK(Clock(t, ClockKind::kHandling).time == ClockTime::kBusinessHours);
  CHECK(t.clock(ClockKind::kOnsiteArrival) == nullptr);
}

// --- legal transitions and the clocks they touch -----------------------------

TEST_CASE("Ticket: respond meets FIRST_RESPONSE", "[ticket]") {
  Ticket t = Open();
  RequireOk(t.Respond("agent-1", kT0 + minutes(20), "called back"));
  CHECK(t.status() == TicketStatus::kResponded);
  CHECK(StateOf(t, ClockKind::kFirstResponse) == ClockState::kMet);
  CHECK(StateOf(t, ClockKind::kHandling) == ClockState::kRunning);
  CHECK(HistoryKinds(t).back() == HistoryKind::kResponded);
}

TEST_CASE("Ticket: a late response is a breach, recorded in the history", "[ticket]") {
  Ticket t = Open();
  RequireOk(t.Respond("agent-1", kT0 + minutes(61)));
  CHECK(StateOf(t, ClockKind::kFirstResponse) == ClockState::kBreached);
  CHECK(Clock(t, ClockKind::kFirstResponse).met_at == kT0 + minutes(61));
  CHECK(HistoryKinds(t) == std::vector<HistoryKind>{HistoryKind::kReported,
                                                    HistoryKind::kClockBreached,
                                                    HistoryKind::kResponded});
}

TEST_CASE("Ticket: handling start meets HANDLING (and the response from OPEN)", "[ticket]") {
  Ticket t = Open();
  RequireOk(t.BeginHandling("agent-1", kT0 + minutes(10)));
  CHECK(t.status() == TicketStatus::kResponded);
  CHECK(StateOf(t, ClockKind::kFirstResponse) == ClockState::kMet);
  CHECK(StateOf(t, ClockKind::kHandling) == ClockState::kMet);
  CHECK(t.BeginHandling("agent-1", kT0 + minutes(11)).reason() == "HANDLING_ALREADY_STARTED");
}

TEST_CASE("Ticket: remote session path, resolved remotely", "[ticket]") {
  Ticket t = Open();
  RequireOk(t.Respond("agent-1", kT0 + minutes(5)));
  RequireOk(t.RequestRemoteSession("agent-1", kT0 + minutes(20), "客户同意远程"));
  CHECK(t.status() == TicketStatus::kResponded);
  CHECK(StateOf(t, ClockKind::kHandling) == ClockState::kMet);
  CHECK(Clock(t, ClockKind::kRemoteSession).due == kT0 + minutes(50));
  CHECK(t.RequestRemoteSession("agent-1", kT0 + minutes(21)).reason() ==
        "REMOTE_SESSION_ALREADY_REQUESTED");

  RequireOk(t.OpenRemoteSession("agent-1", kT0 + minutes(40)));
  CHECK(t.status() == TicketStatus::kRemoteSession);
  CHECK(StateOf(t, ClockKind::kRemoteSession) == ClockState::kMet);

  RequireOk(t.Resolve("agent-1", kT0 + hours(1), ResolutionMethod::kRemoteSession, "重启控制器"));
  CHECK(t.status() == TicketStatus::kResolved);
  CHECK(StateOf(t, ClockKind::kOnsiteArrival) == ClockState::kCancelled);
  CHECK(t.record().resolution == ResolutionMethod::kRemoteSession);
}

TEST_CASE("Ticket: a remote session opened at once is met at once", "[ticket]") {
  Ticket t = Open();
  RequireOk(t.Respond("agent-1", kT0 + minutes(5)));
  RequireOk(t.OpenRemoteSession("agent-1", kT0 + minutes(6)));
  CHECK(Clock(t, ClockKind::kRemoteSession).start == kT0 + minutes(6));
  CHECK(StateOf(t, ClockKind::kRemoteSession) == ClockState::kMet);
}

TEST_CASE("Ticket: a phone fix cancels on-site arrival instead of meeting it", "[ticket]") {
  for (const bool from_open : {true, false}) {
    INFO("from OPEN: " << from_open);
    Ticket t = Open(Emergency());
    if (!from_open) RequireOk(t.Respond("agent-1", kT0 + minutes(5)));
    RequireOk(t.Resolve("agent-1", kT0 + minutes(30), ResolutionMethod::kPhone, "复位后恢复"));
    CHECK(t.status() == TicketStatus::kResolved);
    CHECK(StateOf(t, ClockKind::kFirstResponse) == ClockState::kMet);
    CHECK(StateOf(t, ClockKind::kHandling) == ClockState::kMet);
    CHECK(StateOf(t, ClockKind::kOnsiteArrival) == ClockState::kCancelled);
    CHECK_FALSE(Clock(t, ClockKind::kOnsiteArrival).met_at.has_value());
    CHECK(StateOf(t, ClockKind::kHandlingPlan) == ClockState::kCancelled);
    CHECK_FALSE(t.NextClockEvent().has_value());
  }
}

TEST_CASE("Ticket: a phone fix while awaiting the engineer", "[ticket]") {
  Ticket t = Open();
  RequireOk(t.Respond("agent-1", kT0 + minutes(5)));
  RequireOk(t.RequestOnsite("agent-1", kT0 + minutes(30)));
  RequireOk(t.Resolve("agent-1", kT0 + minutes(50), ResolutionMethod::kPhone, "客户自行恢复"));
  CHECK(StateOf(t, ClockKind::kOnsiteArrival) == ClockState::kCancelled);
}

TEST_CASE("Ticket: on-site path from request to close", "[ticket]") {
  Ticket t = Open();
  RequireOk(t.Respond("agent-1", kT0 + minutes(5)));
  RequireOk(t.RequestRemoteSession("agent-1", kT0 + minutes(10)));
  RequireOk(t.RequestOnsite("dispatcher-1", kT0 + minutes(15), "需要上门"));
  CHECK(t.status() == TicketStatus::kAwaitingOnsite);
  CHECK(StateOf(t, ClockKind::kHandling) == ClockState::kMet);
  CHECK(StateOf(t, ClockKind::kRemoteSession) == ClockState::kCancelled);
  // The on-site promise still counts from the report, not from the request.
  CHECK(Clock(t, ClockKind::kOnsiteArrival).due == kT0 + hours(2));

  RequireOk(t.EngineerArrived("engineer-7", kT0 + minutes(100), AssetCategory::kAccessory));
  CHECK(t.status() == TicketStatus::kOnsiteInProgress);
  CHECK(StateOf(t, ClockKind::kOnsiteArrival) == ClockState::kMet);
  CHECK(Clock(t, ClockKind::kRepair).due == kT0 + minutes(100) + hours(24));

  RequireOk(t.Resolve("engineer-7", kT0 + hours(5), ResolutionMethod::kOnsite, "更换地感模块"));
  CHECK(StateOf(t, ClockKind::kRepair) == ClockState::kMet);
  RequireOk(t.Close("agent-1", kT0 + hours(6)));
  CHECK(t.status() == TicketStatus::kClosed);
  CHECK(HistoryKinds(t) == std::vector<HistoryKind>{HistoryKind::kReported, HistoryKind::kResponded,
                                                    HistoryKind::kRemoteSessionRequested,
                                                    HistoryKind::kOnsiteRequested,
                                                    HistoryKind::kEngineerArrived,
                                                    HistoryKind::kResolved, HistoryKind::kClosed});
}

TEST_CASE("Ticket: repair budget for main equipment, or unknown asset, is 3 days", "[ticket]") {
  for (std::optional<AssetCategory> c :
       {std::optional<AssetCategory>(AssetCategory::kController), std::optional<AssetCategory>()}) {
    Ticket t = Open();
    RequireOk(t.Respond("agent-1", kT0 + minutes(5)));
    RequireOk(t.RequestOnsite("agent-1", kT0 + minutes(10)));
    RequireOk(t.EngineerArrived("engineer-7", kT0 + hours(1), c));
    CHECK(Clock(t, ClockKind::kRepair).due == kT0 + hours(1) + hours(72));
  }
}

TEST_CASE("Ticket: handling plan for an emergency", "[ticket]") {
  Ticket t = Open(Emergency());
  RequireOk(t.Respond("agent-1", kT0 + minutes(5)));
  RequireOk(t.DeliverHandlingPlan("lead-1", kT0 + hours(3), "备件今晚到，明早更换主板"));
  CHECK(StateOf(t, ClockKind::kHandlingPlan) == ClockState::kMet);
  CHECK(t.status() == TicketStatus::kResponded);
  CHECK(t.DeliverHandlingPlan("lead-1", kT0 + hours(4), " ").code() == Code::kInvalidArgument);
}

TEST_CASE("Ticket: close without resolution needs a reason and cancels clocks", "[ticket]") {
  Ticket t = Open();
  const Status no_reason = t.Close("agent-1", kT0 + minutes(5));
  CHECK(no_reason.reason() == "CLOSE_REASON_REQUIRED");
  CHECK(Fields(no_reason) == std::vector<std::string>{"reason"});
  CHECK(t.status() == TicketStatus::kOpen);
  RequireOk(t.Close("agent-1", kT0 + minutes(5), "客户撤回：重复报修"));
  CHECK(t.status() == TicketStatus::kClosed);
  for (const auto& c : t.record().clocks) CHECK(c.state == ClockState::kCancelled);
  CHECK(t.record().close_reason == "客户撤回：重复报修");
}

TEST_CASE("Ticket: reopen after a failed reconfirmation restarts the clocks", "[ticket]") {
  SECTION("by an event: OPEN, waiting for a response") {
    Ticket t = Open();
    RequireOk(t.Resolve("agent-1", kT0 + minutes(30), ResolutionMethod::kPhone, "复位"));
    RequireOk(t.Reopen("followup", kT0 + hours(20), "reconfirm failed", false));
    CHECK(t.status() == TicketStatus::kOpen);
    CHECK(t.record().reopen_count == 1);
    CHECK(Clock(t, ClockKind::kFirstResponse).start == kT0 + hours(20));
    CHECK(StateOf(t, ClockKind::kFirstResponse) == ClockState::kRunning);
    CHECK(Clock(t, ClockKind::kOnsiteArrival).due == kT0 + hours(22));
    CHECK_FALSE(t.record().resolution.has_value());
    // The old clocks stay for the reports: 4 at the report, 3 at the reopen.
    CHECK(t.record().clocks.size() == 6);
  }
  SECTION("by an agent on the call, from CLOSED: RESPONDED") {
    Ticket t = Open();
    RequireOk(t.Resolve("agent-1", kT0 + minutes(30), ResolutionMethod::kPhone, "复位"));
    RequireOk(t.Close("agent-1", kT0 + hours(1)));
    RequireOk(t.Reopen("agent-2", kT0 + hours(20), "故障复现", true));
    CHECK(t.status() == TicketStatus::kResponded);
    CHECK(Clock(t, ClockKind::kFirstResponse).start == kT0);  // no new response clock
    CHECK(Clock(t, ClockKind::kHandling).start == kT0 + hours(20));
    CHECK(HistoryKinds(t).back() == HistoryKind::kReopened);
  }
  SECTION("a reason is required") {
    Ticket t = Open();
    RequireOk(t.Resolve("agent-1", kT0 + minutes(30), ResolutionMethod::kPhone, "复位"));
    CHECK(t.Reopen("agent-2", kT0 + hours(1), "", true).reason() == "REOPEN_REASON_REQUIRED");
  }
}

// --- illegal transitions ---------------------------------------------------

TEST_CASE("Ticket: the state forbids illegal steps and nothing changes", "[ticket]") {
  SECTION("from OPEN") {
    Ticket t = Open();
    const auto before = t.record().history.size();
    const TimePoint at = kT0 + minutes(5);
    RequireForbidden(t, t.RequestOnsite("a", at));
    RequireForbidden(t, t.RequestRemoteSession("a", at));
    RequireForbidden(t, t.OpenRemoteSession("a", at));
    RequireForbidden(t, t.EngineerArrived("a", at));
    RequireForbidden(t, t.DeliverHandlingPlan("a", at, "plan"));
    RequireForbidden(t, t.Resolve("a", at, ResolutionMethod::kRemoteSession, "x"));
    RequireForbidden(t, t.Resolve("a", at, ResolutionMethod::kOnsite, "x"));
    RequireForbidden(t, t.Reopen("a", at, "x", false));
    CHECK(t.status() == TicketStatus::kOpen);
    CHECK(t.record().history.size() == before);
    CHECK(StateOf(t, ClockKind::kFirstResponse) == ClockState::kRunning);
  }
  SECTION("from RESPONDED") {
    Ticket t = Open();
    RequireOk(t.Respond("a", kT0 + minutes(1)));
    RequireForbidden(t, t.Respond("a", kT0 + minutes(2)));
    RequireForbidden(t, t.EngineerArrived("a", kT0 + minutes(2)));
    RequireForbidden(t, t.Resolve("a", kT0 + minutes(2), ResolutionMethod::kOnsite, "x"));
    RequireForbidden(t, t.Reopen("a", kT0 + minutes(2), "x", true));
    CHECK(t.Close("a", kT0 + minutes(2)).reason() == "CLOSE_REASON_REQUIRED");
    CHECK(t.status() == TicketStatus::kResponded);
  }
  SECTION("on site: no close, no phone fix, no second arrival") {
    Ticket t = Open();
    RequireOk(t.Respond("a", kT0 + minutes(1)));
    RequireOk(t.RequestOnsite("a", kT0 + minutes(2)));
    RequireForbidden(t, t.RequestOnsite("a", kT0 + minutes(3)));
    RequireOk(t.EngineerArrived("e", kT0 + minutes(60)));
    RequireForbidden(t, t.EngineerArrived("e", kT0 + minutes(61)));
    RequireForbidden(t, t.Close("a", kT0 + minutes(61), "客户撤回"));
    RequireForbidden(t, t.Resolve("a", kT0 + minutes(61), ResolutionMethod::kPhone, "x"));
    CHECK(t.status() == TicketStatus::kOnsiteInProgress);
  }
  SECTION("resolved and closed") {
    Ticket t = Open();
    RequireOk(t.Resolve("a", kT0 + minutes(1), ResolutionMethod::kPhone, "x"));
    RequireForbidden(t, t.Respond("a", kT0 + minutes(2)));
    RequireForbidden(t, t.Resolve("a", kT0 + minutes(2), ResolutionMethod::kPhone, "x"));
    RequireForbidden(t, t.Pause("a", kT0 + minutes(2), PauseReason::kSiteClosed));
    RequireOk(t.Close("a", kT0 + minutes(3)));
    RequireForbidden(t, t.Close("a", kT0 + minutes(4), "again"));
    RequireForbidden(t, t.BeginHandling("a", kT0 + minutes(4)));
  }
  SECTION("a consultation never goes on site") {
    NewTicket q = Fault("");
    q.kind = TicketKind::kConsultation;
    Ticket t = Open(q);
    RequireOk(t.Respond("a", kT0 + minutes(1)));
    const Status s = t.RequestOnsite("a", kT0 + minutes(2));
    CHECK(s.code() == Code::kFailedPrecondition);
    CHECK(s.reason() == "TICKET_KIND_FORBIDS_STEP");
  }
}

TEST_CASE("Ticket: a step cannot happen before the last change", "[ticket]") {
  Ticket t = Open();
  RequireOk(t.Respond("a", kT0 + minutes(10)));
  const Status s = t.BeginHandling("a", kT0 + minutes(9));
  CHECK(s.reason() == "TIME_BEFORE_LAST_CHANGE");
  CHECK(Fields(s) == std::vector<std::string>{"time"});
}

// --- pause and resume --------------------------------------------------------

TEST_CASE("Ticket: pause and resume push the running clocks out", "[ticket]") {
  Ticket t = Open();  // major, city: FR 1h, HANDLING 4h, ONSITE 2h
  RequireOk(t.Respond("a", kT0 + minutes(10)));
  RequireOk(t.Pause("a", kT0 + minutes(30), PauseReason::kCustomerUnreachable, "电话无人接听"));
  CHECK(t.paused());
  CHECK(StateOf(t, ClockKind::kHandling) == ClockState::kPaused);
  CHECK(StateOf(t, ClockKind::kOnsiteArrival) == ClockState::kPaused);
  CHECK(StateOf(t, ClockKind::kFirstResponse) == ClockState::kMet);  // untouched
  CHECK(t.Pause("a", kT0 + minutes(31), PauseReason::kSiteClosed).reason() ==
        "TICKET_ALREADY_PAUSED");

  RequireOk(t.Resume("a", kT0 + minutes(150), "客户回电"));
  CHECK_FALSE(t.paused());
  CHECK(Clock(t, ClockKind::kHandling).due == kT0 + hours(6));
  CHECK(Clock(t, ClockKind::kOnsiteArrival).due == kT0 + hours(4));
  CHECK(Clock(t, ClockKind::kHandling).paused_total == hours(2));
  CHECK(t.Resume("a", kT0 + minutes(151)).reason() == "TICKET_NOT_PAUSED");

  const auto& h = t.record().history;
  REQUIRE(h.size() == 4);
  CHECK(h[2].kind == HistoryKind::kPaused);
  CHECK(h[2].detail.find("CUSTOMER_UNREACHABLE") != std::string::npos);
  CHECK(h[2].detail.find("电话无人接听") != std::string::npos);
  CHECK(h[3].kind == HistoryKind::kResumed);
  CHECK(h[3].time == kT0 + minutes(150));
}

TEST_CASE("Ticket: an overdue clock keeps running through a pause", "[ticket]") {
  Ticket t = Open();
  RequireOk(t.Pause("a", kT0 + minutes(70), PauseReason::kCustomerUnreachable));
  CHECK(StateOf(t, ClockKind::kFirstResponse) == ClockState::kRunning);  // due at +60
  CHECK(StateOf(t, ClockKind::kHandling) == ClockState::kPaused);
  RequireOk(t.BreachClock(ClockKind::kFirstResponse, "sweeper", kT0 + minutes(71)));
}

TEST_CASE("Ticket: any step on a paused ticket resumes it first", "[ticket]") {
  Ticket t = Open();
  RequireOk(t.Pause("a", kT0 + minutes(10), PauseReason::kSiteClosed));
  RequireOk(t.Respond("a", kT0 + minutes(100)));
  CHECK_FALSE(t.paused());
  CHECK(StateOf(t, ClockKind::kFirstResponse) == ClockState::kMet);  // frozen at 10 of 60 min
  CHECK(Clock(t, ClockKind::kHandling).due == kT0 + hours(4) + minutes(90));
  CHECK(HistoryKinds(t) == std::vector<HistoryKind>{HistoryKind::kReported, HistoryKind::kPaused,
                                                    HistoryKind::kResumed,
                                                    HistoryKind::kResponded});
}

TEST_CASE("Ticket: a paused consultation does not lose business time over a weekend", "[ticket]") {
  NewTicket q = Fault("");
  q.kind = TicketKind::kConsultation;
  Ticket t = Open(q, Local("2024-03-08 17:00"));  // Friday; 1 h FR ends at closing time
  CHECK(Clock(t, ClockKind::kFirstResponse).due == Local("2024-03-08 18:00"));
  RequireOk(t.Pause("a", Local("2024-03-08 17:30"), PauseReason::kCustomerUnreachable));
  RequireOk(t.Resume("a", Local("2024-03-11 10:00")));
  // 30 business minutes were left at the pause; the weekend cost none.
  CHECK(Clock(t, ClockKind::kFirstResponse).due == Local("2024-03-11 10:30"));
}

// --- the deadline sweeper ----------------------------------------------------

TEST_CASE("Ticket: warnings at 75% and breaches after due, in the history", "[ticket]") {
  Ticket t = Open();
  CHECK(t.NextClockEvent() == kT0 + minutes(45));  // FIRST_RESPONSE warns at 75% of 1 h
  CHECK(t.WarnClock(ClockKind::kFirstResponse, "sweeper", kT0 + minutes(44)).reason() ==
        "CLOCK_NOT_DUE_FOR_WARNING");
  RequireOk(t.WarnClock(ClockKind::kFirstResponse, "sweeper", kT0 + minutes(45)));
  CHECK(StateOf(t, ClockKind::kFirstResponse) == ClockState::kWarned);
  CHECK(t.BreachClock(ClockKind::kFirstResponse, "sweeper", kT0 + minutes(60)).reason() ==
        "CLOCK_NOT_DUE");
  RequireOk(t.BreachClock(ClockKind::kFirstResponse, "sweeper", kT0 + minutes(61)));
  CHECK(StateOf(t, ClockKind::kFirstResponse) == ClockState::kBreached);
  // The late response is still recorded, and the breach is not announced twice.
  RequireOk(t.Respond("a", kT0 + minutes(70)));
  CHECK(Clock(t, ClockKind::kFirstResponse).met_at == kT0 + minutes(70));
  CHECK(HistoryKinds(t) ==
        std::vector<HistoryKind>{HistoryKind::kReported, HistoryKind::kClockWarned,
                                 HistoryKind::kClockBreached, HistoryKind::kResponded});
  CHECK(t.WarnClock(ClockKind::kRepair, "sweeper", kT0 + minutes(71)).reason() ==
        "CLOCK_NOT_STARTED");
}

TEST_CASE("Ticket: restore keeps the record", "[ticket]") {
  Ticket t = Open();
  RequireOk(t.Respond("a", kT0 + minutes(10)));
  Ticket back = Ticket::Restore(t.record());
  CHECK(back.status() == TicketStatus::kResponded);
  RequireOk(back.RequestOnsite("a", kT0 + minutes(20)));
  CHECK(back.status() == TicketStatus::kAwaitingOnsite);
}

TEST_CASE("Ticket: notes from other services add history without moving the ticket", "[ticket]") {
  Ticket t = Open();
  REQUIRE(t.Annotate(HistoryKind::kComplaintOpened, "system:followup", kT0 + minutes(5), "too slow")
              .ok());
  CHECK(t.status() == TicketStatus::kOpen);
  CHECK(t.record().history.back().kind == HistoryKind::kComplaintOpened);
  CHECK(t.record().history.back().detail == "too slow");
  // Only note kinds: a status change cannot be forged as a note.
  const auto before = t.record().history.size();
  CHECK(t.Annotate(HistoryKind::kResolved, "x", kT0 + minutes(6), "").code() ==
        Code::kInvalidArgument);
  CHECK(t.Annotate(HistoryKind::kDiagnosed, "", kT0 + minutes(6), "d").code() ==
        Code::kInvalidArgument);
  CHECK(t.record().history.size() == before);
}

}  // namespace
}  // namespace aftersales::intake

#include "services/dispatch/domain/work_order.h"

#include <catch2/catch.hpp>

#include "services/dispatch/domain/tests/test_support.h"

namespace aftersales::dispatch {
namespace {

using namespace testing;

NewWorkOrder Spec(AssetCategory category = AssetCategory::kController, bool warranty = true) {
  NewWorkOrder s;
  s.id = "WO-1";
  s.ticket_number = "F-1001";
  s.engineer_id = "eng-1";
  s.severity = Severity::kMajor;
  s.asset_category = category;
  s.under_warranty = warranty;
  s.reported_at = MondayTen();
  s.onsite_due = MondayTen() + 2h;
  return s;
}

WorkOrder Make(NewWorkOrder spec = Spec()) {
  Result<WorkOrder> w = WorkOrder::Create(std::move(spec), MondayTen());
  REQUIRE(w.ok());
  return std::move(w).value();
}

// Takes a fresh work order to ON_SITE, arriving `after` the report.
WorkOrder OnSite(Duration after, NewWorkOrder spec = Spec()) {
  WorkOrder w = Make(std::move(spec));
  const TimePoint t = MondayTen();
  REQUIRE(w.Accept("eng-1", t + 1min).ok());
  REQUIRE(w.StartTravel("eng-1", t + 2min).ok());
  REQUIRE(w.Arrive("eng-1", t + after).ok());
  return w;
}

CompletionReport Fixed() {
  CompletionReport r;
  r.findings = "barrier controller board burnt";
  r.actions = "replaced controller board";
  r.fixed = true;
  r.parts_used = {{"CTRL-BRD-7", 1, "van-eng-1", "SN-NEW-1", "SN-OLD-1"}};
  return r;
}

void RequireForbidden(const Status& s, const std::string& current) {
  REQUIRE(s.code() == Code::kFailedPrecondition);
  CHECK(s.reason() == "WORK_ORDER_STATE_FORBIDS_STEP");
  CHECK(s.message().find(current) != std::string::npos);
}

TEST_CASE("a work order runs from ASSIGNED to SIGNED_OFF with a history entry per step",
          "[work_order]") {
  WorkOrder w = OnSite(90min);
  const TimePoint t = MondayTen();
  REQUIRE(w.Complete("eng-1", Fixed(), t + 3h).ok());
  REQUIRE(w.SignOff("eng-1", {"Ms Li", 5, "quick and tidy"}, t + 3h + 5min).ok());
  CHECK(w.status() == WorkOrderStatus::kSignedOff);
  const auto& h = w.history();
  REQUIRE(h.size() == 6);
  const WorkOrderStatus expected[] = {WorkOrderStatus::kAssigned,   WorkOrderStatus::kAccepted,
                                      WorkOrderStatus::kTravelling, WorkOrderStatus::kOnSite,
                                      WorkOrderStatus::kWorkDone,   WorkOrderStatus::kSignedOff};
  for (size_t i = 0; i < h.size(); ++i) {
    CHECK(h[i].to == expected[i]);
    if (i > 0) CHECK(h[i].from == expected[i - 1]);
  }
  CHECK(h[3].at == t + 90min);
  CHECK(w.sign_off()->signed_by == "Ms Li");
  CHECK(w.completion()->parts_used[0].serial_out == "SN-OLD-1");
}

TEST_CASE("steps the status forbids are refused and name the current status", "[work_order]") {
  const TimePoint t = MondayTen();
  WorkOrder w = Make();
  RequireForbidden(w.StartTravel("eng-1", t), "ASSIGNED");
  RequireForbidden(w.Arrive("eng-1", t), "ASSIGNED");
  RequireForbidden(w.Complete("eng-1", Fixed(), t), "ASSIGNED");
  RequireForbidden(w.SignOff("eng-1", {"x", 5, ""}, t), "ASSIGNED");
  REQUIRE(w.Accept("eng-1", t).ok());
  RequireForbidden(w.Accept("eng-1", t), "ACCEPTED");
  RequireForbidden(w.Decline("eng-1", "too far", t), "ACCEPTED");
  RequireForbidden(w.Arrive("eng-1", t), "ACCEPTED");
  REQUIRE(w.StartTravel("eng-1", t).ok());
  RequireForbidden(w.Complete("eng-1", Fixed(), t), "TRAVELLING");
  REQUIRE(w.Arrive("eng-1", t).ok());
  REQUIRE(w.Complete("eng-1", Fixed(), t).ok());
  RequireForbidden(w.Cancel("dispatcher", "ticket closed", t), "WORK_DONE");
  CHECK(w.history().size() == 5);  // refused steps leave no trace
}

TEST_CASE("a declined work order is finished with", "[work_order]") {
  const TimePoint t = MondayTen();
  WorkOrder w = Make();
  CHECK(w.Decline("eng-1", "", t).code() == Code::kInvalidArgument);
  REQUIRE(w.Decline("eng-1", "sick", t).ok());
  CHECK(w.status() == WorkOrderStatus::kDeclined);
  RequireForbidden(w.Accept("eng-1", t), "DECLINED");
  RequireForbidden(w.Cancel("dispatcher", "x", t), "DECLINED");
}

TEST_CASE("cancel is allowed from every status before WORK_DONE and cancels the clocks",
          "[work_order]") {
  const TimePoint t = MondayTen();
  WorkOrder assigned = Make();
  REQUIRE(assigned.Cancel("dispatcher", "pre-empted by emergency", t).ok());
  CHECK(assigned.status() == WorkOrderStatus::kCancelled);
  CHECK(assigned.onsite_clock().state == ClockState::kCancelled);
  WorkOrder on_site = OnSite(1h);
  REQUIRE(on_site.Cancel("dispatcher", "ticket closed", t + 2h).ok());
  CHECK(on_site.onsite_clock().state == ClockState::kMet);  // already stopped: stays met
  CHECK(on_site.repair_clock()->state == ClockState::kCancelled);
  RequireForbidden(on_site.Cancel("dispatcher", "again", t), "CANCELLED");
}

TEST_CASE("another engineer's work order looks like a missing one", "[work_order]") {
  const TimePoint t = MondayTen();
  WorkOrder w = Make();
  for (const Status& s : {w.Accept("eng-2", t), w.Decline("eng-2", "no", t),
                          w.StartTravel("eng-2", t), w.Arrive("eng-2", t),
                          w.Complete("eng-2", Fixed(), t), w.SignOff("eng-2", {"x", 5, ""}, t)}) {
    CHECK(s.code() == Code::kNotFound);
    CHECK(s.reason() == "WORK_ORDER_NOT_FOUND");
    CHECK(s.message().find("ASSIGNED") == std::string::npos);  // no state leaks
  }
  CHECK(w.status() == WorkOrderStatus::kAssigned);
}

TEST_CASE("arrival meets or breaches ONSITE_ARRIVAL by time", "[work_order][clock]") {
  WorkOrder in_time = OnSite(2h);  // exactly at due
  CHECK(in_time.onsite_clock().state == ClockState::kMet);
  CHECK(*in_time.onsite_clock().stopped_at == MondayTen() + 2h);
  WorkOrder late = OnSite(2h + 1s);
  CHECK(late.onsite_clock().state == ClockState::kBreached);
}

TEST_CASE("arrival starts REPAIR: 3 days for main equipment, 1 day for accessories",
          "[work_order][clock]") {
  const TimePoint arrival = MondayTen() + 1h;
  for (AssetCategory c :
       {AssetCategory::kMainframe, AssetCategory::kController, AssetCategory::kTerminal}) {
    WorkOrder w = OnSite(1h, Spec(c));
    REQUIRE(w.repair_clock().has_value());
    CHECK(w.repair_clock()->start == arrival);
    CHECK(w.repair_clock()->due == arrival + 72h);
  }
  WorkOrder accessory = OnSite(1h, Spec(AssetCategory::kAccessory));
  CHECK(accessory.repair_clock()->due == arrival + 24h);
  CHECK_FALSE(OnSite(1h, Spec(AssetCategory::kConsumable)).repair_clock().has_value());

  // The policy is data: a contract can tighten it.
  WorkOrder w = Make(Spec(AssetCategory::kMainframe));
  REQUIRE(w.Accept("eng-1", arrival).ok());
  REQUIRE(w.StartTravel("eng-1", arrival).ok());
  RepairPolicy tight;
  tight.repair_time[AssetCategory::kMainframe] = 8h;
  REQUIRE(w.Arrive("eng-1", arrival, tight).ok());
  CHECK(w.repair_clock()->due == arrival + 8h);
}

TEST_CASE("a fixed fault stops REPAIR and one not fixed keeps it running", "[work_order][clock]") {
  WorkOrder fixed = OnSite(1h);
  REQUIRE(fixed.Complete("eng-1", Fixed(), MondayTen() + 5h).ok());
  CHECK(fixed.repair_clock()->state == ClockState::kMet);

  WorkOrder waiting = OnSite(1h);
  CompletionReport r = Fixed();
  r.fixed = false;
  CHECK(waiting.Complete("eng-1", r, MondayTen() + 5h).field_violations().at(0).field == "outcome");
  r.outcome = NotFixedOutcome::kWaitingForParts;
  REQUIRE(waiting.Complete("eng-1", r, MondayTen() + 5h).ok());
  CHECK(waiting.repair_clock()->state == ClockState::kRunning);
  CHECK(waiting.completion()->outcome == NotFixedOutcome::kWaitingForParts);
}

TEST_CASE("fees on warranty work are refused unless an exclusion was recorded", "[work_order]") {
  CompletionReport paid = Fixed();
  paid.fees = {{"on-site fee", {"CNY", 30000}}, {"travel", {"CNY", 8000}}};

  WorkOrder warranty = OnSite(1h);
  const Status s = warranty.Complete("eng-1", paid, MondayTen() + 3h);
  CHECK(s.code() == Code::kFailedPrecondition);
  CHECK(s.reason() == "FEES_ON_WARRANTY_WORK");
  CHECK(warranty.status() == WorkOrderStatus::kOnSite);

  CompletionReport excluded = paid;
  excluded.exclusion = WarrantyExclusion{ExclusionKind::kMisuse, "barrier arm forced by hand"};
  CHECK(warranty.Complete("eng-1", excluded, MondayTen() + 3h).ok());

  NewWorkOrder decided = Spec();
  decided.exclusion = WarrantyExclusion{ExclusionKind::kCustomerRepaired, "opened by customer"};
  CHECK(OnSite(1h, decided).Complete("eng-1", paid, MondayTen() + 3h).ok());

  CHECK(OnSite(1h, Spec(AssetCategory::kController, false))
            .Complete("eng-1", paid, MondayTen() + 3h)
            .ok());
}

TEST_CASE("completion input is validated field by field", "[work_order]") {
  WorkOrder w = OnSite(1h);
  CompletionReport r = Fixed();
  r.findings = "";
  r.parts_used[0].quantity = 0;
  r.equipment_taken = {{"faulty controller", "SN-OLD-1"}};
  r.fees = {{"travel", {"cny", -5}}};
  const Status s = w.Complete("eng-1", r, MondayTen() + 2h);
  REQUIRE(s.code() == Code::kInvalidArgument);
  std::vector<std::string> fields;
  for (const auto& v : s.field_violations()) fields.push_back(v.field);
  CHECK(fields == std::vector<std::string>{"findings", "parts_used[0].quantity", "receipt_number",
                                           "fees[0].amount.currency",
                                           "fees[0].amount.minor_units"});
}

TEST_CASE("a second visit for the same ticket counts as a repeat visit", "[work_order]") {
  std::vector<WorkOrder> earlier;
  CHECK(NextVisitNumber(earlier) == 1);
  WorkOrder declined = Make();
  REQUIRE(declined.Decline("eng-1", "sick", MondayTen()).ok());
  earlier.push_back(declined);
  CHECK(NextVisitNumber(earlier) == 1);  // never reached the site: not a visit

  WorkOrder first = OnSite(1h);
  CompletionReport r = Fixed();
  r.fixed = false;
  r.outcome = NotFixedOutcome::kSecondVisit;
  REQUIRE(first.Complete("eng-1", r, MondayTen() + 2h).ok());
  earlier.push_back(first);
  NewWorkOrder again = Spec();
  again.id = "WO-2";
  again.visit_number = NextVisitNumber(earlier);
  CHECK(again.visit_number == 2);
  CHECK(Make(again).is_repeat_visit());
  CHECK_FALSE(first.is_repeat_visit());
}

TEST_CASE("creating a work order validates its fields", "[work_order]") {
  NewWorkOrder s = Spec();
  s.engineer_id = "";
  s.onsite_due = s.reported_at - 1min;
  const Result<WorkOrder> w = WorkOrder::Create(s, MondayTen());
  REQUIRE(w.status().code() == Code::kInvalidArgument);
  CHECK(w.status().field_violations().size() == 2);
}

}  // namespace
}  // namespace aftersales::dispatch

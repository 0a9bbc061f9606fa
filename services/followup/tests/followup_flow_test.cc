// Followups created from other services' events, against a real redis-server.
#include <thread>

#include "services/followup/tests/followup_fixture.h"

using namespace aftersales;
using namespace aftersales::followup;
using namespace aftersales::followup::testing;
using namespace std::chrono_literals;
namespace ev = aftersales::events::v1;

TEST_CASE("a signed-off work order produces one return visit even when delivered twice") {
  Fixture fx;
  const TimePoint signed_at = Day("2026-01-05") + 10h;
  ev::WorkOrderSignedOff so;
  so.set_work_order_id("WO-1");
  so.set_ticket_number("T-1");
  so.set_customer_id("C-1");
  so.set_asset_serial("SN-1");
  *so.mutable_sign_off_time() = Ts(signed_at);
  const std::string id = fx.Publish(kDispatchEvents, so, "WO-1", signed_at);
  fx.Publish(kDispatchEvents, so, "WO-1", signed_at, id);  // the same event again
  // Intake announces the same service as the ticket resolved by that work order.
  ev::TicketResolved resolved;
  resolved.set_ticket_number("T-1");
  resolved.set_customer_id("C-1");
  resolved.set_work_order_id("WO-1");
  *resolved.mutable_resolve_time() = Ts(signed_at);
  fx.Publish(kIntakeEvents, resolved, "T-1", signed_at);
  fx.Drain();
  // A redelivery that slips past the consumer's own check changes nothing either.
  streams::Event again;
  again.event_id = id;
  again.type = "aftersales.events.v1.WorkOrderSignedOff";
  again.payload = so.SerializeAsString();
  again.time_ms = ToUnixMillis(signed_at);
  REQUIRE(HandleEvent(*fx.store, again).ok());

  auto visits = fx.Tasks(TaskKind::kReturnVisit);
  REQUIRE(visits.size() == 1);
  CHECK(visits[0].due == signed_at + 72h);
  CHECK(visits[0].ticket_number == "T-1");
  CHECK(visits[0].customer_id == "C-1");
  CHECK(visits[0].status == TaskStatus::kOpen);
}

TEST_CASE("a low rating produces one complaint") {
  Fixture fx;
  ev::WorkOrderSignedOff so;
  so.set_work_order_id("WO-2");
  so.set_ticket_number("T-2");
  so.set_customer_id("C-2");
  fx.Publish(kDispatchEvents, so, "WO-2", fx.clock.Now());
  fx.Drain();
  auto visits = fx.Tasks(TaskKind::kReturnVisit);
  REQUIRE(visits.size() == 1);
  fx.clock.Advance(26h);

  auto done = fx.store->CompleteTask(visits[0].id, {2, "engineer left a mess", false}, "staff:ann",
                                     "req-1");
  REQUIRE(done.ok());
  // The same request again (a client retry) changes nothing.
  auto retry = fx.store->CompleteTask(visits[0].id, {2, "engineer left a mess", false}, "staff:ann",
                                      "req-1");
  REQUIRE(retry.ok());
  CHECK(retry->outcome.complaint_id == done->outcome.complaint_id);
  // A second, different answer is refused.
  auto second = fx.store->CompleteTask(visits[0].id, {1, "", false}, "staff:bob", "req-2");
  CHECK(second.status().code() == Code::kFailedPrecondition);

  auto complaints = fx.store->ListComplaints({}, 50, 0);
  REQUIRE(complaints.ok());
  REQUIRE(complaints->items.size() == 1);
  const Complaint& k = complaints->items[0];
  CHECK(k.id == done->outcome.complaint_id);
  CHECK(k.customer_id == "C-2");
  CHECK(k.ticket_number == "T-2");
  CHECK(k.followup_id == visits[0].id);
  CHECK(k.status == ComplaintStatus::kReceived);
  CHECK(k.resolve_due == fx.clock.Now() + 72h);
  auto opened = fx.Events<ev::ComplaintOpened>(kFollowupEvents);
  REQUIRE(opened.size() == 1);
  CHECK(opened[0].satisfaction() == 2);

  // A happy answer opens nothing.
  so.set_work_order_id("WO-3");
  fx.Publish(kDispatchEvents, so, "WO-3", fx.clock.Now());
  fx.Drain();
  TaskFilter open;
  open.status = TaskStatus::kOpen;
  auto pending = fx.store->ListTasks(open, 50, 0);
  REQUIRE(pending->items.size() == 1);
  REQUIRE(fx.store->CompleteTask(pending->items[0].id, {5, "great", false}, "s", "req-3").ok());
  CHECK(fx.store->ListComplaints({}, 50, 0)->items.size() == 1);
}

TEST_CASE("a phone fix produces one reconfirmation and fault back publishes ReconfirmFailed") {
  Fixture fx;
  const TimePoint fixed = Day("2026-01-02") + 9h;
  ev::TicketResolvedByPhone phone;
  phone.set_ticket_number("T-3");
  phone.set_customer_id("C-3");
  *phone.mutable_resolve_time() = Ts(fixed);
  const std::string id = fx.Publish(kIntakeEvents, phone, "T-3", fixed);
  fx.Publish(kIntakeEvents, phone, "T-3", fixed, id);
  fx.Drain();
  auto reconfirms = fx.Tasks(TaskKind::kReconfirm);
  REQUIRE(reconfirms.size() == 1);
  CHECK(reconfirms[0].due == fixed + 24h);
  CHECK(fx.Tasks(TaskKind::kReturnVisit).empty());

  fx.clock.Set(fixed + 24h);
  auto done = fx.store->CompleteTask(reconfirms[0].id, {0, "printer jams again", true}, "staff:ann",
                                     "req-9");
  REQUIRE(done.ok());
  CHECK(done->outcome.fault_back);
  auto failed = fx.Events<ev::ReconfirmFailed>(kFollowupEvents);
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].ticket_number() == "T-3");
  CHECK(failed[0].followup_id() == reconfirms[0].id);
  CHECK(failed[0].comment() == "printer jams again");
}

TEST_CASE("a reconfirmation that holds publishes nothing") {
  Fixture fx;
  ev::TicketResolvedByPhone phone;
  phone.set_ticket_number("T-4");
  phone.set_customer_id("C-4");
  *phone.mutable_reconfirm_due_time() = Ts(fx.clock.Now() + 30h);
  fx.Publish(kIntakeEvents, phone, "T-4", fx.clock.Now());
  fx.Drain();
  auto reconfirms = fx.Tasks(TaskKind::kReconfirm);
  REQUIRE(reconfirms.size() == 1);
  CHECK(reconfirms[0].due == fx.clock.Now() + 30h);
  REQUIRE(fx.store->CompleteTask(reconfirms[0].id, {0, "", false}, "s", "r").ok());
  CHECK(fx.Events<ev::ReconfirmFailed>(kFollowupEvents).empty());
}

TEST_CASE("a plan produces the right visit dates across the first 3 months and after") {
  Fixture fx;
  fx.clock.Set(Day("2026-01-01") + 8h);
  auto plan = fx.store->CreatePlan("SITE-1", "SN-9", "C-9", 3 /*quarterly*/, "2026-01-01", "p1");
  REQUIRE(plan.ok());
  CHECK(plan->next_visit == Day("2026-01-15"));
  // Two workers fire the timers at once, every day for 10 months.
  for (int day = 1; day <= 300; ++day) {
    fx.clock.Set(Day("2026-01-01") + 24h * day + 1h);
    // Catch's assertions are not thread-safe: the other worker only records.
    bool other_ok = false;
    std::thread other([&] { other_ok = FireDueOnce(*fx.store, fx.notifier).ok(); });
    REQUIRE(FireDueOnce(*fx.store, fx.notifier).ok());
    other.join();
    REQUIRE(other_ok);
  }
  auto visits = fx.Tasks(TaskKind::kMaintenance);
  std::vector<std::string> dates;
  for (const auto& t : visits) dates.push_back(CivilDate::FromTime(t.due).ToString());
  std::sort(dates.begin(), dates.end());
  CHECK(dates == std::vector<std::string>{"2026-01-15", "2026-01-29", "2026-02-12", "2026-02-26",
                                          "2026-03-12", "2026-03-26", "2026-04-01", "2026-07-01",
                                          "2026-10-01"});
  auto due_events = fx.Events<ev::MaintenanceVisitDue>(kFollowupEvents);
  CHECK(due_events.size() == dates.size());
  CHECK(due_events[0].site_id() == "SITE-1");
  CHECK(due_events[0].maintenance_plan_id() == plan->id);
  CHECK(fx.notifier.sent.size() == dates.size());
  CHECK(fx.store->GetPlan(plan->id)->next_visit == Day("2027-01-01"));
}

TEST_CASE("faults more often than visits shorten the plan") {
  Fixture fx;
  fx.clock.Set(Day("2026-05-01"));
  auto plan = fx.store->CreatePlan("SITE-2", "SN-2", "C-2", 3, "2026-01-01", "p2");
  REQUIRE(plan.ok());
  CHECK(plan->next_visit == Day("2026-07-01"));
  for (const char* day : {"2026-05-03", "2026-05-20"}) {
    ev::TicketReported r;
    r.set_ticket_number(std::string("T-") + day);
    r.set_kind(common::v1::FAULT);
    r.set_customer_id("C-2");
    r.set_site_id("SITE-2");
    r.set_asset_serial("SN-2");
    *r.mutable_report_time() = Ts(Day(day));
    fx.Publish(kIntakeEvents, r, "T", Day(day));
  }
  fx.Drain();
  auto p = fx.store->GetPlan(plan->id);
  REQUIRE(p.ok());
  CHECK(p->cadence == Cadence::kMonthly);
  CHECK(p->contract_cadence == Cadence::kQuarterly);
  CHECK(p->next_visit == Day("2026-06-01"));
}

TEST_CASE("an expiry produces one reminder 10 days before") {
  Fixture fx;
  for (const char* ticket : {"T-5", "T-6"}) {
    ev::TicketReported r;
    r.set_ticket_number(ticket);
    r.set_kind(common::v1::FAULT);
    r.set_customer_id("C-5");
    r.set_asset_serial("SN-5");
    r.mutable_warranty()->set_covered(true);
    r.mutable_warranty()->set_basis(common::v1::CONTRACT);
    r.mutable_warranty()->set_until("2026-03-31");
    *r.mutable_report_time() = Ts(fx.clock.Now());
    const std::string id = fx.Publish(kIntakeEvents, r, ticket, fx.clock.Now());
    fx.Publish(kIntakeEvents, r, ticket, fx.clock.Now(), id);
  }
  fx.Drain();
  auto reminders = fx.Tasks(TaskKind::kWarrantyExpiry);
  REQUIRE(reminders.size() == 1);
  CHECK(reminders[0].due == Day("2026-03-21"));
  CHECK(reminders[0].customer_id == "C-5");
  CHECK(reminders[0].asset_serial == "SN-5");
  // A renewed contract is a new expiry: a new reminder.
  ev::TicketReported renewed;
  renewed.set_ticket_number("T-7");
  renewed.set_customer_id("C-5");
  renewed.set_asset_serial("SN-5");
  renewed.mutable_warranty()->set_until("2027-03-31");
  fx.Publish(kIntakeEvents, renewed, "T-7", fx.clock.Now());
  fx.Drain();
  CHECK(fx.Tasks(TaskKind::kWarrantyExpiry).size() == 2);
}

TEST_CASE("an unresolved complaint escalates once per level and tells the right person") {
  Fixture fx;
  auto k = fx.store->CreateComplaint("C-8", "T-8", "nobody came", "customer:C-8", "k1");
  REQUIRE(k.ok());
  auto same = fx.store->CreateComplaint("C-8", "T-8", "nobody came", "customer:C-8", "k1");
  CHECK(same->id == k->id);
  fx.clock.Advance(71h);
  CHECK(*FireDueOnce(*fx.store, fx.notifier) == 0);
  fx.clock.Advance(1h);
  CHECK(*FireDueOnce(*fx.store, fx.notifier) == 1);
  CHECK(*FireDueOnce(*fx.store, fx.notifier) == 0);
  CHECK(fx.store->GetComplaint(k->id)->escalation_level == 1);
  fx.clock.Advance(24h);
  CHECK(*FireDueOnce(*fx.store, fx.notifier) == 1);
  auto escalated = fx.store->GetComplaint(k->id);
  CHECK(escalated->escalation_level == 2);
  CHECK(escalated->steps.size() == 3);
  REQUIRE(fx.notifier.sent.size() == 2);
  CHECK(fx.notifier.sent[0].audience == "after-sales-lead");
  CHECK(fx.notifier.sent[1].audience == "manager");
  CHECK(fx.Events<ev::ComplaintEscalated>(kFollowupEvents).size() == 2);
}

TEST_CASE("complaint steps are recorded and forbidden steps refused") {
  Fixture fx;
  auto k = fx.store->CreateComplaint("C-1", "", "rude call", "customer:C-1", "");
  REQUIRE(k.ok());
  auto bad = fx.store->AdvanceComplaint(k->id, ComplaintStatus::kConfirmed, "", "s", "");
  CHECK(bad.status().code() == Code::kFailedPrecondition);
  REQUIRE(fx.store
              ->AdvanceComplaint(k->id, ComplaintStatus::kInvestigating, "calling back",
                                 "staff:ann", "a1")
              .ok());
  REQUIRE(fx.store
              ->AdvanceComplaint(k->id, ComplaintStatus::kInvestigating, "calling back",
                                 "staff:ann", "a1")
              .ok());  // retried request
  REQUIRE(
      fx.store->AdvanceComplaint(k->id, ComplaintStatus::kResolved, "apologised", "staff:ann", "a2")
          .ok());
  auto got = fx.store->GetComplaint(k->id);
  REQUIRE(got->steps.size() == 3);
  CHECK(got->steps[1].note == "calling back");
  CHECK(got->steps[1].actor == "staff:ann");
  CHECK(got->steps[2].status == ComplaintStatus::kResolved);
  CHECK(got->status == ComplaintStatus::kResolved);
  // Resolved in time: the deadline passing escalates nothing.
  fx.clock.Advance(200h);
  CHECK(*FireDueOnce(*fx.store, fx.notifier) == 0);
  CHECK(fx.store->GetComplaint(k->id)->escalation_level == 0);
}

TEST_CASE("a product notice makes one task per customer owning that model") {
  Fixture fx;
  int n = 0;
  for (const auto& [customer, model] : std::vector<std::pair<std::string, std::string>>{
           {"C-1", "GATE-200"}, {"C-1", "GATE-200"}, {"C-2", "GATE-200"}, {"C-3", "GATE-300"}}) {
    ev::TicketReported r;
    r.set_ticket_number("T-" + std::to_string(++n));
    r.set_customer_id(customer);
    r.set_asset_serial("SN-" + std::to_string(n));
    r.set_asset_model(model);
    fx.Publish(kIntakeEvents, r, "T", fx.clock.Now());
  }
  fx.Drain();
  auto tasks = fx.store->NotifyModel("N-1", "GATE-200", "GATE-200 withdrawn: upgrade offer");
  REQUIRE(tasks.ok());
  REQUIRE(tasks->size() == 2);
  CHECK((*tasks)[0].customer_id == "C-1");
  CHECK((*tasks)[1].customer_id == "C-2");
  REQUIRE(fx.store->NotifyModel("N-1", "GATE-200", "again").ok());
  CHECK(fx.Tasks(TaskKind::kProductNotice).size() == 2);
}

TEST_CASE("an open followup falling due is told to care staff once with the ticket's contact") {
  Fixture fx;
  ev::TicketOnsiteRequested onsite;
  onsite.set_ticket_number("T-1");
  onsite.set_contact_name("Li Wei");
  onsite.set_contact_phone("+86 139 0000 0000");
  fx.Publish(kIntakeEvents, onsite, "T-1", fx.clock.Now());
  for (const char* wo : {"WO-1", "WO-2"}) {
    ev::WorkOrderSignedOff so;
    so.set_work_order_id(wo);
    so.set_ticket_number(wo == std::string("WO-1") ? "T-1" : "T-2");
    so.set_customer_id("C-1");
    *so.mutable_sign_off_time() = Ts(fx.clock.Now());
    fx.Publish(kDispatchEvents, so, wo, fx.clock.Now());
  }
  fx.Drain();
  // The second one is answered in time: nobody needs reminding of it.
  for (const auto& t : fx.Tasks(TaskKind::kReturnVisit)) {
    if (t.ticket_number == "T-2")
      REQUIRE(fx.store->CompleteTask(t.id, {4, "", false}, "s", "").ok());
  }
  fx.clock.Advance(71h);
  CHECK(*FireDueOnce(*fx.store, fx.notifier) == 0);
  fx.clock.Advance(1h);
  CHECK(*FireDueOnce(*fx.store, fx.notifier) == 1);
  CHECK(*FireDueOnce(*fx.store, fx.notifier) == 0);
  REQUIRE(fx.notifier.sent.size() == 1);
  CHECK(fx.notifier.sent[0].kind == "FOLLOWUP_DUE");
  CHECK(fx.notifier.sent[0].ticket_number == "T-1");
  CHECK(fx.notifier.sent[0].audience == "care-staff");
  CHECK(fx.notifier.sent[0].text.find("Li Wei +86 139 0000 0000") != std::string::npos);
}

TEST_CASE("a signed-off maintenance work order completes its visit once, with no return visit") {
  Fixture fx;
  fx.clock.Set(Day("2026-01-01") + 8h);
  auto plan = fx.store->CreatePlan("SITE-3", "SN-3", "C-3", 2 /*monthly*/, "2026-01-01", "p3");
  REQUIRE(plan.ok());
  fx.clock.Set(Day("2026-01-15") + 1h);
  REQUIRE(FireDueOnce(*fx.store, fx.notifier).ok());
  auto visits = fx.Tasks(TaskKind::kMaintenance);
  REQUIRE(visits.size() == 1);
  REQUIRE(visits[0].status == TaskStatus::kOpen);

  fx.clock.Advance(5h);
  ev::WorkOrderSignedOff so;
  so.set_work_order_id("WO-M1");
  so.set_engineer_id("ENG-7");
  so.set_customer_id("C-3");
  so.set_asset_serial("SN-3");
  so.set_kind("MAINTENANCE");
  so.set_followup_id(visits[0].id);
  so.set_maintenance_plan_id(plan->id);
  so.set_findings("gate motor worn; greased");
  *so.mutable_sign_off_time() = Ts(fx.clock.Now());
  const std::string id = fx.Publish(kDispatchEvents, so, "WO-M1", fx.clock.Now());
  fx.Publish(kDispatchEvents, so, "WO-M1", fx.clock.Now());  // published again, new event id
  fx.Drain();
  // A redelivery that slips past the consumer's own check changes nothing either.
  streams::Event again;
  again.event_id = id;
  again.type = "aftersales.events.v1.WorkOrderSignedOff";
  again.payload = so.SerializeAsString();
  again.time_ms = ToUnixMillis(fx.clock.Now());
  REQUIRE(HandleEvent(*fx.store, again).ok());

  auto done = fx.store->GetTask(visits[0].id);
  REQUIRE(done.ok());
  CHECK(done->status == TaskStatus::kDone);
  CHECK(done->outcome.comment == "engineer ENG-7, work order WO-M1: gate motor worn; greased");
  CHECK(done->outcome.satisfaction == 0);
  CHECK(fx.Tasks(TaskKind::kReturnVisit).empty());
  CHECK(fx.Events<ev::FollowupCompleted>(kFollowupEvents).size() == 1);

  // A fault work order's sign-off still makes its return visit.
  ev::WorkOrderSignedOff fault;
  fault.set_work_order_id("WO-F1");
  fault.set_ticket_number("T-9");
  fault.set_customer_id("C-3");
  fault.set_kind("FAULT");
  fx.Publish(kDispatchEvents, fault, "WO-F1", fx.clock.Now());
  fx.Drain();
  CHECK(fx.Tasks(TaskKind::kReturnVisit).size() == 1);
}

TEST_CASE("maintenance work orders count in none of the report's figures") {
  ev::WorkOrderDone done;
  done.set_work_order_id("WO-M2");
  done.set_branch("shanghai");
  done.set_required_skill("parking");
  done.set_fixed(true);
  done.set_visit(1);
  streams::Event e;
  e.event_id = "e-1";
  e.type = "aftersales.events.v1.WorkOrderDone";
  e.time_ms = 1'790'000'000'000;
  done.set_kind("MAINTENANCE");
  e.payload = done.SerializeAsString();
  CHECK_FALSE(ToReportEvent(e).has_value());
  done.set_kind("FAULT");
  e.payload = done.SerializeAsString();
  CHECK(ToReportEvent(e).has_value());
  done.clear_kind();  // published before kinds existed
  e.payload = done.SerializeAsString();
  CHECK(ToReportEvent(e).has_value());

  ev::WorkOrderArrived arrived;
  arrived.set_kind("MAINTENANCE");
  e.type = "aftersales.events.v1.WorkOrderArrived";
  e.payload = arrived.SerializeAsString();
  CHECK_FALSE(ToReportEvent(e).has_value());
}

// The dispatch service end to end in one process: intake's events in, work
// orders through gRPC, dispatch's events out, with a real redis-server.
#include <algorithm>
#include <thread>

#include "services/dispatch/tests/dispatch_fixture.h"

namespace aftersales::dispatch::testing {
namespace {

using Stub = v1::DispatchService::Stub;
using WO = v1::WorkOrder;

// The one work order of a ticket, made by consuming its on-site request.
WO AssignedWorkOrder(DispatchFixture& f, const std::string& ticket) {
  f.PublishToIntake(f.Envelope(f.OnsiteRequest(ticket), ticket));
  auto consumer = MakeIntakeConsumer(f.pool(), f.desk(), f.ConsumerOptionsFor("d-1"));
  REQUIRE(consumer.ok());
  f.Drain(**consumer);
  auto orders = f.WorkOrdersOfTicket(ticket);
  REQUIRE(orders.size() == 1);
  return orders[0];
}

TEST_CASE("an on-site request delivered twice becomes exactly one assigned work order") {
  DispatchFixture f;
  const std::string near = f.OnDutyEngineer("Li Lei", 31.21, 121.5);
  f.OnDutyEngineer("Han Meimei", 31.30, 121.6);
  const auto request = f.OnsiteRequest("T-100");
  const auto event = f.Envelope(request, "T-100");
  f.PublishToIntake(event);
  f.PublishToIntake(event);                         // the same event again
  f.PublishToIntake(f.Envelope(request, "T-100"));  // intake retried with a new event id
  auto consumer = MakeIntakeConsumer(f.pool(), f.desk(), f.ConsumerOptionsFor("d-1"));
  REQUIRE(consumer.ok());
  f.Drain(**consumer);

  const auto orders = f.WorkOrdersOfTicket("T-100");
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].status() == WO::ASSIGNED);
  CHECK(orders[0].engineer_id() == near);  // the nearest arrives first
  CHECK(f.CountEvents("WorkOrderAssigned") == 1);
  CHECK(f.CountEvents("WorkOrderEscalated") == 0);
}

TEST_CASE("the engineer runs a work order to sign-off over gRPC") {
  DispatchFixture f;
  const std::string eng = f.OnDutyEngineer("Li Lei", 31.21, 121.5);
  WO wo = AssignedWorkOrder(f, "T-200");
  REQUIRE(wo.engineer_id() == eng);
  f.inventory().available["BRK-1"] = 5;

  v1::AcceptWorkOrderRequest accept;
  accept.set_work_order_id(wo.id());
  accept.set_request_id("r-accept");
  v1::AcceptWorkOrderResponse accepted;
  REQUIRE(f.Call(&Stub::AcceptWorkOrder, accept, &accepted, Engineer(eng)).ok());
  CHECK(accepted.work_order().status() == WO::ACCEPTED);
  // A retried accept with the same request id answers the same, changes nothing.
  REQUIRE(f.Call(&Stub::AcceptWorkOrder, accept, &accepted, Engineer(eng)).ok());
  CHECK(f.CountEvents("WorkOrderAccepted") == 1);

  v1::DepartWorkOrderRequest depart;
  depart.set_work_order_id(wo.id());
  depart.set_latitude(31.21);
  depart.set_longitude(121.5);
  v1::DepartWorkOrderResponse departed;
  REQUIRE(f.Call(&Stub::DepartWorkOrder, depart, &departed, Engineer(eng)).ok());
  CHECK(departed.work_order().status() == WO::TRAVELLING);

  f.clock().Advance(std::chrono::minutes(20));
  v1::ArriveWorkOrderRequest arrive;
  arrive.set_work_order_id(wo.id());
  arrive.set_latitude(31.2);
  arrive.set_longitude(121.5);
  v1::ArriveWorkOrderResponse arrived;
  REQUIRE(f.Call(&Stub::ArriveWorkOrder, arrive, &arrived, Engineer(eng)).ok());
  CHECK(arrived.work_order().status() == WO::ON_SITE);
  // Main equipment: repaired within 3 days of arrival.
  CHECK(TimeUtil::TimestampToMilliseconds(arrived.work_order().repair_due()) ==
        ToUnixMillis(f.clock().Now() + std::chrono::hours(72)));

  v1::CompleteWorkOrderRequest complete;
  complete.set_work_order_id(wo.id());
  complete.set_findings("barrier motor burnt");
  complete.set_actions("replaced the motor brake");
  complete.set_fixed(true);
  complete.set_request_id("r-complete");
  auto* part = complete.add_parts_used();
  part->set_sku("BRK-1");
  part->set_quantity(2);
  part->set_location("van-1");
  // Fees on warranty work without an exclusion are refused, and nothing is issued.
  auto* fee = complete.add_fee_lines();
  fee->set_description("on-site fee");
  fee->mutable_amount()->set_currency_code("CNY");
  fee->mutable_amount()->set_minor_units(20000);
  v1::CompleteWorkOrderResponse done;
  Status refused = f.Call(&Stub::CompleteWorkOrder, complete, &done, Engineer(eng));
  CHECK(refused.code() == Code::kFailedPrecondition);
  CHECK(refused.reason() == "FEES_ON_WARRANTY_WORK");
  CHECK(f.inventory().reserved["BRK-1"] == 0);
  complete.clear_fee_lines();

  // A part that is not in stock is a clear error naming it.
  auto* missing = complete.add_parts_used();
  missing->set_sku("CTRL-9");
  missing->set_quantity(1);
  missing->set_location("van-1");
  Status short_part = f.Call(&Stub::CompleteWorkOrder, complete, &done, Engineer(eng));
  CHECK(short_part.code() == Code::kFailedPrecondition);
  CHECK(short_part.reason() == "PART_NOT_AVAILABLE");
  CHECK(short_part.message().find("CTRL-9") != std::string::npos);
  complete.mutable_parts_used()->RemoveLast();
  complete.set_request_id("r-complete-2");

  REQUIRE(f.Call(&Stub::CompleteWorkOrder, complete, &done, Engineer(eng)).ok());
  CHECK(done.work_order().status() == WO::WORK_DONE);
  CHECK(done.work_order().parts_used_size() == 1);
  // Reserved now; inventory issues them when it reads WorkOrderDone.
  CHECK(f.inventory().reserved["BRK-1"] == 2);
  CHECK(f.inventory().available["BRK-1"] == 3);

  v1::SignOffWorkOrderRequest sign;
  sign.set_work_order_id(wo.id());
  sign.set_signed_by("王伟");
  sign.set_feedback("fast and tidy");
  v1::SignOffWorkOrderResponse signed_off;
  REQUIRE(f.Call(&Stub::SignOffWorkOrder, sign, &signed_off, Engineer(eng)).ok());
  CHECK(signed_off.work_order().status() == WO::SIGNED_OFF);
  CHECK(signed_off.work_order().signed_by() == "王伟");
  CHECK(signed_off.work_order().history_size() >= 6);

  const std::vector<std::string> expected = {
      "aftersales.events.v1.WorkOrderAssigned",   "aftersales.events.v1.WorkOrderAccepted",
      "aftersales.events.v1.WorkOrderTravelling", "aftersales.events.v1.WorkOrderArrived",
      "aftersales.events.v1.WorkOrderDone",       "aftersales.events.v1.WorkOrderSignedOff"};
  CHECK(f.DispatchEventTypes() == expected);

  // The engineer's slot is free again.
  v1::ListEngineersRequest list;
  v1::ListEngineersResponse engineers;
  REQUIRE(f.Call(&Stub::ListEngineers, list, &engineers).ok());
  REQUIRE(engineers.engineers_size() == 1);
  CHECK(engineers.engineers(0).active_jobs() == 0);
}

TEST_CASE("a decline re-plans the work order to another engineer") {
  DispatchFixture f;
  const std::string near = f.OnDutyEngineer("Li Lei", 31.21, 121.5);
  const std::string far = f.OnDutyEngineer("Han Meimei", 31.30, 121.6);
  WO wo = AssignedWorkOrder(f, "T-300");
  REQUIRE(wo.engineer_id() == near);

  v1::DeclineWorkOrderRequest decline;
  decline.set_work_order_id(wo.id());
  v1::DeclineWorkOrderResponse declined;
  Status no_reason = f.Call(&Stub::DeclineWorkOrder, decline, &declined, Engineer(near));
  CHECK(no_reason.code() == Code::kInvalidArgument);
  decline.set_reason("van broke down");
  REQUIRE(f.Call(&Stub::DeclineWorkOrder, decline, &declined, Engineer(near)).ok());
  CHECK(declined.work_order().engineer_id() == far);
  CHECK(declined.work_order().status() == WO::ASSIGNED);
  CHECK(declined.work_order().declined_by_size() == 1);
  CHECK(f.CountEvents("WorkOrderDeclined") == 1);
  CHECK(f.CountEvents("WorkOrderAssigned") == 2);
  // The decliner no longer sees it.
  v1::GetWorkOrderRequest get;
  get.set_work_order_id(wo.id());
  WO seen;
  CHECK(f.Call(&Stub::GetWorkOrder, get, &seen, Engineer(near)).code() == Code::kNotFound);
  CHECK(f.Call(&Stub::GetWorkOrder, get, &seen, Engineer(far)).ok());
}

TEST_CASE("an illegal step is refused and publishes nothing") {
  DispatchFixture f;
  const std::string eng = f.OnDutyEngineer("Li Lei", 31.21, 121.5);
  WO wo = AssignedWorkOrder(f, "T-400");
  const size_t before = f.DispatchEventTypes().size();

  v1::ArriveWorkOrderRequest arrive;  // not even accepted yet
  arrive.set_work_order_id(wo.id());
  arrive.set_latitude(31.2);
  arrive.set_longitude(121.5);
  v1::ArriveWorkOrderResponse arrived;
  Status s = f.Call(&Stub::ArriveWorkOrder, arrive, &arrived, Engineer(eng));
  CHECK(s.code() == Code::kFailedPrecondition);
  CHECK(s.reason() == "WORK_ORDER_STATE_FORBIDS_STEP");
  CHECK(f.DispatchEventTypes().size() == before);

  v1::GetWorkOrderRequest get;
  get.set_work_order_id(wo.id());
  WO seen;
  REQUIRE(f.Call(&Stub::GetWorkOrder, get, &seen).ok());
  CHECK(seen.status() == WO::ASSIGNED);

  // Bad coordinates name the field in lowerCamelCase.
  arrive.set_latitude(123);
  s = f.Call(&Stub::ArriveWorkOrder, arrive, &arrived, Engineer(eng));
  CHECK(s.code() == Code::kInvalidArgument);
  REQUIRE(s.field_violations().size() == 1);
  CHECK(s.field_violations()[0].field == "latitude");
  v1::CompleteWorkOrderRequest complete;
  complete.set_work_order_id(wo.id());
  v1::CompleteWorkOrderResponse done;
  s = f.Call(&Stub::CompleteWorkOrder, complete, &done, Engineer(eng));
  CHECK(s.code() == Code::kInvalidArgument);
  bool named = false;
  for (const auto& v : s.field_violations()) named |= v.field == "findings";
  CHECK(named);
  CHECK(f.DispatchEventTypes().size() == before);
}

TEST_CASE("another engineer's work order answers NOT_FOUND") {
  DispatchFixture f;
  const std::string eng = f.OnDutyEngineer("Li Lei", 31.21, 121.5, 1);
  const std::string other = f.OnDutyEngineer("Han Meimei", 31.30, 121.6);
  WO wo = AssignedWorkOrder(f, "T-500");
  REQUIRE(wo.engineer_id() == eng);
  v1::AcceptWorkOrderRequest accept;
  accept.set_work_order_id(wo.id());
  v1::AcceptWorkOrderResponse accepted;
  Status s = f.Call(&Stub::AcceptWorkOrder, accept, &accepted, Engineer(other));
  CHECK(s.code() == Code::kNotFound);
  CHECK(s.reason() == "WORK_ORDER_NOT_FOUND");
  v1::ListWorkOrdersRequest list;
  list.set_engineer_id(eng);  // an engineer's token wins over the filter
  v1::ListWorkOrdersResponse listed;
  REQUIRE(f.Call(&Stub::ListWorkOrders, list, &listed, Engineer(other)).ok());
  CHECK(listed.work_orders_size() == 0);
  // A dispatcher may act on any work order.
  CHECK(f.Call(&Stub::AcceptWorkOrder, accept, &accepted).ok());
  CHECK(f.CountEvents("WorkOrderAccepted") == 1);
}

TEST_CASE("list page sizes are checked") {
  DispatchFixture f;
  v1::ListWorkOrdersRequest list;
  list.set_page_size(-1);
  v1::ListWorkOrdersResponse listed;
  Status s = f.Call(&Stub::ListWorkOrders, list, &listed);
  CHECK(s.code() == Code::kInvalidArgument);
  REQUIRE(s.field_violations().size() == 1);
  CHECK(s.field_violations()[0].field == "pageSize");
  for (int i = 0; i < 3; ++i) f.OnDutyEngineer("E" + std::to_string(i), 31.2, 121.5);
  v1::ListEngineersRequest le;
  le.set_page_size(2);
  v1::ListEngineersResponse page1;
  REQUIRE(f.Call(&Stub::ListEngineers, le, &page1).ok());
  CHECK(page1.engineers_size() == 2);
  REQUIRE_FALSE(page1.next_page_token().empty());
  le.set_page_token(page1.next_page_token());
  v1::ListEngineersResponse page2;
  REQUIRE(f.Call(&Stub::ListEngineers, le, &page2).ok());
  CHECK(page2.engineers_size() == 1);
  CHECK(page2.next_page_token().empty());
}

TEST_CASE("an escalation fires once with two watchdog instances") {
  DispatchFixture f;
  // Many clocks at once, so that the two replicas' sweeps really overlap.
  constexpr int kOrders = 20;
  for (int i = 0; i < kOrders; ++i) f.OnDutyEngineer("E" + std::to_string(i), 31.21, 121.5, 1);
  for (int i = 0; i < kOrders; ++i) {
    const std::string ticket = "T-6" + std::to_string(i);
    f.PublishToIntake(f.Envelope(f.OnsiteRequest(ticket), ticket));
  }
  auto consumer = MakeIntakeConsumer(f.pool(), f.desk(), f.ConsumerOptionsFor("d-1"));
  REQUIRE(consumer.ok());
  f.Drain(**consumer);
  REQUIRE(f.CountEvents("WorkOrderAssigned") == kOrders);
  REQUIRE(f.CountEvents("WorkOrderEscalated") == 0);
  const WO wo = f.WorkOrdersOfTicket("T-60").at(0);
  auto replica = f.NewDesk();
  // Past the breach (2 h) but not the manager step (3 h).
  f.clock().Advance(std::chrono::minutes(125));
  Result<int> a = 0, b = 0;
  std::thread t1([&] { a = f.desk().FireDueEscalations(); });
  std::thread t2([&] { b = replica->FireDueEscalations(); });
  t1.join();
  t2.join();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a + *b == 2 * kOrders);  // each warning and each breach, once
  CHECK(f.CountEvents("WorkOrderClockWarning") == kOrders);
  CHECK(f.CountEvents("WorkOrderClockBreached") == kOrders);
  CHECK(f.CountEvents("WorkOrderEscalated") == kOrders);
  CHECK(*f.desk().FireDueEscalations() == 0);
  CHECK(*replica->FireDueEscalations() == 0);

  v1::GetWorkOrderRequest get;
  get.set_work_order_id(wo.id());
  WO seen;
  REQUIRE(f.Call(&Stub::GetWorkOrder, get, &seen).ok());
  CHECK(seen.escalation_level() == 1);
  REQUIRE(seen.deadlines_size() == 1);
  CHECK(seen.deadlines(0).state() == cv1::BREACHED);
  int escalation_notes = 0;
  for (const auto& h : seen.history()) escalation_notes += h.note().find("ONSITE_ARRIVAL") == 0;
  CHECK(escalation_notes == 2);
  f.clock().Advance(std::chrono::hours(1));
  CHECK(*replica->FireDueEscalations() == kOrders);
  CHECK(f.CountEvents("WorkOrderEscalated") == 2 * kOrders);
  REQUIRE(f.Call(&Stub::GetWorkOrder, get, &seen).ok());
  CHECK(seen.escalation_level() == 2);
}

TEST_CASE("a consumer that died after the effect and before the ack makes no second work order") {
  DispatchFixture f;
  f.OnDutyEngineer("Li Lei", 31.21, 121.5);
  f.PublishToIntake(f.Envelope(f.OnsiteRequest("T-700"), "T-700"));
  {
    // The effect commits, then the process "dies": the handler fails after
    // it, so the entry stays pending, never acknowledged.
    streams::Consumer* self = nullptr;
    auto crashing = streams::Consumer::Create(
        f.pool(), f.ConsumerOptionsFor("d-1"), [&](const streams::Event& event) {
          Status s = HandleIntakeEvent(f.desk(), event, self->MarkHandled(event));
          REQUIRE(s.ok());
          return Unavailable("CRASHED", "killed before XACK");
        });
    REQUIRE(crashing.ok());
    self = crashing->get();
    REQUIRE((*crashing)->RunOnce().ok());
  }
  auto pending = f.pool().Command({"XPENDING", kIntakeStream, kConsumerGroup});
  REQUIRE(pending.ok());
  CHECK((*pending)[0].integer() == 1);
  CHECK(f.WorkOrdersOfTicket("T-700").size() == 1);

  // Restarted under the same name, on a fresh replica: it replays its pending entry.
  auto restarted_desk = f.NewDesk();
  auto restarted = MakeIntakeConsumer(f.pool(), *restarted_desk, f.ConsumerOptionsFor("d-1"));
  REQUIRE(restarted.ok());
  f.Drain(**restarted);
  pending = f.pool().Command({"XPENDING", kIntakeStream, kConsumerGroup});
  REQUIRE(pending.ok());
  CHECK((*pending)[0].integer() == 0);
  CHECK(f.WorkOrdersOfTicket("T-700").size() == 1);
  CHECK(f.CountEvents("WorkOrderAssigned") == 1);
}

TEST_CASE("a request nobody can take waits and is assigned when an engineer comes on duty") {
  DispatchFixture f;
  WO wo = AssignedWorkOrder(f, "T-800");
  CHECK(wo.engineer_id().empty());
  CHECK(f.CountEvents("WorkOrderEscalated") == 1);
  const std::string eng = f.OnDutyEngineer("Li Lei", 31.21, 121.5);
  const auto orders = f.WorkOrdersOfTicket("T-800");
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].engineer_id() == eng);
  CHECK(f.CountEvents("WorkOrderAssigned") == 1);
}

TEST_CASE("an emergency takes the engineer off a lower-severity job not started") {
  DispatchFixture f;
  const std::string near = f.OnDutyEngineer("Li Lei", 31.21, 121.5, 1);
  WO major = AssignedWorkOrder(f, "T-850");
  REQUIRE(major.engineer_id() == near);
  // Far away: cannot make a 2-hour deadline, but better late than nobody.
  const std::string far = f.OnDutyEngineer("Han Meimei", 31.6, 121.9);
  auto emergency = f.OnsiteRequest("T-851");
  emergency.set_severity(cv1::EMERGENCY);
  f.PublishToIntake(f.Envelope(emergency, "T-851"));
  auto consumer = MakeIntakeConsumer(f.pool(), f.desk(), f.ConsumerOptionsFor("d-1"));
  REQUIRE(consumer.ok());
  f.Drain(**consumer);
  CHECK(f.WorkOrdersOfTicket("T-851")[0].engineer_id() == near);
  const WO moved = f.WorkOrdersOfTicket("T-850")[0];
  CHECK(moved.engineer_id() == far);
  CHECK(moved.status() == WO::ASSIGNED);
  // The major job now arrives late: escalated at once, not at breach.
  CHECK(moved.escalation_level() == 1);
}

TEST_CASE("an engineer going off duty hands back jobs not started") {
  DispatchFixture f;
  const std::string near = f.OnDutyEngineer("Li Lei", 31.21, 121.5);
  const std::string far = f.OnDutyEngineer("Han Meimei", 31.30, 121.6);
  WO wo = AssignedWorkOrder(f, "T-900");
  REQUIRE(wo.engineer_id() == near);
  v1::SetEngineerStatusRequest off;
  off.set_engineer_id(near);
  off.set_state(v1::Engineer::OFF_DUTY);
  v1::SetEngineerStatusResponse resp;
  REQUIRE(f.Call(&Stub::SetEngineerStatus, off, &resp, Engineer(near)).ok());
  CHECK(resp.engineer().state() == v1::Engineer::OFF_DUTY);
  CHECK(f.WorkOrdersOfTicket("T-900")[0].engineer_id() == far);
  off.set_state(v1::Engineer::TRAVELLING);
  CHECK(f.Call(&Stub::SetEngineerStatus, off, &resp, Engineer(near)).code() ==
        Code::kInvalidArgument);
}

TEST_CASE("a closed ticket cancels its open work order") {
  DispatchFixture f;
  const std::string eng = f.OnDutyEngineer("Li Lei", 31.21, 121.5);
  WO wo = AssignedWorkOrder(f, "T-1000");
  events::v1::TicketClosed closed;
  closed.set_ticket_number("T-1000");
  closed.set_reason("fixed by phone");
  const auto event = f.Envelope(closed, "T-1000");
  f.PublishToIntake(event);
  f.PublishToIntake(event);
  auto consumer = MakeIntakeConsumer(f.pool(), f.desk(), f.ConsumerOptionsFor("d-2"));
  REQUIRE(consumer.ok());
  f.Drain(**consumer);
  const auto orders = f.WorkOrdersOfTicket("T-1000");
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].status() == WO::CANCELLED);
  CHECK(f.CountEvents("WorkOrderCancelled") == 1);
  // The cancelled job no longer counts against the engineer, and its clock is gone.
  v1::ListEngineersResponse engineers;
  REQUIRE(f.Call(&Stub::ListEngineers, v1::ListEngineersRequest{}, &engineers).ok());
  CHECK(engineers.engineers(0).active_jobs() == 0);
  f.clock().Advance(std::chrono::hours(5));
  CHECK(*f.desk().FireDueEscalations() == 0);
  CHECK(f.CountEvents("WorkOrderClockWarning") == 0);
}

}  // namespace
}  // namespace aftersales::dispatch::testing

namespace aftersales::dispatch::testing {
namespace {

TEST_CASE("two replicas planning at once never overfill an engineer") {
  DispatchFixture f;
  const std::string only = f.OnDutyEngineer("Li Lei", 31.21, 121.5, 1);
  auto replica = f.NewDesk();
  // Both replicas build their planning cache while the engineer is free.
  REQUIRE(f.desk().ReplanQueue().ok());
  REQUIRE(replica->ReplanQueue().ok());
  streams::MarkHandledArgs h1{"{dispatch}:handled:test:1", "60"};
  streams::MarkHandledArgs h2{"{dispatch}:handled:test:2", "60"};
  Status a, b;
  std::thread t1([&] { a = f.desk().OnTicketOnsiteRequested(f.OnsiteRequest("T-A"), h1); });
  std::thread t2([&] { b = replica->OnTicketOnsiteRequested(f.OnsiteRequest("T-B"), h2); });
  t1.join();
  t2.join();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  const WO wa = f.WorkOrdersOfTicket("T-A").at(0);
  const WO wb = f.WorkOrdersOfTicket("T-B").at(0);
  // Exactly one got the engineer; the other waits (and is escalated).
  CHECK(((wa.engineer_id() == only) != (wb.engineer_id() == only)));
  CHECK((wa.engineer_id().empty() != wb.engineer_id().empty()));
  v1::ListEngineersResponse engineers;
  REQUIRE(f.Call(&Stub::ListEngineers, v1::ListEngineersRequest{}, &engineers).ok());
  CHECK(engineers.engineers(0).active_jobs() == 1);
}

TEST_CASE("a dispatcher reassigns a work order and engineers cannot") {
  DispatchFixture f;
  const std::string near = f.OnDutyEngineer("Li Lei", 31.21, 121.5);
  const std::string far = f.OnDutyEngineer("Han Meimei", 31.30, 121.6);
  WO wo = AssignedWorkOrder(f, "T-1100");
  v1::ReassignWorkOrderRequest r;
  r.set_work_order_id(wo.id());
  r.set_engineer_id(far);
  v1::ReassignWorkOrderResponse resp;
  CHECK(f.Call(&Stub::ReassignWorkOrder, r, &resp, Engineer(near)).code() ==
        Code::kPermissionDenied);
  REQUIRE(f.Call(&Stub::ReassignWorkOrder, r, &resp).ok());
  CHECK(resp.work_order().engineer_id() == far);
  CHECK(f.CountEvents("WorkOrderAssigned") == 2);
  r.set_engineer_id("no-such-engineer");
  CHECK(f.Call(&Stub::ReassignWorkOrder, r, &resp).code() == Code::kNotFound);
  v1::ListEngineersResponse engineers;
  REQUIRE(f.Call(&Stub::ListEngineers, v1::ListEngineersRequest{}, &engineers).ok());
  int jobs = 0;
  for (const auto& e : engineers.engineers()) jobs += e.active_jobs();
  CHECK(jobs == 1);
}

TEST_CASE("creating an engineer is idempotent and validated") {
  DispatchFixture f;
  v1::CreateEngineerRequest c;
  c.set_name("Li Lei");
  c.set_phone("13800138000");
  c.set_branch("shanghai");
  c.add_skills("parking");
  c.add_zones(cv1::CITY);
  c.set_max_concurrent_jobs(2);
  c.set_request_id("create-1");
  v1::Engineer first, again;
  REQUIRE(f.Call(&Stub::CreateEngineer, c, &first).ok());
  REQUIRE(f.Call(&Stub::CreateEngineer, c, &again).ok());
  CHECK(first.id() == again.id());
  CHECK(first.state() == v1::Engineer::OFF_DUTY);
  c.set_request_id("create-2");
  c.set_max_concurrent_jobs(0);
  c.clear_zones();
  Status s = f.Call(&Stub::CreateEngineer, c, &again);
  CHECK(s.code() == Code::kInvalidArgument);
  std::vector<std::string> fields;
  for (const auto& v : s.field_violations()) fields.push_back(v.field);
  CHECK(std::find(fields.begin(), fields.end(), "maxConcurrentJobs") != fields.end());
  CHECK(std::find(fields.begin(), fields.end(), "zones") != fields.end());
  v1::ListEngineersResponse engineers;
  REQUIRE(f.Call(&Stub::ListEngineers, v1::ListEngineersRequest{}, &engineers).ok());
  CHECK(engineers.engineers_size() == 1);
}

TEST_CASE("only an engineer rostered now and at arrival is sent") {
  DispatchFixture f;  // Monday 10:00 UTC = 18:00 in Shanghai
  // Day shift 08:00-17:00 Shanghai time every day: off the roster now.
  v1::CreateEngineerRequest c;
  c.set_name("Day Shift");
  c.set_phone("13800138000");
  c.set_branch("shanghai");
  c.add_skills("parking");
  c.add_zones(cv1::CITY);
  c.set_max_concurrent_jobs(2);
  c.set_utc_offset_minutes(480);
  for (int day = 0; day < 7; ++day) {
    auto* shift = c.add_roster();
    shift->set_start_minute(day * 1440 + 8 * 60);
    shift->set_end_minute(day * 1440 + 17 * 60);
  }
  v1::Engineer day;
  REQUIRE(f.Call(&Stub::CreateEngineer, c, &day).ok());
  CHECK(day.roster_size() == 7);
  v1::SetEngineerStatusRequest on;
  on.set_engineer_id(day.id());
  on.set_state(v1::Engineer::AVAILABLE);
  on.set_latitude(31.21);
  on.set_longitude(121.5);
  v1::SetEngineerStatusResponse resp;
  REQUIRE(f.Call(&Stub::SetEngineerStatus, on, &resp).ok());
  const std::string on_call = f.OnDutyEngineer("On Call", 31.30, 121.6);
  WO wo = AssignedWorkOrder(f, "T-1300");
  CHECK(wo.engineer_id() == on_call);  // farther, but on duty

  c.set_request_id("bad-roster");
  c.clear_roster();
  auto* bad = c.add_roster();
  bad->set_start_minute(600);
  bad->set_end_minute(500);
  c.set_utc_offset_minutes(5000);
  Status s = f.Call(&Stub::CreateEngineer, c, &day);
  CHECK(s.code() == Code::kInvalidArgument);
  std::vector<std::string> fields;
  for (const auto& v : s.field_violations()) fields.push_back(v.field);
  CHECK(std::find(fields.begin(), fields.end(), "roster[0]") != fields.end());
  CHECK(std::find(fields.begin(), fields.end(), "utcOffsetMinutes") != fields.end());
}

TEST_CASE("an engineer token without an engineer id sees no work orders") {
  DispatchFixture f;
  WO queued = AssignedWorkOrder(f, "T-1200");  // nobody on duty: no engineer
  REQUIRE(queued.engineer_id().empty());
  v1::GetWorkOrderRequest get;
  get.set_work_order_id(queued.id());
  WO seen;
  CHECK(f.Call(&Stub::GetWorkOrder, get, &seen, Engineer("")).code() == Code::kNotFound);
  v1::ListWorkOrdersResponse listed;
  REQUIRE(f.Call(&Stub::ListWorkOrders, v1::ListWorkOrdersRequest{}, &listed, Engineer("")).ok());
  CHECK(listed.work_orders_size() == 0);
}

// How many times Redis ran `command` since the last CONFIG RESETSTAT.
int64_t CommandCalls(DispatchFixture& f, const std::string& command) {
  auto info = f.pool().Command({"INFO", "commandstats"});
  REQUIRE(info.ok());
  const std::string text = info->string();
  std::string label = "cmdstat_";
  label += command;
  label += ":calls=";
  const size_t at = text.find(label);
  if (at == std::string::npos) return 0;
  return std::stoll(text.substr(at + label.size()));
}

streams::MarkHandledArgs Handled(int n) {
  std::string key = "{dispatch}:handled:test:";
  key += std::to_string(n);
  return {key, "60"};
}

TEST_CASE("after its own assignments the desk plans from its cache and fills an engineer exactly") {
  DispatchFixture f;
  const std::string near = f.OnDutyEngineer("Li Lei", 31.21, 121.5, 2);
  // So far away that the near one arrives first even after a job (2 h).
  const std::string far = f.OnDutyEngineer("Han Meimei", 31.2, 122.5, 5);
  // The first request builds the planning cache from Redis.
  REQUIRE(f.desk().OnTicketOnsiteRequested(f.OnsiteRequest("T-1"), Handled(1)).ok());
  REQUIRE(f.pool().Command({"CONFIG", "RESETSTAT"}).ok());
  REQUIRE(f.desk().OnTicketOnsiteRequested(f.OnsiteRequest("T-2"), Handled(2)).ok());
  REQUIRE(f.desk().OnTicketOnsiteRequested(f.OnsiteRequest("T-3"), Handled(3)).ok());
  // The near engineer is full: known from the desk's own commits, without
  // reading an engineer back and without a refused commit.
  CHECK(CommandCalls(f, "hgetall") == 0);
  CHECK(CommandCalls(f, "evalsha") == 2);
  CHECK(f.WorkOrdersOfTicket("T-1").at(0).engineer_id() == near);
  CHECK(f.WorkOrdersOfTicket("T-2").at(0).engineer_id() == near);
  CHECK(f.WorkOrdersOfTicket("T-3").at(0).engineer_id() == far);
  CHECK(f.CountEvents("WorkOrderAssigned") == 3);
}

TEST_CASE("a slot another replica took between two own assignments is planned with") {
  DispatchFixture f;
  const std::string near = f.OnDutyEngineer("Li Lei", 31.21, 121.5, 2);
  // So far away that the near one arrives first even after a job (2 h).
  const std::string far = f.OnDutyEngineer("Han Meimei", 31.2, 122.5, 5);
  auto replica = f.NewDesk();
  REQUIRE(f.desk().OnTicketOnsiteRequested(f.OnsiteRequest("T-1"), Handled(1)).ok());
  // The other replica takes the near engineer's last slot.
  REQUIRE(replica->OnTicketOnsiteRequested(f.OnsiteRequest("T-2"), Handled(2)).ok());
  REQUIRE(f.pool().Command({"CONFIG", "RESETSTAT"}).ok());
  REQUIRE(f.desk().OnTicketOnsiteRequested(f.OnsiteRequest("T-3"), Handled(3)).ok());
  // The plan from the cache (near) is refused as stale, writing nothing; the
  // near engineer is read as Redis has it (once) and the request planned
  // again.
  CHECK(CommandCalls(f, "evalsha") == 2);
  CHECK(CommandCalls(f, "zrangebyscore") == 1);
  CHECK(f.WorkOrdersOfTicket("T-1").at(0).engineer_id() == near);
  CHECK(f.WorkOrdersOfTicket("T-2").at(0).engineer_id() == near);
  CHECK(f.WorkOrdersOfTicket("T-3").at(0).engineer_id() == far);
  v1::ListEngineersResponse engineers;
  REQUIRE(f.Call(&Stub::ListEngineers, v1::ListEngineersRequest{}, &engineers).ok());
  for (const auto& e : engineers.engineers()) {
    CHECK(e.active_jobs() == (e.id() == near ? 2 : 1));
  }
}

TEST_CASE("an engineer another replica moved to the site gets the next job despite the cache") {
  DispatchFixture f;
  const std::string near = f.OnDutyEngineer("Li Lei", 31.21, 121.5, 1);
  const std::string far = f.OnDutyEngineer("Han Meimei", 31.2, 122.5, 5);
  // Further still: nobody's choice until it moves.
  const std::string wang = f.OnDutyEngineer("Wang Fang", 31.2, 123.5, 1);
  auto replica = f.NewDesk();
  REQUIRE(f.desk().OnTicketOnsiteRequested(f.OnsiteRequest("T-1"), Handled(1)).ok());
  REQUIRE(f.WorkOrdersOfTicket("T-1").at(0).engineer_id() == near);
  // Another replica (the engineer's app went through it) reports Wang Fang at
  // the site. Our cache still has him far away, and Han Meimei has room: a
  // plan from the cache would send her, and her capacity guard would let it.
  v1::SetEngineerStatusRequest moved;
  moved.set_engineer_id(wang);
  moved.set_state(v1::Engineer::AVAILABLE);
  moved.set_latitude(31.2);
  moved.set_longitude(121.5);
  REQUIRE(replica->SetEngineerStatus(Caller{"dispatcher", "replica-test", ""}, moved).ok());
  REQUIRE(f.pool().Command({"CONFIG", "RESETSTAT"}).ok());
  REQUIRE(f.desk().OnTicketOnsiteRequested(f.OnsiteRequest("T-2"), Handled(2)).ok());
  // Refused once as stale, planned again with what changed: Wang Fang.
  CHECK(CommandCalls(f, "evalsha") == 2);
  const auto orders = f.WorkOrdersOfTicket("T-2");
  REQUIRE(orders.size() == 1);
  CHECK(orders.at(0).engineer_id() == wang);
  CHECK(f.CountEvents("WorkOrderAssigned") == 2);
  // Wang Fang is now full too (limit 1): the next one goes to Han Meimei,
  // from the cache the commits kept up to date.
  REQUIRE(f.pool().Command({"CONFIG", "RESETSTAT"}).ok());
  REQUIRE(f.desk().OnTicketOnsiteRequested(f.OnsiteRequest("T-3"), Handled(3)).ok());
  CHECK(CommandCalls(f, "evalsha") == 1);
  CHECK(f.WorkOrdersOfTicket("T-3").at(0).engineer_id() == far);
  v1::ListEngineersResponse engineers;
  REQUIRE(f.Call(&Stub::ListEngineers, v1::ListEngineersRequest{}, &engineers).ok());
  REQUIRE(engineers.engineers_size() == 3);
  for (const auto& e : engineers.engineers()) CHECK(e.active_jobs() == 1);
}

TEST_CASE("an on-site request that already has its work order is refused by the commit alone") {
  DispatchFixture f;
  const std::string near = f.OnDutyEngineer("Li Lei", 31.21, 121.5, 3);
  const auto request = f.OnsiteRequest("T-1");
  REQUIRE(f.desk().OnTicketOnsiteRequested(request, Handled(1)).ok());
  // Redelivered under another event id (intake retried): no pre-check, the
  // commit's guard on the on-site request refuses it and writes nothing.
  REQUIRE(f.desk().OnTicketOnsiteRequested(request, Handled(2)).ok());
  CHECK(f.WorkOrdersOfTicket("T-1").size() == 1);
  CHECK(f.CountEvents("WorkOrderAssigned") == 1);
  v1::ListEngineersResponse engineers;
  REQUIRE(f.Call(&Stub::ListEngineers, v1::ListEngineersRequest{}, &engineers).ok());
  CHECK(engineers.engineers(0).active_jobs() == 1);
  auto marker = f.pool().Command({"EXISTS", Handled(2).key});
  REQUIRE(marker.ok());
  CHECK(marker->integer() == 0);  // the refused commit wrote nothing at all
}

}  // namespace
}  // namespace aftersales::dispatch::testing

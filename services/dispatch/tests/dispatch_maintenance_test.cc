// Maintenance visits: followup's MaintenanceVisitDue in, a MAINTENANCE work
// order planned from the install base (a fake intake here) out, worked
// through without a ticket. Real redis-server, desk in process.
#include "aftersales/events/v1/dispatch_events.pb.h"
#include "aftersales/events/v1/followup_events.pb.h"
#include "services/dispatch/events/followup_events.h"
#include "services/dispatch/tests/dispatch_fixture.h"

namespace aftersales::dispatch::testing {
namespace {

using WO = v1::WorkOrder;

// Intake's install base as the test sets it; `down` answers UNAVAILABLE.
class FakeInstallBase final : public InstallBase {
 public:
  std::map<std::string, MaintenanceSite> sites;
  std::map<std::string, MaintenanceAsset> assets;
  bool down = false;
  int calls = 0;

  Result<MaintenanceSite> Site(const std::string& id) override {
    ++calls;
    if (down) return Unavailable("INTAKE_UNAVAILABLE", "intake is down");
    auto it = sites.find(id);
    if (it == sites.end()) return NotFound("SITE_NOT_FOUND", "no site " + id);
    return it->second;
  }
  Result<std::optional<MaintenanceAsset>> Asset(const std::string& serial) override {
    ++calls;
    if (down) return Unavailable("INTAKE_UNAVAILABLE", "intake is down");
    auto it = assets.find(serial);
    if (it == assets.end()) return std::optional<MaintenanceAsset>();
    return std::optional<MaintenanceAsset>(it->second);
  }
};

DispatchDeskOptions MaintenanceOptions() {
  DispatchDeskOptions o;
  o.maintenance_skills =
      MaintenanceSkills::Parse("PK-=parking,AC-=access", "AFTERSALES_DISPATCH_MAINTENANCE_SKILLS")
          .value();
  return o;
}

struct MaintenanceWorld {
  DispatchFixture f;
  FakeInstallBase install_base;
  DispatchDesk desk{f.pool(), f.clock(), nullptr, MaintenanceOptions()};

  MaintenanceWorld() {
    install_base.sites["site-7"] = {"site-7",    "cust-7",   "88 Zhongshan Rd",
                                    Zone::kCity, "shanghai", {31.2, 121.5}};
    install_base.assets["SN-PK-1"] = {"SN-PK-1", "PK-9000", AssetCategory::kMainframe, true};
  }

  std::string Engineer(const std::string& name, const std::string& skill, cv1::Zone zone,
                       double lat, double lng, int max_jobs = 2) {
    v1::CreateEngineerRequest c;
    c.set_name(name);
    c.set_phone("13800138000");
    c.set_branch("shanghai");
    c.add_skills(skill);
    c.add_zones(zone);
    c.set_max_concurrent_jobs(max_jobs);
    c.set_request_id(NewUuid());
    auto e = desk.CreateEngineer(c);
    REQUIRE(e.ok());
    v1::SetEngineerStatusRequest s;
    s.set_engineer_id(e->id());
    s.set_state(v1::Engineer::AVAILABLE);
    s.set_latitude(lat);
    s.set_longitude(lng);
    REQUIRE(desk.SetEngineerStatus({"dispatcher", "d", ""}, s).ok());
    return e->id();
  }

  events::v1::MaintenanceVisitDue Visit(const std::string& followup_id) {
    events::v1::MaintenanceVisitDue e;
    e.set_maintenance_plan_id("plan-7");
    e.set_followup_id(followup_id);
    e.set_customer_id("cust-7");
    e.set_site_id("site-7");
    e.set_asset_serial("SN-PK-1");
    *e.mutable_visit_due() = TimeUtil::MillisecondsToTimestamp(ToUnixMillis(f.clock().Now()));
    return e;
  }

  void Publish(const streams::EventToPublish& event) {
    streams::Publisher publisher(f.pool(), kFollowupStream);
    REQUIRE(publisher.Publish(event).ok());
  }

  streams::ConsumerPtr Consumer(std::chrono::milliseconds claim_idle = std::chrono::seconds(30)) {
    streams::ConsumerOptions o = FollowupConsumerOptions("d-1");
    o.block = std::chrono::milliseconds(50);
    o.claim_idle = claim_idle;
    o.claim_interval = std::chrono::milliseconds(1);
    auto c = MakeFollowupConsumer(f.pool(), desk, install_base, std::move(o));
    REQUIRE(c.ok());
    return std::move(c).value();
  }

  std::vector<WO> MaintenanceWorkOrders() {
    v1::ListWorkOrdersRequest r;
    r.set_kind(WO::MAINTENANCE);
    auto resp = desk.ListWorkOrders({"dispatcher", "d", ""}, r);
    REQUIRE(resp.ok());
    return {resp->work_orders().begin(), resp->work_orders().end()};
  }

  // The payloads of dispatch's events of one type, in order.
  template <typename M>
  std::vector<M> Events() {
    auto reply = f.pool().Command({"XRANGE", keys::Events(), "-", "+"});
    REQUIRE(reply.ok());
    std::vector<M> out;
    for (size_t i = 0; i < reply->size(); ++i) {
      auto event = streams::EventFromEntry((*reply)[i]);
      REQUIRE(event.ok());
      if (event->type != M::descriptor()->full_name()) continue;
      M m;
      REQUIRE(m.ParseFromString(event->payload));
      out.push_back(m);
    }
    return out;
  }
};

TEST_CASE(
    "a due maintenance visit becomes one MAINTENANCE work order for a skilled engineer of "
    "the zone, however often it is delivered") {
  MaintenanceWorld w;
  // Nearer but the wrong product line; nearer but not serving the city; the
  // one who can do it.
  w.Engineer("Access Wang", "access", cv1::CITY, 31.201, 121.501);
  w.Engineer("Suburb Zhao", "parking", cv1::SUBURB, 31.202, 121.502);
  const std::string parking = w.Engineer("Parking Li", "parking", cv1::CITY, 31.25, 121.55);

  const auto visit = w.Visit("fu-1");
  const auto event = w.f.Envelope(visit, "plan-7");
  w.Publish(event);
  w.Publish(event);                          // the same entry twice
  w.Publish(w.f.Envelope(visit, "plan-7"));  // followup published it again
  auto consumer = w.Consumer();
  w.f.Drain(*consumer);

  const auto orders = w.MaintenanceWorkOrders();
  REQUIRE(orders.size() == 1);
  const WO& wo = orders[0];
  CHECK(wo.kind() == WO::MAINTENANCE);
  CHECK(wo.ticket_number().empty());
  CHECK(wo.followup_id() == "fu-1");
  CHECK(wo.maintenance_plan_id() == "plan-7");
  CHECK(wo.status() == WO::ASSIGNED);
  CHECK(wo.engineer_id() == parking);
  CHECK(wo.required_skill() == "parking");  // PK-9000 by the PK- rule
  CHECK(wo.severity() == cv1::MINOR);
  CHECK(wo.site_id() == "site-7");
  CHECK(wo.site_address() == "88 Zhongshan Rd");
  CHECK(wo.branch() == "shanghai");
  CHECK(wo.asset_serial() == "SN-PK-1");
  CHECK(wo.asset_category() == cv1::MAINFRAME);
  // The engineer has the visit's day.
  CHECK(TimeUtil::TimestampToMilliseconds(wo.onsite_due()) ==
        ToUnixMillis(w.f.clock().Now() + std::chrono::hours(24)));
  const auto assigned = w.Events<events::v1::WorkOrderAssigned>();
  REQUIRE(assigned.size() == 1);
  CHECK(assigned[0].kind() == "MAINTENANCE");
  CHECK(assigned[0].followup_id() == "fu-1");
  CHECK(assigned[0].ticket_number().empty());
  CHECK(w.Events<events::v1::WorkOrderEscalated>().empty());
  // The redeliveries did not even ask intake again.
  CHECK(w.install_base.calls == 2);
}

TEST_CASE("while intake is unreachable a due visit stays pending, then becomes its work order") {
  MaintenanceWorld w;
  const std::string parking = w.Engineer("Parking Li", "parking", cv1::CITY, 31.25, 121.55);
  w.install_base.down = true;
  w.Publish(w.f.Envelope(w.Visit("fu-2"), "plan-7"));
  auto consumer = w.Consumer(std::chrono::milliseconds(20));
  w.f.Drain(*consumer);
  CHECK(w.MaintenanceWorkOrders().empty());
  CHECK(consumer->counters().failed >= 1);
  CHECK(consumer->counters().dead_lettered == 0);
  auto pending = w.f.pool().Command({"XPENDING", kFollowupStream, "dispatch"});
  REQUIRE(pending.ok());
  CHECK((*pending)[0].integer().value_or(0) == 1);

  w.install_base.down = false;
  for (int i = 0; i < 50 && w.MaintenanceWorkOrders().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));  // idle past claim_idle
    REQUIRE(consumer->RunOnce().ok());
  }
  const auto orders = w.MaintenanceWorkOrders();
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].engineer_id() == parking);
  CHECK(consumer->counters().dead_lettered == 0);
}

TEST_CASE("a maintenance work order is worked through to sign-off without a ticket") {
  MaintenanceWorld w;
  const std::string eng = w.Engineer("Parking Li", "parking", cv1::CITY, 31.25, 121.55);
  w.Publish(w.f.Envelope(w.Visit("fu-3"), "plan-7"));
  auto consumer = w.Consumer();
  w.f.Drain(*consumer);
  auto orders = w.MaintenanceWorkOrders();
  REQUIRE(orders.size() == 1);
  const std::string id = orders[0].id();
  const Caller me{"engineer", "", eng};

  v1::AcceptWorkOrderRequest accept;
  accept.set_work_order_id(id);
  REQUIRE(w.desk.Accept(me, accept).ok());
  v1::DepartWorkOrderRequest depart;
  depart.set_work_order_id(id);
  depart.set_latitude(31.25);
  depart.set_longitude(121.55);
  REQUIRE(w.desk.Depart(me, depart).ok());
  w.f.clock().Advance(std::chrono::minutes(30));
  v1::ArriveWorkOrderRequest arrive;
  arrive.set_work_order_id(id);
  arrive.set_latitude(31.2);
  arrive.set_longitude(121.5);
  auto arrived = w.desk.Arrive(me, arrive);
  REQUIRE(arrived.ok());
  // Nothing is broken: no REPAIR clock on a maintenance visit.
  CHECK_FALSE(arrived->has_repair_due());
  for (const auto& d : arrived->deadlines()) CHECK(d.clock() != cv1::REPAIR);
  v1::CompleteWorkOrderRequest complete;
  complete.set_work_order_id(id);
  complete.set_findings("barrier motor worn, greased");
  complete.set_actions("cleaned loop detector");
  complete.set_fixed(true);
  REQUIRE(w.desk.Complete(me, complete).ok());
  v1::SignOffWorkOrderRequest sign;
  sign.set_work_order_id(id);
  sign.set_signed_by("Zhang San");
  auto signed_off = w.desk.SignOff(me, sign);
  REQUIRE(signed_off.ok());
  CHECK(signed_off->status() == WO::SIGNED_OFF);

  const auto done = w.Events<events::v1::WorkOrderDone>();
  REQUIRE(done.size() == 1);
  CHECK(done[0].kind() == "MAINTENANCE");
  CHECK(done[0].followup_id() == "fu-3");
  const auto signed_events = w.Events<events::v1::WorkOrderSignedOff>();
  REQUIRE(signed_events.size() == 1);
  CHECK(signed_events[0].kind() == "MAINTENANCE");
  CHECK(signed_events[0].followup_id() == "fu-3");
  CHECK(signed_events[0].maintenance_plan_id() == "plan-7");
  CHECK(signed_events[0].findings() == "barrier motor worn, greased");
  CHECK(signed_events[0].engineer_id() == eng);
  CHECK(w.Events<events::v1::WorkOrderAccepted>().at(0).kind() == "MAINTENANCE");
  CHECK(w.Events<events::v1::WorkOrderArrived>().at(0).kind() == "MAINTENANCE");
}

TEST_CASE("an emergency takes the engineer off a maintenance visit not started, which waits") {
  MaintenanceWorld w;
  // One job at a time: the emergency needs the slot.
  const std::string eng = w.Engineer("Parking Li", "parking", cv1::CITY, 31.25, 121.55, 1);
  w.Publish(w.f.Envelope(w.Visit("fu-4"), "plan-7"));
  auto consumer = w.Consumer();
  w.f.Drain(*consumer);
  REQUIRE(w.MaintenanceWorkOrders().at(0).engineer_id() == eng);

  auto emergency = w.f.OnsiteRequest("T-911");
  emergency.set_severity(cv1::EMERGENCY);
  REQUIRE(w.desk.OnTicketOnsiteRequested(emergency, {"{dispatch}:handled:t:e1", "60"}).ok());
  v1::ListWorkOrdersRequest faults;
  faults.set_kind(WO::FAULT);
  auto fault_orders = w.desk.ListWorkOrders({"dispatcher", "d", ""}, faults);
  REQUIRE(fault_orders.ok());
  REQUIRE(fault_orders->work_orders_size() == 1);
  CHECK(fault_orders->work_orders(0).kind() == WO::FAULT);
  CHECK(fault_orders->work_orders(0).engineer_id() == eng);
  // The maintenance visit went back to the queue, waiting for an engineer.
  const auto maintenance = w.MaintenanceWorkOrders();
  REQUIRE(maintenance.size() == 1);
  CHECK(maintenance[0].engineer_id().empty());
  CHECK(maintenance[0].status() == WO::ASSIGNED);
}

}  // namespace
}  // namespace aftersales::dispatch::testing

// The service journeys of issue 9, through the gateway's HTTP API only, on the
// real platform (redis-server, the four services and the gateway as
// processes). Each step asserts what the caller would see: the HTTP status
// and the fields the app or the console shows.
#include <catch2/catch.hpp>
#include <functional>
#include <thread>

#include "tests/e2e/platform.h"
#include "tests/journeys/journey_client.h"

namespace aftersales::journeys {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using testing::kPlatformJwtSecret;
using testing::Platform;
using testing::PlatformClock;

// The services' periodic loops run on real time and every platform here runs
// them often (the intake watchdog every second by default; the overdue scan
// and the followup due worker every second too), so that a step after
// Platform::AdvanceClock sees its effect within a second or two. Business
// time (deadlines, due dates) moves only with the test clock.
std::map<std::string, std::string> JourneyEnv() {
  return {{"AFTERSALES_INVENTORY_OVERDUE_SCAN_INTERVAL", "1s"},
          {"AFTERSALES_FOLLOWUP_DUE_INTERVAL", "1s"},
          {"AFTERSALES_RATE_LIMIT", "0"}};
}

// Asks again (every 100 ms, at most `timeout`) until `done` holds for the
// answer; returns the last answer so a failure shows what was seen.
Reply PollUntil(const std::function<Reply()>& ask, const std::function<bool(const Reply&)>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  Reply r = ask();
  while (!done(r) && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    r = ask();
  }
  return r;
}

// The first line of a service's log holding `needle`, waiting for it (every
// 100 ms, at most 20 s); "" when it never comes.
std::string PollLog(const Platform& platform, const std::string& service,
                    const std::string& needle) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::string line = platform.LogLine(service, needle);
  while (line.empty() && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    line = platform.LogLine(service, needle);
  }
  return line;
}

// The current deadline entry of `clock` in a ticket or work order, or null:
// the last one, since a reopened ticket keeps its old clocks and starts new.
Json Deadline(const Json& record, const std::string& clock) {
  Json found;
  for (const Json& d : record.Array("deadlines")) {
    if (d.Str("clock") == clock) found = d;
  }
  return found;
}

// The people of one journey, each with their own token.
struct Cast {
  explicit Cast(int port)
      : port(port),
        admin(port, Token(kPlatformJwtSecret, "admin", "admin-1")),
        agent(port, Token(kPlatformJwtSecret, "agent", "agent-zhang")),
        dispatcher(port, Token(kPlatformJwtSecret, "dispatcher", "dispatcher-wu")),
        warehouse(port, Token(kPlatformJwtSecret, "warehouse", "warehouse-chen")),
        care(port, Token(kPlatformJwtSecret, "care", "care-liu")) {}
  int port;
  Caller admin, agent, dispatcher, warehouse, care;
};

// Install base and an engineer with a stocked van near the site; what a
// journey needs before the customer calls.
struct World {
  std::string customer_id, site_id, serial, engineer_id, van, sku;
};

World SetUp(const Cast& cast, const std::string& tag, bool in_warranty, int max_jobs = 2) {
  World w;
  w.serial = "SN-";
  w.serial += tag;
  w.van = "van-";
  w.van += tag;
  w.sku = "BRK-";
  w.sku += tag;

  Reply customer =
      cast.agent.Post("/v1/customers",
                      R"({"name":"上海虹桥停车管理有限公司","contactName":"王伟",)"
                      R"("contactPhone":"+86 21 5555 0100","email":"wang.wei@example.cn"})",
                      "customer-" + tag);
  INFO(Describe(customer));
  REQUIRE(customer.status == 201);
  w.customer_id = customer.json.Str("id");
  REQUIRE_FALSE(w.customer_id.empty());

  Reply site =
      cast.agent.Post("/v1/customers/" + w.customer_id + "/sites",
                      R"({"name":"虹桥枢纽P9停车场","address":"上海市闵行区申虹路","zone":"CITY",)"
                      R"("branch":"shanghai","latitude":31.195,"longitude":121.32})",
                      "site-" + tag);
  INFO(Describe(site));
  REQUIRE(site.status == 201);
  w.site_id = site.json.Str("id");
  CHECK(site.json.Str("customerId") == w.customer_id);
  CHECK(site.json.Str("zone") == "CITY");

  // In warranty: accepted a month ago with 12 months; out: three years ago.
  std::string asset_body = R"({"serialNumber":)" + Q(w.serial) +
                           R"(,"model":"PK-9000","category":"MAINFRAME","siteId":)" + Q(w.site_id) +
                           R"(,"acceptedOn":)" + Q(UtcDate(in_warranty ? -30 : -3 * 365)) +
                           R"(,"warrantyMonths":12,"manufacturerWarrantyMonths":12})";
  Reply asset = cast.agent.Post("/v1/assets", asset_body, "asset-" + tag);
  INFO(Describe(asset));
  REQUIRE(asset.status == 201);
  Reply looked_up = cast.agent.Get("/v1/assets/" + w.serial);
  INFO(Describe(looked_up));
  REQUIRE(looked_up.status == 200);
  CHECK(looked_up.json.Bool("warranty.covered") == in_warranty);
  CHECK(looked_up.json.Str("warranty.basis") == (in_warranty ? "VENDOR" : "NONE"));

  Reply engineer = cast.dispatcher.Post(
      "/v1/engineers",
      R"({"name":"李雷","phone":"13800138000","branch":"shanghai","skills":["parking"],)"
      R"("zones":["CITY"],"maxConcurrentJobs":)" +
          std::to_string(max_jobs) + "}",
      "engineer-" + tag);
  INFO(Describe(engineer));
  REQUIRE(engineer.status == 201);
  w.engineer_id = engineer.json.Str("id");
  REQUIRE_FALSE(w.engineer_id.empty());
  // The engineer comes on duty from the app, a few hundred metres away.
  Caller engineer_app(cast.port,
                      Token(kPlatformJwtSecret, "engineer", "li-lei", "", w.engineer_id));
  Reply on_duty = engineer_app.Post("/v1/engineers/" + w.engineer_id + ":setStatus",
                                    R"({"state":"AVAILABLE","latitude":31.2,"longitude":121.33})");
  INFO(Describe(on_duty));
  REQUIRE(on_duty.status == 200);
  CHECK(on_duty.json.Str("engineer.state") == "AVAILABLE");

  Reply part = cast.warehouse.Post(
      "/v1/parts",
      R"({"sku":)" + Q(w.sku) +
          R"(,"name":"道闸刹车片","model":"PK-9000","category":"ACCESSORY",)"
          R"("costPrice":{"currencyCode":"CNY","minorUnits":"10000"},)"
          R"("salePrice":{"currencyCode":"CNY","minorUnits":"15000"},"warrantyMonths":3})",
      "part-" + tag);
  INFO(Describe(part));
  REQUIRE(part.status == 201);
  Reply van = cast.warehouse.Post("/v1/locations",
                                  R"({"id":)" + Q(w.van) +
                                      R"(,"name":"李雷的工程车","type":"VAN","branch":"shanghai",)"
                                      R"("engineerId":)" +
                                      Q(w.engineer_id) + "}",
                                  "van-" + tag);
  INFO(Describe(van));
  REQUIRE(van.status == 201);
  Reply received =
      cast.warehouse.Post("/v1/stock:receive", R"({"location":)" + Q(w.van) + R"(,"sku":)" +
                                                   Q(w.sku) + R"(,"quantity":5})");
  INFO(Describe(received));
  REQUIRE(received.status == 200);
  CHECK(received.json.Num("level.onHand") == 5);
  return w;
}

// The customer reports a fault from the mobile app.
Reply ReportFault(const Caller& customer_app, const World& w,
                  const std::string& impact = "SYSTEM_DOWN") {
  return customer_app.Post("/v1/tickets",
                           R"({"siteId":)" + Q(w.site_id) + R"(,"assetSerial":)" + Q(w.serial) +
                               R"(,"kind":"FAULT","channel":"MOBILE_APP","contactName":"王伟",)"
                               R"("contactPhone":"13900139000","symptoms":"道闸不抬杆，车辆排队",)"
                               R"("impact":)" +
                               Q(impact) + "}",
                           "report-" + w.serial + "-" + impact);
}

// The work order dispatch made for `ticket`, once it has an engineer.
Reply AwaitAssignment(const Cast& cast, const std::string& ticket) {
  return PollUntil([&] { return cast.dispatcher.Get("/v1/workorders?ticketNumber=" + ticket); },
                   [](const Reply& r) {
                     auto wos = r.json.Array("workOrders");
                     return r.status == 200 && !wos.empty() && !wos[0].Str("engineerId").empty();
                   });
}

Reply GetStock(const Cast& cast, const World& w) {
  return cast.warehouse.Get("/v1/stock?sku=" + w.sku + "&location=" + w.van);
}

TEST_CASE(
    "journey: a mobile-app fault goes on site, is fixed with a van part, followed up and "
    "complained about, and the day's service report shows all of it",
    "[journey]") {
  Platform platform(JourneyEnv());
  INFO("platform logs in " << platform.log_dir());
  Cast cast(platform.gateway().http_port);
  World w = SetUp(cast, "main", /*in_warranty=*/true);
  Caller customer_app(cast.port, Token(kPlatformJwtSecret, "customer", "wang-wei", w.customer_id));
  Caller engineer_app(cast.port,
                      Token(kPlatformJwtSecret, "engineer", "li-lei", "", w.engineer_id));

  // 1. The report: a fault number, OPEN, covered by the vendor's warranty,
  // the first-response clock running.
  Reply reported = ReportFault(customer_app, w);
  INFO(Describe(reported));
  REQUIRE(reported.status == 201);
  const std::string ticket = reported.json.Str("number");
  REQUIRE_FALSE(ticket.empty());
  CHECK(reported.json.Str("status") == "OPEN");
  CHECK(reported.json.Str("customerId") == w.customer_id);  // fixed by the token
  CHECK(reported.json.Str("channel") == "MOBILE_APP");
  CHECK(reported.json.Bool("warranty.covered"));
  CHECK(Deadline(reported.json, "FIRST_RESPONSE").Str("state") == "RUNNING");
  // The same tap again (the app retries) reports nothing new.
  Reply again = ReportFault(customer_app, w);
  CHECK(again.status == 201);
  CHECK(again.json.Str("number") == ticket);

  // 2. The agent calls back, guidance fails, a remote session, then on site.
  Reply responded = cast.agent.Post("/v1/tickets/" + ticket + ":respond",
                                    R"({"note":"回电客户，电话指导重启控制器无效"})");
  INFO(Describe(responded));
  REQUIRE(responded.status == 200);
  CHECK(responded.json.Str("ticket.status") == "RESPONDED");
  CHECK(Deadline(responded.json.At("ticket"), "FIRST_RESPONSE").Str("state") == "MET");
  Reply remote =
      cast.agent.Post("/v1/tickets/" + ticket + ":startRemoteSession", R"({"consentBy":"王伟"})");
  INFO(Describe(remote));
  REQUIRE(remote.status == 200);
  CHECK(remote.json.Str("ticket.status") == "REMOTE_SESSION");
  Reply onsite =
      cast.agent.Post("/v1/tickets/" + ticket + ":requestOnsite",
                      R"({"note":"远程无法恢复，需更换刹车片","requiredSkill":"parking"})");
  INFO(Describe(onsite));
  REQUIRE(onsite.status == 200);
  CHECK(onsite.json.Str("ticket.status") == "AWAITING_ONSITE");
  CHECK(Deadline(onsite.json.At("ticket"), "ONSITE_ARRIVAL").Str("state") == "RUNNING");

  // 3. Dispatch assigns the engineer near the site with the skill.
  Reply assigned = AwaitAssignment(cast, ticket);
  INFO(Describe(assigned));
  REQUIRE(assigned.json.Array("workOrders").size() == 1);
  Json wo = assigned.json.Array("workOrders")[0];
  const std::string wo_id = wo.Str("id");
  CHECK(wo.Str("engineerId") == w.engineer_id);
  CHECK(wo.Str("status") == "ASSIGNED");
  CHECK_FALSE(wo.Str("onsiteDue").empty());
  // The engineer sees it in the app.
  Reply mine = engineer_app.Get("/v1/workorders?engineerId=" + w.engineer_id);
  INFO(Describe(mine));
  CHECK(mine.status == 200);
  CHECK(mine.json.Str("workOrders[0].id") == wo_id);

  // 4. Accept, travel, arrive: the arrival clock is met.
  const std::string base = "/v1/workorders/" + wo_id;
  Reply accepted = engineer_app.Post(base + ":accept", "{}");
  INFO(Describe(accepted));
  REQUIRE(accepted.status == 200);
  CHECK(accepted.json.Str("workOrder.status") == "ACCEPTED");
  Reply departed = engineer_app.Post(base + ":depart", R"({"latitude":31.2,"longitude":121.33})");
  INFO(Describe(departed));
  REQUIRE(departed.status == 200);
  CHECK(departed.json.Str("workOrder.status") == "TRAVELLING");
  Reply arrived = engineer_app.Post(base + ":arrive", R"({"latitude":31.195,"longitude":121.32})");
  INFO(Describe(arrived));
  REQUIRE(arrived.status == 200);
  CHECK(arrived.json.Str("workOrder.status") == "ON_SITE");
  Reply on_site_ticket = PollUntil(
      [&] { return cast.agent.Get("/v1/tickets/" + ticket); },
      [](const Reply& r) { return Deadline(r.json, "ONSITE_ARRIVAL").Str("state") == "MET"; });
  INFO(Describe(on_site_ticket));
  CHECK(Deadline(on_site_ticket.json, "ONSITE_ARRIVAL").Str("state") == "MET");
  CHECK(on_site_ticket.json.Str("status") == "ONSITE_IN_PROGRESS");

  // 5. Fixed with one brake pad from the van: the van holds one fewer and
  // nothing stays reserved.
  Reply completed = engineer_app.Post(
      base + ":complete", R"({"findings":"刹车片磨损","actions":"更换刹车片并调试","fixed":true,)"
                          R"("partsUsed":[{"sku":)" +
                              Q(w.sku) + R"(,"quantity":1,"location":)" + Q(w.van) + "}]}");
  INFO(Describe(completed));
  REQUIRE(completed.status == 200);
  CHECK(completed.json.Str("workOrder.status") == "WORK_DONE");
  Reply stock = PollUntil([&] { return GetStock(cast, w); },
                          [](const Reply& r) {
                            return r.json.Num("levels[0].onHand") == 4 &&
                                   r.json.Num("levels[0].reserved") == 0;
                          });
  INFO(Describe(stock));
  CHECK(stock.json.Num("levels[0].onHand") == 4);
  CHECK(stock.json.Num("levels[0].reserved") == 0);
  CHECK(stock.json.Num("levels[0].available") == 4);

  // 6. Intake resolves the ticket when the work is done and fixed; the
  // customer's signature closes it (services/intake/tickets: SignedOff).
  Reply resolved = PollUntil([&] { return customer_app.Get("/v1/tickets/" + ticket); },
                             [](const Reply& r) { return r.json.Str("status") == "RESOLVED"; });
  INFO(Describe(resolved));
  CHECK(resolved.status == 200);
  CHECK(resolved.json.Str("status") == "RESOLVED");
  CHECK(resolved.json.Str("workOrderId") == wo_id);
  Reply signed_off =
      engineer_app.Post(base + ":signOff", R"({"signedBy":"王伟","feedback":"已恢复正常"})");
  INFO(Describe(signed_off));
  REQUIRE(signed_off.status == 200);
  CHECK(signed_off.json.Str("workOrder.status") == "SIGNED_OFF");
  CHECK(signed_off.json.Str("workOrder.signedBy") == "王伟");
  Reply closed = PollUntil([&] { return customer_app.Get("/v1/tickets/" + ticket); },
                           [](const Reply& r) { return r.json.Str("status") == "CLOSED"; });
  INFO(Describe(closed));
  CHECK(closed.json.Str("status") == "CLOSED");

  // 7. A return visit falls to the care team; the customer rates it 2.
  Reply visits = PollUntil(
      [&] { return cast.care.Get("/v1/followups?ticketNumber=" + ticket + "&kind=RETURN_VISIT"); },
      [](const Reply& r) { return !r.json.Array("followups").empty(); });
  INFO(Describe(visits));
  REQUIRE(visits.json.Array("followups").size() == 1);
  Json visit = visits.json.Array("followups")[0];
  CHECK(visit.Str("status") == "OPEN");
  CHECK(visit.Str("customerId") == w.customer_id);
  Reply rated = cast.care.Post("/v1/followups/" + visit.Str("id") + ":complete",
                               R"({"satisfaction":2,"comment":"等了太久，工程师态度一般"})");
  INFO(Describe(rated));
  REQUIRE(rated.status == 200);
  CHECK(rated.json.Str("followup.status") == "DONE");

  // 8. A rating of 2 opens a complaint; care handles it to confirmation.
  Reply complaints =
      PollUntil([&] { return cast.care.Get("/v1/complaints?ticketNumber=" + ticket); },
                [](const Reply& r) { return !r.json.Array("complaints").empty(); });
  INFO(Describe(complaints));
  REQUIRE(complaints.json.Array("complaints").size() == 1);
  Json complaint = complaints.json.Array("complaints")[0];
  CHECK(complaint.Str("status") == "RECEIVED");
  CHECK(complaint.Str("customerId") == w.customer_id);
  for (const char* status : {"INVESTIGATING", "RESOLVED", "CONFIRMED"}) {
    Reply advanced =
        cast.care.Post("/v1/complaints/" + complaint.Str("id") + ":advance",
                       R"({"status":")" + std::string(status) + R"(","note":"回访处理"})");
    INFO(Describe(advanced));
    REQUIRE(advanced.status == 200);
    CHECK(advanced.json.Str("complaint.status") == status);
  }

  // 9. Today's service report: the visit, the met arrival clock, the 2 and
  // the complaint, the part.
  const std::string report_target =
      "/v1/reports/service?from=" + UtcDate(0) + "T00:00:00Z&to=" + UtcDate(1) + "T00:00:00Z";
  Reply report = PollUntil([&] { return cast.care.Get(report_target); },
                           [](const Reply& r) {
                             return r.json.Num("complaintsResolved") >= 1 &&
                                    r.json.Num("surveys") >= 1 && r.json.Num("visits") >= 1;
                           });
  INFO(Describe(report));
  REQUIRE(report.status == 200);
  CHECK(report.json.Num("visits") == 1);
  CHECK(report.json.Num("firstTimeFixRate") == 1);
  double arrival_met = 0, arrival_breached = 0;
  for (const Json& d : report.json.Array("deadlines")) {
    if (d.Str("clock") == "ONSITE_ARRIVAL") {
      arrival_met += d.Num("met");
      arrival_breached += d.Num("breached");
    }
  }
  CHECK(arrival_met == 1);
  CHECK(arrival_breached == 0);
  CHECK(report.json.Num("surveys") == 1);
  CHECK(report.json.Num("satisfactionAverage") == 2);
  double twos = 0;
  for (const Json& s : report.json.Array("satisfactionDistribution")) {
    if (s.Num("score") == 2) twos = s.Num("count");
  }
  CHECK(twos == 1);
  CHECK(report.json.Num("complaintsOpened") == 1);
  CHECK(report.json.Num("complaintsResolved") == 1);
  CHECK(report.json.Str("partsUsed[0].sku") == w.sku);
  CHECK(report.json.Num("partsUsed[0].quantity") == 1);

  // The history tells the whole story to the customer, oldest first.
  Reply history = customer_app.Get("/v1/tickets/" + ticket + "/history");
  INFO(Describe(history));
  CHECK(history.status == 200);
  CHECK(history.json.Array("entries").size() >= 5);
}

// Responds, sends on site and runs the assigned work order to ON_SITE;
// returns the work order id.
std::string BringEngineerOnSite(const Cast& cast, const Caller& engineer_app,
                                const std::string& ticket) {
  Reply responded = cast.agent.Post("/v1/tickets/" + ticket + ":respond", R"({"note":"已回电"})");
  INFO(Describe(responded));
  REQUIRE(responded.status == 200);
  Reply onsite = cast.agent.Post("/v1/tickets/" + ticket + ":requestOnsite",
                                 R"({"note":"需上门","requiredSkill":"parking"})");
  INFO(Describe(onsite));
  REQUIRE(onsite.status == 200);
  Reply assigned = AwaitAssignment(cast, ticket);
  INFO(Describe(assigned));
  REQUIRE(assigned.json.Array("workOrders").size() == 1);
  const std::string base = "/v1/workorders/" + assigned.json.Str("workOrders[0].id");
  for (const char* step : {":accept", ":depart", ":arrive"}) {
    Reply r = engineer_app.Post(base + step, std::string(step) == ":accept"
                                                 ? "{}"
                                                 : R"({"latitude":31.195,"longitude":121.32})");
    INFO(Describe(r));
    REQUIRE(r.status == 200);
  }
  return assigned.json.Str("workOrders[0].id");
}

TEST_CASE("journey: an out-of-warranty fault is billed with itemised fee lines on completion",
          "[journey]") {
  Platform platform(JourneyEnv());
  INFO("platform logs in " << platform.log_dir());
  Cast cast(platform.gateway().http_port);
  World w = SetUp(cast, "oow", /*in_warranty=*/false);
  Caller customer_app(cast.port, Token(kPlatformJwtSecret, "customer", "wang-wei", w.customer_id));
  Caller engineer_app(cast.port,
                      Token(kPlatformJwtSecret, "engineer", "li-lei", "", w.engineer_id));

  Reply reported = ReportFault(customer_app, w);
  INFO(Describe(reported));
  REQUIRE(reported.status == 201);
  const std::string ticket = reported.json.Str("number");
  CHECK_FALSE(reported.json.Bool("warranty.covered"));
  CHECK(reported.json.Str("warranty.basis") == "NONE");

  const std::string wo_id = BringEngineerOnSite(cast, engineer_app, ticket);
  Reply wo = cast.dispatcher.Get("/v1/workorders/" + wo_id);
  INFO(Describe(wo));
  CHECK_FALSE(wo.json.Bool("warrantyCovered"));

  Reply completed = engineer_app.Post(
      "/v1/workorders/" + wo_id + ":complete",
      R"({"findings":"主板电源模块烧毁","actions":"更换刹车片，维修电源","fixed":true,)"
      R"("partsUsed":[{"sku":)" +
          Q(w.sku) + R"(,"quantity":1,"location":)" + Q(w.van) +
          "}],"
          R"("feeLines":[{"description":"上门费","amount":{"currencyCode":"CNY","minorUnits":"20000"}},)"
          R"({"description":"人工费 1.5 小时","amount":{"currencyCode":"CNY","minorUnits":"15000"}},)"
          R"({"description":"刹车片 x1","amount":{"currencyCode":"CNY","minorUnits":15000}}]})");
  INFO(Describe(completed));
  REQUIRE(completed.status == 200);
  CHECK(completed.json.Str("workOrder.status") == "WORK_DONE");
  auto fees = completed.json.Array("workOrder.feeLines");
  REQUIRE(fees.size() == 3);
  CHECK(fees[0].Str("description") == "上门费");
  CHECK(fees[0].Str("amount.currencyCode") == "CNY");
  CHECK(fees[0].Num("amount.minorUnits") == 20000);
  CHECK(fees[1].Num("amount.minorUnits") == 15000);
  CHECK(fees[2].Str("description") == "刹车片 x1");
  CHECK(fees[2].Num("amount.minorUnits") == 15000);
  // The bill is on the record the office reads later, not only in the answer.
  Reply stored = cast.dispatcher.Get("/v1/workorders/" + wo_id);
  INFO(Describe(stored));
  CHECK(stored.json.Array("feeLines").size() == 3);
  Reply stock = PollUntil([&] { return GetStock(cast, w); },
                          [](const Reply& r) { return r.json.Num("levels[0].onHand") == 4; });
  INFO(Describe(stock));
  CHECK(stock.json.Num("levels[0].onHand") == 4);
  CHECK(stock.json.Num("levels[0].reserved") == 0);
}

TEST_CASE("journey: warranty work refuses fee lines and nothing of the completion is kept",
          "[journey]") {
  Platform platform(JourneyEnv());
  INFO("platform logs in " << platform.log_dir());
  Cast cast(platform.gateway().http_port);
  World w = SetUp(cast, "free", /*in_warranty=*/true);
  Caller customer_app(cast.port, Token(kPlatformJwtSecret, "customer", "wang-wei", w.customer_id));
  Caller engineer_app(cast.port,
                      Token(kPlatformJwtSecret, "engineer", "li-lei", "", w.engineer_id));
  Reply reported = ReportFault(customer_app, w);
  INFO(Describe(reported));
  REQUIRE(reported.status == 201);
  const std::string wo_id = BringEngineerOnSite(cast, engineer_app, reported.json.Str("number"));
  Reply refused = engineer_app.Post(
      "/v1/workorders/" + wo_id + ":complete",
      R"({"findings":"x","actions":"y","fixed":true,"partsUsed":[{"sku":)" + Q(w.sku) +
          R"(,"quantity":1,"location":)" + Q(w.van) +
          R"(}],"feeLines":[{"description":"上门费","amount":{"currencyCode":"CNY","minorUnits":"20000"}}]})");
  INFO(Describe(refused));
  CHECK(refused.status == 400);
  CHECK_THAT(refused.body, Catch::Contains("FEES_ON_WARRANTY_WORK"));
  Reply wo = cast.dispatcher.Get("/v1/workorders/" + wo_id);
  CHECK(wo.json.Str("status") == "ON_SITE");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Reply stock = GetStock(cast, w);
  INFO(Describe(stock));
  CHECK(stock.json.Num("levels[0].onHand") == 5);
  CHECK(stock.json.Num("levels[0].reserved") == 0);
}

TEST_CASE("journey: an advance replacement whose faulty unit does not come back goes overdue",
          "[journey]") {
  Platform platform(JourneyEnv(), PlatformClock::kTest);
  INFO("platform logs in " << platform.log_dir());
  Cast cast(platform.gateway().http_port);
  World w = SetUp(cast, "adv", /*in_warranty=*/true);
  Caller customer_app(cast.port, Token(kPlatformJwtSecret, "customer", "wang-wei", w.customer_id));
  Reply depot = cast.warehouse.Post(
      "/v1/locations",
      R"({"id":"depot-sh","name":"上海中心库","type":"DEPOT","branch":"shanghai"})", "depot-sh");
  INFO(Describe(depot));
  REQUIRE(depot.status == 201);
  Reply received = cast.warehouse.Post(
      "/v1/stock:receive", R"({"location":"depot-sh","sku":)" + Q(w.sku) + R"(,"quantity":3})");
  INFO(Describe(received));
  REQUIRE(received.status == 200);

  Reply reported = ReportFault(customer_app, w);
  INFO(Describe(reported));
  REQUIRE(reported.status == 201);
  const std::string ticket = reported.json.Str("number");

  // The good unit ships now; the faulty one is due back within a week.
  const std::string return_due = UtcTime(platform.Now() + days(7));
  Reply shipped =
      cast.warehouse.Post("/v1/advance-replacements",
                          R"({"ticketNumber":)" + Q(ticket) + R"(,"sku":)" + Q(w.sku) +
                              R"(,"shipFrom":"depot-sh","returnDue":)" + Q(return_due) + "}",
                          "advance-" + ticket);
  INFO(Describe(shipped));
  REQUIRE(shipped.status == 201);
  const std::string id = shipped.json.Str("id");
  CHECK(shipped.json.Str("status") == "SHIPPED");
  CHECK(ParseUtcTime(shipped.json.Str("returnDue")) == ParseUtcTime(return_due));
  Reply depot_stock = cast.warehouse.Get("/v1/stock?sku=" + w.sku + "&location=depot-sh");
  INFO(Describe(depot_stock));
  CHECK(depot_stock.json.Num("levels[0].onHand") == 2);
  Reply not_yet = cast.warehouse.Get("/v1/advance-replacements?overdue=true");
  INFO(Describe(not_yet));
  CHECK(not_yet.status == 200);
  CHECK(not_yet.json.Array("advanceReplacements").empty());

  // Six days on, the unit is late to nobody yet: two rounds of the overdue
  // scan (1 s) leave it SHIPPED.
  platform.AdvanceClock(days(6));
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  Reply day_six = cast.warehouse.Get("/v1/advance-replacements?overdue=true");
  INFO(Describe(day_six));
  CHECK(day_six.json.Array("advanceReplacements").empty());
  Reply listed = cast.warehouse.Get("/v1/advance-replacements?ticketNumber=" + ticket);
  INFO(Describe(listed));
  CHECK(listed.json.Str("advanceReplacements[0].status") == "SHIPPED");

  // Day eight: past its returnDue, the scan marks it OVERDUE.
  platform.AdvanceClock(days(2));
  Reply overdue = PollUntil(
      [&] { return cast.warehouse.Get("/v1/advance-replacements?overdue=true"); },
      [](const Reply& r) { return r.json.Str("advanceReplacements[0].status") == "OVERDUE"; });
  INFO(Describe(overdue));
  REQUIRE(overdue.json.Array("advanceReplacements").size() == 1);
  CHECK(overdue.json.Str("advanceReplacements[0].id") == id);
  CHECK(overdue.json.Str("advanceReplacements[0].status") == "OVERDUE");
  CHECK(overdue.json.Str("advanceReplacements[0].ticketNumber") == ticket);

  // The unit finally comes back: no longer overdue.
  Reply back = cast.warehouse.Post("/v1/advance-replacements/" + id + ":receiveReturn",
                                   R"({"serial":"FAULTY-)" + w.serial + R"("})");
  INFO(Describe(back));
  CHECK(back.status == 200);
  CHECK(back.json.Str("advanceReplacement.status") == "RETURNED");
  Reply after = cast.warehouse.Get("/v1/advance-replacements?overdue=true");
  CHECK(after.json.Array("advanceReplacements").empty());
}

TEST_CASE("journey: a fix by phone whose 24-hour reconfirmation fails reopens the ticket",
          "[journey]") {
  Platform platform(JourneyEnv(), PlatformClock::kTest);
  INFO("platform logs in " << platform.log_dir());
  Cast cast(platform.gateway().http_port);
  World w = SetUp(cast, "phone", /*in_warranty=*/true);
  Caller customer_app(cast.port, Token(kPlatformJwtSecret, "customer", "wang-wei", w.customer_id));

  Reply article = cast.agent.Post(
      "/v1/knowledge/articles",
      R"({"title":"道闸不抬杆：控制器复位","symptoms":"道闸不抬杆","solution":"断电 30 秒后重启控制器",)"
      R"("models":["PK-9000"],"tags":["道闸","parking"]})",
      "article-phone");
  INFO(Describe(article));
  REQUIRE(article.status == 201);
  Reply reported = ReportFault(customer_app, w);
  INFO(Describe(reported));
  REQUIRE(reported.status == 201);
  const std::string ticket = reported.json.Str("number");
  Reply responded = cast.agent.Post("/v1/tickets/" + ticket + ":respond", R"({"note":"已回电"})");
  REQUIRE(responded.status == 200);
  Reply fixed = cast.agent.Post(
      "/v1/tickets/" + ticket + ":resolveByPhone",
      R"({"solution":"指导客户断电重启控制器","articleId":)" + Q(article.json.Str("id")) + "}");
  INFO(Describe(fixed));
  REQUIRE(fixed.status == 200);
  CHECK(fixed.json.Str("ticket.status") == "RESOLVED");

  Reply reconfirm = PollUntil(
      [&] { return cast.care.Get("/v1/followups?ticketNumber=" + ticket + "&kind=RECONFIRM"); },
      [](const Reply& r) { return !r.json.Array("followups").empty(); });
  INFO(Describe(reconfirm));
  REQUIRE(reconfirm.json.Array("followups").size() == 1);
  CHECK(reconfirm.json.Str("followups[0].status") == "OPEN");
  const std::string followup_id = reconfirm.json.Str("followups[0].id");
  const auto due = ParseUtcTime(reconfirm.json.Str("followups[0].due"));
  CHECK(due > platform.Now() + hours(23));
  CHECK(due < platform.Now() + hours(25));
  // A phone fix gets no return visit: the reconfirmation is the callback.
  CHECK(cast.care.Get("/v1/followups?ticketNumber=" + ticket + "&kind=RETURN_VISIT")
            .json.Array("followups")
            .empty());
  // The care team's list of what is due now does not have it yet.
  auto due_now = [&] {
    return cast.care.Get("/v1/followups?kind=RECONFIRM&status=OPEN&dueBefore=" +
                         UtcTime(platform.Now()));
  };
  Reply not_due = due_now();
  INFO(Describe(not_due));
  REQUIRE(not_due.status == 200);
  CHECK(not_due.json.Array("followups").empty());

  // The next day: it is due, on the list and announced to the care staff.
  platform.AdvanceClock(hours(25));
  Reply now_due = due_now();
  INFO(Describe(now_due));
  REQUIRE(now_due.json.Array("followups").size() == 1);
  CHECK(now_due.json.Str("followups[0].id") == followup_id);
  const std::string announced = "\"subject_id\":\"" + followup_id + "\"";
  const std::string notice = PollLog(platform, "followup", announced);
  INFO("followup log:\n" << platform.Log("followup"));
  CHECK_THAT(notice, Catch::Contains("FOLLOWUP_DUE"));
  CHECK_THAT(notice, Catch::Contains("care-staff"));

  const std::chrono::system_clock::time_point called_back = platform.Now();
  Reply failed =
      cast.care.Post("/v1/followups/" + reconfirm.json.Str("followups[0].id") + ":complete",
                     R"({"satisfaction":3,"comment":"第二天又不抬杆了","faultBack":true})");
  INFO(Describe(failed));
  REQUIRE(failed.status == 200);
  CHECK(failed.json.Str("followup.status") == "DONE");

  Reply reopened = PollUntil([&] { return customer_app.Get("/v1/tickets/" + ticket); },
                             [](const Reply& r) { return r.json.Str("status") == "OPEN"; });
  INFO(Describe(reopened));
  CHECK(reopened.json.Str("status") == "OPEN");
  CHECK(Deadline(reopened.json, "FIRST_RESPONSE").Str("state") == "RUNNING");
  // The new clock starts at the callback, a day after the fix.
  CHECK(ParseUtcTime(Deadline(reopened.json, "FIRST_RESPONSE").Str("startTime")) >=
        called_back - std::chrono::seconds(1));
  Reply history = cast.agent.Get("/v1/tickets/" + ticket + "/history");
  INFO(Describe(history));
  bool saw_reopen = false;
  for (const Json& e : history.json.Array("entries")) saw_reopen |= e.Str("kind") == "REOPENED";
  CHECK(saw_reopen);
}

// The history entries of `kind` whose detail names `clock`.
int HistoryCount(const Reply& history, const std::string& kind, const std::string& clock) {
  int n = 0;
  for (const Json& e : history.json.Array("entries")) {
    if (e.Str("kind") == kind && e.Str("detail").find(clock) != std::string::npos) ++n;
  }
  return n;
}

TEST_CASE(
    "journey: nobody calls back about an emergency, so the watchdog warns and then breaches "
    "the first-response clock as time passes, and dispatch's work order is on the same time",
    "[journey]") {
  Platform platform(JourneyEnv(), PlatformClock::kTest);
  INFO("platform logs in " << platform.log_dir());
  Cast cast(platform.gateway().http_port);
  World w = SetUp(cast, "late", /*in_warranty=*/true);
  Caller customer_app(cast.port, Token(kPlatformJwtSecret, "customer", "wang-wei", w.customer_id));

  Reply reported = ReportFault(customer_app, w);
  INFO(Describe(reported));
  REQUIRE(reported.status == 201);
  const std::string ticket = reported.json.Str("number");
  CHECK(reported.json.Str("severity") == "EMERGENCY");
  const Json first = Deadline(reported.json, "FIRST_RESPONSE");
  REQUIRE(first.Str("state") == "RUNNING");
  const auto start = ParseUtcTime(first.Str("startTime"));
  const auto due = ParseUtcTime(first.Str("due"));
  REQUIRE(due - start == hours(1));  // domain.md: one hour for every severity

  // 48 of the 60 minutes pass: past the warning point (75 %), not yet due.
  platform.AdvanceClock(
      std::chrono::duration_cast<std::chrono::milliseconds>(start + minutes(48) - platform.Now()));
  auto ticket_now = [&] { return cast.agent.Get("/v1/tickets/" + ticket); };
  Reply warned = PollUntil(ticket_now, [](const Reply& r) {
    return Deadline(r.json, "FIRST_RESPONSE").Str("state") == "WARNED";
  });
  INFO(Describe(warned));
  CHECK(Deadline(warned.json, "FIRST_RESPONSE").Str("state") == "WARNED");
  CHECK(warned.json.Str("status") == "OPEN");
  Reply history = cast.agent.Get("/v1/tickets/" + ticket + "/history");
  INFO(Describe(history));
  CHECK(HistoryCount(history, "CLOCK_WARNING", "FIRST_RESPONSE") == 1);
  CHECK(HistoryCount(history, "CLOCK_BREACHED", "FIRST_RESPONSE") == 0);

  // An hour and five minutes after the report: breached, once.
  platform.AdvanceClock(minutes(17));
  Reply breached = PollUntil(ticket_now, [](const Reply& r) {
    return Deadline(r.json, "FIRST_RESPONSE").Str("state") == "BREACHED";
  });
  INFO(Describe(breached));
  CHECK(Deadline(breached.json, "FIRST_RESPONSE").Str("state") == "BREACHED");
  CHECK(ParseUtcTime(Deadline(breached.json, "FIRST_RESPONSE").Str("due")) == due);
  history = cast.agent.Get("/v1/tickets/" + ticket + "/history");
  INFO(Describe(history));
  CHECK(HistoryCount(history, "CLOCK_WARNING", "FIRST_RESPONSE") == 1);
  CHECK(HistoryCount(history, "CLOCK_BREACHED", "FIRST_RESPONSE") == 1);

  // The late call back does not undo the breach.
  Reply responded =
      cast.agent.Post("/v1/tickets/" + ticket + ":respond", R"({"note":"迟到的回电"})");
  INFO(Describe(responded));
  REQUIRE(responded.status == 200);
  CHECK(responded.json.Str("ticket.status") == "RESPONDED");
  CHECK(Deadline(responded.json.At("ticket"), "FIRST_RESPONSE").Str("state") == "BREACHED");

  // Dispatch reads the same clock: the work order is made at the moved time.
  const auto requested = platform.Now();
  Reply onsite = cast.agent.Post("/v1/tickets/" + ticket + ":requestOnsite",
                                 R"({"note":"需上门","requiredSkill":"parking"})");
  INFO(Describe(onsite));
  REQUIRE(onsite.status == 200);
  Reply assigned = AwaitAssignment(cast, ticket);
  INFO(Describe(assigned));
  REQUIRE(assigned.json.Array("workOrders").size() == 1);
  const auto created = ParseUtcTime(assigned.json.Str("workOrders[0].createTime"));
  CHECK(created >= requested - std::chrono::seconds(1));
  CHECK(created > std::chrono::system_clock::now() + minutes(60));
  CHECK(ParseUtcTime(assigned.json.Str("workOrders[0].onsiteDue")) > created);
}

TEST_CASE(
    "journey: an emergency pre-empts a minor job that has not started, which waits and "
    "is re-planned when the engineer is free again",
    "[journey]") {
  Platform platform(JourneyEnv());
  INFO("platform logs in " << platform.log_dir());
  Cast cast(platform.gateway().http_port);
  World w = SetUp(cast, "pre", /*in_warranty=*/true, /*max_jobs=*/1);
  Caller customer_app(cast.port, Token(kPlatformJwtSecret, "customer", "wang-wei", w.customer_id));
  Caller engineer_app(cast.port,
                      Token(kPlatformJwtSecret, "engineer", "li-lei", "", w.engineer_id));
  auto send_on_site = [&](const std::string& ticket) {
    REQUIRE(cast.agent.Post("/v1/tickets/" + ticket + ":respond", R"({"note":"已回电"})").status ==
            200);
    Reply onsite = cast.agent.Post("/v1/tickets/" + ticket + ":requestOnsite",
                                   R"({"note":"需上门","requiredSkill":"parking"})");
    INFO(Describe(onsite));
    REQUIRE(onsite.status == 200);
  };

  // A spare card reader is down: minor, and the only engineer takes it.
  Reply minor = ReportFault(customer_app, w, "RARE_DEVICE_DOWN");
  INFO(Describe(minor));
  REQUIRE(minor.status == 201);
  const std::string minor_ticket = minor.json.Str("number");
  CHECK(minor.json.Str("severity") != "EMERGENCY");
  send_on_site(minor_ticket);
  Reply minor_wo = AwaitAssignment(cast, minor_ticket);
  INFO(Describe(minor_wo));
  REQUIRE(minor_wo.json.Str("workOrders[0].engineerId") == w.engineer_id);
  const std::string minor_id = minor_wo.json.Str("workOrders[0].id");

  // Then the whole car park stops: an emergency, and the engineer is full.
  Reply emergency = ReportFault(customer_app, w, "SYSTEM_DOWN");
  INFO(Describe(emergency));
  REQUIRE(emergency.status == 201);
  const std::string emergency_ticket = emergency.json.Str("number");
  CHECK(emergency.json.Str("severity") == "EMERGENCY");
  send_on_site(emergency_ticket);
  Reply emergency_wo = AwaitAssignment(cast, emergency_ticket);
  INFO(Describe(emergency_wo));
  CHECK(emergency_wo.json.Str("workOrders[0].engineerId") == w.engineer_id);
  const std::string emergency_id = emergency_wo.json.Str("workOrders[0].id");

  // The minor job lost its engineer and waits; the engineer's list shows
  // only the emergency.
  Reply displaced = PollUntil([&] { return cast.dispatcher.Get("/v1/workorders/" + minor_id); },
                              [](const Reply& r) { return r.json.Str("engineerId").empty(); });
  INFO(Describe(displaced));
  CHECK(displaced.json.Str("engineerId").empty());
  CHECK(displaced.json.Str("status") != "CANCELLED");
  Reply mine = engineer_app.Get("/v1/workorders?engineerId=" + w.engineer_id);
  INFO(Describe(mine));
  bool sees_minor = false;
  for (const Json& wo : mine.json.Array("workOrders")) {
    sees_minor |= wo.Str("id") == minor_id && wo.Str("engineerId") == w.engineer_id;
  }
  CHECK_FALSE(sees_minor);

  // The emergency is done and signed: the minor job comes back to him.
  const std::string base = "/v1/workorders/" + emergency_id;
  for (const char* step : {":accept", ":depart", ":arrive"}) {
    Reply r = engineer_app.Post(base + step, std::string(step) == ":accept"
                                                 ? "{}"
                                                 : R"({"latitude":31.195,"longitude":121.32})");
    INFO(Describe(r));
    REQUIRE(r.status == 200);
  }
  Reply done = engineer_app.Post(base + ":complete",
                                 R"({"findings":"电机过热","actions":"复位并散热","fixed":true})");
  INFO(Describe(done));
  REQUIRE(done.status == 200);
  Reply signed_off = engineer_app.Post(base + ":signOff", R"({"signedBy":"王伟"})");
  INFO(Describe(signed_off));
  REQUIRE(signed_off.status == 200);
  Reply replanned =
      PollUntil([&] { return cast.dispatcher.Get("/v1/workorders/" + minor_id); },
                [&](const Reply& r) { return r.json.Str("engineerId") == w.engineer_id; });
  INFO(Describe(replanned));
  CHECK(replanned.json.Str("engineerId") == w.engineer_id);
  CHECK(replanned.json.Str("status") == "ASSIGNED");
}

}  // namespace
}  // namespace aftersales::journeys

// Two replicas of every service and two gateways on one redis-server. Tickets
// go in through both gateways, one replica of each service is SIGKILLed while
// work is under way, and then every accepted ticket has exactly one work
// order, its parts left stock exactly once (the ledger agrees) and its
// sign-off made exactly one return visit.
#include <google/protobuf/util/json_util.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <set>
#include <thread>

#include "aftersales/dispatch/v1/dispatch.grpc.pb.h"
#include "aftersales/followup/v1/followup.grpc.pb.h"
#include "aftersales/intake/v1/intake.grpc.pb.h"
#include "aftersales/inventory/v1/inventory.grpc.pb.h"
#include "services/common/auth/jwt.h"
#include "services/common/clock.h"
#include "services/common/grpc/client.h"
#include "services/common/grpc/status_mapping.h"
#include "services/common/redis/pool.h"
#include "services/common/runtime/uuid.h"
#include "services/inventory/storage/ledger_audit.h"
#include "tests/replicas/replica_platform.h"
#include "tests/support/http_client.h"

namespace aftersales::testing {
namespace {

namespace cv1 = ::aftersales::common::v1;
namespace iv1 = ::aftersales::intake::v1;
namespace dv1 = ::aftersales::dispatch::v1;
namespace inv = ::aftersales::inventory::v1;
namespace fv1 = ::aftersales::followup::v1;

constexpr int kTickets = 60;
constexpr int kEngineers = 6;
constexpr int kVanStock = 20;

template <typename F>
bool Eventually(F probe, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (probe()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return probe();
}

// One RPC through a round-robin channel. A replica that was just killed
// answers UNAVAILABLE (or lets the deadline pass) until the channel drops
// it, so the call is repeated, with the same request_id: what a client that
// follows the idempotency contract does.
template <typename Stub, typename Method, typename Req, typename Resp>
Status Call(Stub& stub, Method method, Req req, Resp* resp, const std::string& role,
            const std::string& engineer_id = "") {
  const std::string request_id = NewUuid();
  if (const auto* field = req.GetDescriptor()->FindFieldByName("request_id")) {
    req.GetReflection()->SetString(&req, field, request_id);
  }
  Status s = Internal("NOT_CALLED", "");
  for (int attempt = 0; attempt < 40; ++attempt) {
    auto ctx = grpcx::NewCallContext(std::chrono::seconds(5), request_id);
    ctx->AddMetadata("x-caller-role", role);
    ctx->AddMetadata("x-caller-subject", "replicas-e2e");
    if (!engineer_id.empty()) ctx->AddMetadata("x-caller-engineer-id", engineer_id);
    resp->Clear();
    s = grpcx::FromGrpcStatus((stub.*method)(ctx.get(), req, resp));
    if (s.code() != Code::kUnavailable && s.code() != Code::kDeadlineExceeded &&
        s.code() != Code::kAborted) {
      return s;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return s;
}

// One HTTP call through a gateway, repeated on 429/5xx/no answer with the
// same Idempotency-Key (creates) or X-Request-Id (actions).
HttpResult Http(int port, const std::string& method, const std::string& target,
                const std::string& body, const std::string& token, const std::string& key) {
  HttpResult r;
  for (int attempt = 0; attempt < 40; ++attempt) {
    r = HttpRequest(port, method, target, body,
                    {{"Authorization", "Bearer " + token},
                     {"Content-Type", "application/json"},
                     {"Idempotency-Key", key},
                     {"X-Request-Id", key}});
    if (r.status != 0 && r.status != 429 && r.status < 500) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return r;
}

std::string Token(const std::string& role) {
  auth::Claims claims;
  claims.sub = "replicas-e2e";
  claims.role = role;
  claims.exp = std::chrono::system_clock::now() + std::chrono::hours(1);
  return auth::SignJwt(claims, kPlatformJwtSecret);
}

void Kill(ReplicaPlatform& platform, const std::string& name) {
  auto& p = *platform.replica(name, 0).process;
  REQUIRE(p.running());
  p.Stop(SIGKILL, std::chrono::seconds(5));
  REQUIRE_FALSE(p.running());
}

TEST_CASE(
    "two replicas of everything lose nothing and do nothing twice when one of each is killed") {
  ReplicaPlatform platform(
      2, {{"AFTERSALES_RATE_LIMIT", "100000"}, {"AFTERSALES_RATE_BURST", "100000"}});
  // The processes' logs, read when a check fails (INFO would read them now).
  auto logs_if = [&](bool failed) {
    if (failed) UNSCOPED_INFO("logs:\n" << platform.Logs());
    return failed;
  };
  auto in = iv1::IntakeService::NewStub(grpcx::MakeChannel(platform.Target("intake")));
  auto di = dv1::DispatchService::NewStub(grpcx::MakeChannel(platform.Target("dispatch")));
  auto st = inv::InventoryService::NewStub(grpcx::MakeChannel(platform.Target("inventory")));
  auto fu = fv1::FollowupService::NewStub(grpcx::MakeChannel(platform.Target("followup")));
  for (int g = 0; g < platform.replicas(); ++g) {
    const int port = platform.replica("gateway", g).http_port;
    REQUIRE(Eventually([&] { return HttpGet(port, "/readyz").status == 200; },
                       std::chrono::seconds(20)));
  }

  // An engineer pool near the site, each with a van of brakes.
  inv::CreatePartRequest part;
  part.set_sku("BRK-1");
  part.set_name("barrier brake");
  part.set_model("BRK");
  part.set_category(cv1::ACCESSORY);
  part.mutable_cost_price()->set_currency_code("CNY");
  part.mutable_cost_price()->set_minor_units(10000);
  part.mutable_sale_price()->set_currency_code("CNY");
  part.mutable_sale_price()->set_minor_units(15000);
  inv::Part created_part;
  REQUIRE(Call(*st, &inv::InventoryService::Stub::CreatePart, part, &created_part, "admin").ok());
  std::map<std::string, std::string> van_of;  // engineer id -> van location
  for (int e = 0; e < kEngineers; ++e) {
    dv1::CreateEngineerRequest ce;
    ce.set_name("engineer " + std::to_string(e));
    ce.set_phone("13800138000");
    ce.set_branch("shanghai");
    ce.add_skills("parking");
    ce.add_zones(cv1::CITY);
    ce.set_max_concurrent_jobs(kTickets);
    dv1::Engineer engineer;
    REQUIRE(Call(*di, &dv1::DispatchService::Stub::CreateEngineer, ce, &engineer, "admin").ok());
    dv1::SetEngineerStatusRequest on;
    on.set_engineer_id(engineer.id());
    on.set_state(dv1::Engineer::AVAILABLE);
    on.set_latitude(31.2 + 0.01 * e);
    on.set_longitude(121.5);
    dv1::SetEngineerStatusResponse on_resp;
    REQUIRE(Call(*di, &dv1::DispatchService::Stub::SetEngineerStatus, on, &on_resp, "engineer",
                 engineer.id())
                .ok());
    inv::CreateLocationRequest van;
    van.set_id("van-" + std::to_string(e));
    van.set_name("van " + std::to_string(e));
    van.set_type(inv::Location::VAN);
    van.set_branch("shanghai");
    van.set_engineer_id(engineer.id());
    inv::Location location;
    REQUIRE(Call(*st, &inv::InventoryService::Stub::CreateLocation, van, &location, "admin").ok());
    inv::ReceiveStockRequest receive;
    receive.set_location(van.id());
    receive.set_sku("BRK-1");
    receive.set_quantity(kVanStock);
    inv::ReceiveStockResponse received;
    REQUIRE(
        Call(*st, &inv::InventoryService::Stub::ReceiveStock, receive, &received, "admin").ok());
    van_of[engineer.id()] = van.id();
  }

  // The install base: one customer, one site, an asset per ticket.
  iv1::CreateCustomerRequest cc;
  cc.set_name("Shanghai Parking Ltd");
  cc.set_contact_name("Wang Wei");
  cc.set_contact_phone("+86 21 5555 0100");
  iv1::Customer customer;
  REQUIRE(Call(*in, &iv1::IntakeService::Stub::CreateCustomer, cc, &customer, "agent").ok());
  iv1::CreateSiteRequest cs;
  cs.set_customer_id(customer.id());
  cs.set_name("Pudong car park");
  cs.set_address("Pudong, Shanghai");
  cs.set_zone(cv1::CITY);
  cs.set_branch("shanghai");
  cs.set_latitude(31.2);
  cs.set_longitude(121.5);
  iv1::Site site;
  REQUIRE(Call(*in, &iv1::IntakeService::Stub::CreateSite, cs, &site, "agent").ok());
  for (int t = 0; t < kTickets; ++t) {
    iv1::CreateAssetRequest ca;
    ca.set_serial_number("SN-R-" + std::to_string(t));
    ca.set_model("PK-9000");
    ca.set_category(cv1::MAINFRAME);
    ca.set_site_id(site.id());
    ca.set_accepted_on("2026-01-05");
    iv1::Asset asset;
    REQUIRE(Call(*in, &iv1::IntakeService::Stub::CreateAsset, ca, &asset, "agent").ok());
  }

  // Tickets through tcp-roundrobin in front of both gateways (what
  // `./dev run --replicas 2` runs); intake's and dispatch's first replicas
  // die half way.
  const int front = FreePort();
  std::vector<std::string> rr_argv = {BinDir() + "/tcp-roundrobin",
                                      "127.0.0.1:" + std::to_string(front)};
  for (int g = 0; g < platform.replicas(); ++g) {
    rr_argv.push_back("127.0.0.1:" + std::to_string(platform.replica("gateway", g).http_port));
  }
  ChildProcess round_robin(rr_argv);
  REQUIRE(WaitForPort(front, std::chrono::seconds(10)));
  const std::string agent = Token("agent");
  std::vector<std::string> accepted;
  google::protobuf::util::JsonParseOptions lenient;
  lenient.ignore_unknown_fields = true;
  for (int t = 0; t < kTickets; ++t) {
    if (t == kTickets / 2) {
      Kill(platform, "intake");
      Kill(platform, "dispatch");
    }
    const int port = front;
    const std::string key = "ticket-" + std::to_string(t);
    std::string body = R"({"customerId":")" + customer.id() + R"(","siteId":")" + site.id() +
                       R"(","assetSerial":"SN-R-)" + std::to_string(t) +
                       R"(","kind":"FAULT","channel":"HOTLINE","contactName":"Wang Wei",)"
                       R"("contactPhone":"13800138000","symptoms":"barrier does not lift",)"
                       R"("impact":"SYSTEM_DOWN"})";
    HttpResult created = Http(port, "POST", "/v1/tickets", body, agent, key);
    INFO(created.status << " " << created.body);
    if (created.status / 100 != 2) continue;
    iv1::Ticket ticket;
    REQUIRE(google::protobuf::util::JsonStringToMessage(created.body, &ticket, lenient).ok());
    REQUIRE_FALSE(ticket.number().empty());
    const std::string base = "/v1/tickets/" + ticket.number();
    HttpResult responded =
        Http(port, "POST", base + ":respond", R"({"note":"called back"})", agent, key + "-r");
    INFO(responded.body);
    REQUIRE(responded.status == 200);
    HttpResult onsite = Http(port, "POST", base + ":requestOnsite",
                             R"({"requiredSkill":"parking"})", agent, key + "-o");
    INFO(onsite.body);
    REQUIRE(onsite.status == 200);
    accepted.push_back(ticket.number());
  }
  // With retries through two gateways every report gets through, and both
  // gateways took their share.
  REQUIRE(accepted.size() == static_cast<size_t>(kTickets));
  for (int g = 0; g < platform.replicas(); ++g) {
    INFO("gateway " << g);
    CHECK_THAT(platform.Log("gateway", g), Catch::Contains("/v1/tickets"));
  }

  // Every accepted ticket gets its work order; a killed dispatch replica's
  // unacknowledged events are claimed by the other (after claim_idle, 30 s).
  // The waits below add up to less than the test's 280 s even when each
  // runs out, so a failure is reported, not cut off.
  std::map<std::string, dv1::WorkOrder> order_of;
  auto all_ordered = [&] {
    for (const auto& number : accepted) {
      if (order_of.count(number)) continue;
      dv1::ListWorkOrdersRequest list;
      list.set_ticket_number(number);
      dv1::ListWorkOrdersResponse listed;
      if (!Call(*di, &dv1::DispatchService::Stub::ListWorkOrders, list, &listed, "dispatcher")
               .ok()) {
        return false;
      }
      if (listed.work_orders_size() == 0) return false;
      order_of[number] = listed.work_orders(0);
    }
    return true;
  };
  const bool ordered = Eventually(all_ordered, std::chrono::seconds(60));
  logs_if(!ordered);
  REQUIRE(ordered);

  // Each engineer runs its jobs to sign-off with one brake from its van;
  // inventory's and followup's first replicas die half way (inventory-0 was
  // the partner of the dead dispatch-0, so dispatch-1 keeps its inventory).
  using D = dv1::DispatchService::Stub;
  int done_count = 0;
  for (const auto& number : accepted) {
    if (done_count++ == kTickets / 2) {
      Kill(platform, "inventory");
      Kill(platform, "followup");
    }
    dv1::GetWorkOrderRequest get;
    get.set_work_order_id(order_of[number].id());
    dv1::WorkOrder wo;
    REQUIRE(Call(*di, &D::GetWorkOrder, get, &wo, "dispatcher").ok());
    INFO("ticket " << number << " work order " << wo.DebugString());
    REQUIRE_FALSE(wo.engineer_id().empty());
    const std::string eng = wo.engineer_id();
    dv1::AcceptWorkOrderRequest accept;
    accept.set_work_order_id(wo.id());
    dv1::AcceptWorkOrderResponse accepted_resp;
    REQUIRE(Call(*di, &D::AcceptWorkOrder, accept, &accepted_resp, "engineer", eng).ok());
    dv1::DepartWorkOrderRequest depart;
    depart.set_work_order_id(wo.id());
    depart.set_latitude(31.21);
    depart.set_longitude(121.5);
    dv1::DepartWorkOrderResponse departed;
    REQUIRE(Call(*di, &D::DepartWorkOrder, depart, &departed, "engineer", eng).ok());
    dv1::ArriveWorkOrderRequest arrive;
    arrive.set_work_order_id(wo.id());
    arrive.set_latitude(31.2);
    arrive.set_longitude(121.5);
    dv1::ArriveWorkOrderResponse arrived;
    REQUIRE(Call(*di, &D::ArriveWorkOrder, arrive, &arrived, "engineer", eng).ok());
    dv1::CompleteWorkOrderRequest complete;
    complete.set_work_order_id(wo.id());
    complete.set_findings("brake worn");
    complete.set_actions("replaced the brake");
    complete.set_fixed(true);
    auto* used = complete.add_parts_used();
    used->set_sku("BRK-1");
    used->set_quantity(1);
    used->set_location(van_of.at(eng));
    dv1::CompleteWorkOrderResponse completed;
    Status s = Call(*di, &D::CompleteWorkOrder, complete, &completed, "engineer", eng);
    INFO(s.ToString());
    REQUIRE(s.ok());
    dv1::SignOffWorkOrderRequest sign;
    sign.set_work_order_id(wo.id());
    sign.set_signed_by("Wang Wei");
    dv1::SignOffWorkOrderResponse signed_off;
    REQUIRE(Call(*di, &D::SignOffWorkOrder, sign, &signed_off, "engineer", eng).ok());
  }

  // Exactly one work order per ticket, and no stray ones.
  for (const auto& number : accepted) {
    dv1::ListWorkOrdersRequest list;
    list.set_ticket_number(number);
    dv1::ListWorkOrdersResponse listed;
    REQUIRE(Call(*di, &D::ListWorkOrders, list, &listed, "dispatcher").ok());
    INFO(number);
    CHECK(listed.work_orders_size() == 1);
  }
  dv1::ListWorkOrdersRequest all;
  all.set_page_size(500);
  dv1::ListWorkOrdersResponse all_listed;
  REQUIRE(Call(*di, &D::ListWorkOrders, all, &all_listed, "dispatcher").ok());
  CHECK(all_listed.work_orders_size() == kTickets);

  // Parts: one brake per job left the vans, once (a second issue would take
  // more; a lost one would leave it reserved), and every level equals its
  // ledger.
  auto stock_total = [&](int64_t* on_hand, int64_t* reserved) {
    inv::ListStockLevelsRequest levels;
    levels.set_sku("BRK-1");
    levels.set_page_size(500);
    inv::ListStockLevelsResponse stock;
    if (!Call(*st, &inv::InventoryService::Stub::ListStockLevels, levels, &stock, "admin").ok()) {
      return false;
    }
    *on_hand = 0;
    *reserved = 0;
    for (const auto& l : stock.levels()) {
      *on_hand += l.on_hand();
      *reserved += l.reserved();
    }
    return true;
  };
  int64_t on_hand = -1;
  int64_t reserved = -1;
  const int64_t expected_on_hand = int64_t{kEngineers} * kVanStock - kTickets;
  const bool stock_settled = Eventually(
      [&] {
        return stock_total(&on_hand, &reserved) && on_hand == expected_on_hand && reserved == 0;
      },
      std::chrono::seconds(60));
  logs_if(!stock_settled);
  CHECK(stock_settled);
  std::this_thread::sleep_for(std::chrono::seconds(1));  // anything issued twice shows now
  REQUIRE(stock_total(&on_hand, &reserved));
  CHECK(on_hand == expected_on_hand);
  CHECK(reserved == 0);
  {
    redis::RedisOptions options;
    options.port = platform.redis().port();
    auto pool = redis::RedisPool::Create(options);
    REQUIRE(pool.ok());
    SystemClock clock;
    UuidGenerator ids;
    inventory::InventoryStore store(**pool, clock, ids);
    auto audit = inventory::AuditLedger(store);
    INFO(audit.status().ToString());
    REQUIRE(audit.ok());
    CHECK(audit->levels_checked >= kEngineers);
  }

  // Nothing stays stuck with a dead consumer: every event delivered to any
  // replica is acknowledged in the end (the survivors claim what the dead
  // ones held, after claim_idle).
  {
    redis::RedisOptions options;
    options.port = platform.redis().port();
    auto pool = redis::RedisPool::Create(options);
    REQUIRE(pool.ok());
    std::string stuck;
    int groups_seen = 0;
    auto nothing_pending = [&] {
      stuck.clear();
      groups_seen = 0;
      for (const char* stream :
           {"{intake}:events", "{dispatch}:events", "{inventory}:events", "{followup}:events"}) {
        auto groups = (*pool)->Command({"XINFO", "GROUPS", stream});
        if (!groups.ok()) continue;  // a stream nobody wrote to
        for (size_t g = 0; g < groups->size(); ++g) {
          auto group = (*groups)[g];
          std::string name;
          int64_t pending = 0;
          for (size_t f = 0; f + 1 < group.size(); f += 2) {
            if (group[f].str() == "name") name = group[f + 1].string();
            if (group[f].str() == "pending") pending = group[f + 1].integer().value_or(0);
          }
          if (!name.empty()) ++groups_seen;
          if (pending > 0) stuck += std::string(stream) + " " + name + " ";
        }
      }
      return stuck.empty();
    };
    const bool drained = Eventually(nothing_pending, std::chrono::seconds(60));
    INFO("still pending: " << stuck);
    logs_if(!drained);
    CHECK(drained);
    // dispatch, inventory, followup and intake each read at least one stream.
    CHECK(groups_seen >= 4);
  }

  // Follow-up: each signed-off work order made exactly one return visit.
  auto visits = [&](const std::string& number) {
    fv1::ListFollowupsRequest list;
    list.set_ticket_number(number);
    list.set_kind(fv1::Followup::RETURN_VISIT);
    fv1::ListFollowupsResponse found;
    if (!Call(*fu, &fv1::FollowupService::Stub::ListFollowups, list, &found, "care").ok()) {
      return -1;
    }
    return found.followups_size();
  };
  const bool visited = Eventually(
      [&] {
        for (const auto& number : accepted) {
          if (visits(number) < 1) return false;
        }
        return true;
      },
      std::chrono::seconds(30));
  logs_if(!visited);
  CHECK(visited);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  for (const auto& number : accepted) {
    INFO(number);
    CHECK(visits(number) == 1);
  }

  // And intake closed every ticket from its sign-off, having taken the work
  // done (RESOLVED) and the close once each.
  bool all_closed = true;
  for (const auto& number : accepted) {
    iv1::GetTicketRequest get;
    get.set_ticket_number(number);
    iv1::Ticket ticket;
    INFO(number);
    const bool closed = Eventually(
        [&] {
          return Call(*in, &iv1::IntakeService::Stub::GetTicket, get, &ticket, "agent").ok() &&
                 ticket.status() == iv1::Ticket::CLOSED;
        },
        all_closed ? std::chrono::seconds(30) : std::chrono::seconds(1));
    all_closed = all_closed && closed;
    CHECK(closed);
    iv1::GetTicketHistoryRequest hist;
    hist.set_ticket_number(number);
    hist.set_page_size(500);
    iv1::GetTicketHistoryResponse history;
    REQUIRE(Call(*in, &iv1::IntakeService::Stub::GetTicketHistory, hist, &history, "agent").ok());
    std::map<int, int> kinds;
    for (const auto& e : history.entries()) ++kinds[e.kind()];
    CHECK(kinds[iv1::HistoryEntry::ONSITE_REQUESTED] == 1);
    CHECK(kinds[iv1::HistoryEntry::RESOLVED] == 1);  // from WorkOrderDone, fixed
    CHECK(kinds[iv1::HistoryEntry::CLOSED] == 1);
  }
  logs_if(!all_closed);
}

}  // namespace
}  // namespace aftersales::testing

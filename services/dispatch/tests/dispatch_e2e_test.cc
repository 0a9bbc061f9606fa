// Dispatch with the real intake and inventory processes on one redis-server:
// a ticket's on-site request becomes an assigned work order, the engineer
// runs it to sign-off, the ticket is RESOLVED and the parts leave the van
// stock exactly once.
#include <catch2/catch.hpp>
#include <memory>
#include <thread>

#include "aftersales/dispatch/v1/dispatch.grpc.pb.h"
#include "aftersales/intake/v1/intake.grpc.pb.h"
#include "aftersales/inventory/v1/inventory.grpc.pb.h"
#include "services/common/grpc/client.h"
#include "services/common/grpc/status_mapping.h"
#include "services/common/runtime/uuid.h"
#include "tests/support/child_process.h"
#include "tests/support/redis_server.h"

namespace aftersales::dispatch {
namespace {

namespace cv1 = ::aftersales::common::v1;
namespace iv1 = ::aftersales::intake::v1;
namespace inv = ::aftersales::inventory::v1;
using ::aftersales::testing::ChildProcess;
using ::aftersales::testing::FreePort;

struct Process {
  int grpc_port = FreePort();
  std::unique_ptr<ChildProcess> child;
  std::shared_ptr<grpc::Channel> channel;
};

Process Start(const std::string& name, int redis_port, std::map<std::string, std::string> env) {
  Process p;
  env["AFTERSALES_REDIS_PORT"] = std::to_string(redis_port);
  env["AFTERSALES_GRPC_PORT"] = std::to_string(p.grpc_port);
  env["AFTERSALES_METRICS_PORT"] = std::to_string(FreePort());
  env["AFTERSALES_HEALTH_INTERVAL"] = "100ms";
  p.child = std::make_unique<ChildProcess>(
      std::vector<std::string>{::aftersales::testing::BinDir() + "/" + name}, env);
  REQUIRE(::aftersales::testing::WaitForPort(p.grpc_port, std::chrono::seconds(20)));
  p.channel = grpcx::MakeChannel("127.0.0.1:" + std::to_string(p.grpc_port));
  return p;
}

template <typename Stub, typename Req, typename Resp, typename Method>
Status Call(Stub& stub, Method method, const Req& req, Resp* resp, const std::string& role,
            const std::string& engineer_id = "") {
  auto ctx = grpcx::NewCallContext(std::chrono::seconds(5), NewUuid());
  ctx->AddMetadata("x-caller-role", role);
  ctx->AddMetadata("x-caller-subject", "e2e");
  if (!engineer_id.empty()) ctx->AddMetadata("x-caller-engineer-id", engineer_id);
  return grpcx::FromGrpcStatus((stub.*method)(ctx.get(), req, resp));
}

TEST_CASE("an on-site request runs to sign-off across intake, dispatch and inventory") {
  ::aftersales::testing::RedisServer redis(/*appendonly=*/false);
  Process intake = Start("intake", redis.port(), {{"AFTERSALES_CONSUMER_NAME", "intake-e2e"}});
  Process inventory =
      Start("inventory", redis.port(), {{"AFTERSALES_CONSUMER_NAME", "inventory-e2e"}});
  Process dispatch =
      Start("dispatch", redis.port(),
            {{"AFTERSALES_CONSUMER_NAME", "dispatch-e2e"},
             {"AFTERSALES_INVENTORY_ADDR", "127.0.0.1:" + std::to_string(inventory.grpc_port)}});
  auto in = iv1::IntakeService::NewStub(intake.channel);
  auto di = v1::DispatchService::NewStub(dispatch.channel);
  auto st = inv::InventoryService::NewStub(inventory.channel);

  // An engineer on duty near the site, with a van holding 3 brakes.
  v1::CreateEngineerRequest ce;
  ce.set_name("Li Lei");
  ce.set_phone("13800138000");
  ce.set_branch("shanghai");
  ce.add_skills("parking");
  ce.add_zones(cv1::CITY);
  ce.set_max_concurrent_jobs(2);
  v1::Engineer engineer;
  REQUIRE(Call(*di, &v1::DispatchService::Stub::CreateEngineer, ce, &engineer, "admin").ok());
  const std::string eng = engineer.id();
  v1::SetEngineerStatusRequest on;
  on.set_engineer_id(eng);
  on.set_state(v1::Engineer::AVAILABLE);
  on.set_latitude(31.21);
  on.set_longitude(121.5);
  v1::SetEngineerStatusResponse on_resp;
  REQUIRE(
      Call(*di, &v1::DispatchService::Stub::SetEngineerStatus, on, &on_resp, "engineer", eng).ok());
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
  inv::CreateLocationRequest van;
  van.set_id("van-li");
  van.set_name("Li Lei's van");
  van.set_type(inv::Location::VAN);
  van.set_branch("shanghai");
  van.set_engineer_id(eng);
  inv::Location location;
  REQUIRE(Call(*st, &inv::InventoryService::Stub::CreateLocation, van, &location, "admin").ok());
  inv::ReceiveStockRequest receive;
  receive.set_location("van-li");
  receive.set_sku("BRK-1");
  receive.set_quantity(10);
  inv::ReceiveStockResponse received;
  REQUIRE(Call(*st, &inv::InventoryService::Stub::ReceiveStock, receive, &received, "admin").ok());

  // The install base and a fault ticket at intake, answered and sent on site.
  iv1::CreateCustomerRequest cc;
  cc.set_name("上海停车场管理有限公司");
  cc.set_contact_name("王伟");
  cc.set_contact_phone("+86 21 5555 0100");
  iv1::Customer customer;
  REQUIRE(Call(*in, &iv1::IntakeService::Stub::CreateCustomer, cc, &customer, "agent").ok());
  iv1::CreateSiteRequest cs;
  cs.set_customer_id(customer.id());
  cs.set_name("浦东停车场");
  cs.set_address("上海市浦东新区");
  cs.set_zone(cv1::CITY);
  cs.set_branch("shanghai");
  cs.set_latitude(31.2);
  cs.set_longitude(121.5);
  iv1::Site site;
  REQUIRE(Call(*in, &iv1::IntakeService::Stub::CreateSite, cs, &site, "agent").ok());
  iv1::CreateAssetRequest ca;
  ca.set_serial_number("SN-1");
  ca.set_model("PK-9000");
  ca.set_category(cv1::MAINFRAME);
  ca.set_site_id(site.id());
  ca.set_accepted_on("2026-01-05");
  iv1::Asset asset;
  REQUIRE(Call(*in, &iv1::IntakeService::Stub::CreateAsset, ca, &asset, "agent").ok());
  iv1::CreateTicketRequest ct;
  ct.set_customer_id(customer.id());
  ct.set_site_id(site.id());
  ct.set_asset_serial("SN-1");
  ct.set_kind(cv1::FAULT);
  ct.set_channel(iv1::HOTLINE);
  ct.set_contact_name("王伟");
  ct.set_contact_phone("13800138000");
  ct.set_symptoms("道闸不抬杆");
  ct.set_impact(iv1::SYSTEM_DOWN);
  iv1::Ticket ticket;
  Status s = Call(*in, &iv1::IntakeService::Stub::CreateTicket, ct, &ticket, "agent");
  INFO(s.ToString());
  REQUIRE(s.ok());
  iv1::RespondTicketRequest respond;
  respond.set_ticket_number(ticket.number());
  respond.set_note("called back");
  iv1::RespondTicketResponse responded;
  REQUIRE(Call(*in, &iv1::IntakeService::Stub::RespondTicket, respond, &responded, "agent").ok());
  iv1::RequestOnsiteRequest onsite;
  onsite.set_ticket_number(ticket.number());
  onsite.set_required_skill("parking");
  iv1::RequestOnsiteResponse onsite_resp;
  REQUIRE(Call(*in, &iv1::IntakeService::Stub::RequestOnsite, onsite, &onsite_resp, "agent").ok());

  // Dispatch picks it up from intake's stream.
  v1::WorkOrder wo;
  for (int i = 0; i < 100 && wo.id().empty(); ++i) {
    v1::ListWorkOrdersRequest list;
    list.set_ticket_number(ticket.number());
    v1::ListWorkOrdersResponse listed;
    REQUIRE(
        Call(*di, &v1::DispatchService::Stub::ListWorkOrders, list, &listed, "dispatcher").ok());
    if (listed.work_orders_size() > 0) wo = listed.work_orders(0);
    if (wo.id().empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE_FALSE(wo.id().empty());
  CHECK(wo.engineer_id() == eng);
  CHECK(wo.status() == v1::WorkOrder::ASSIGNED);

  using D = v1::DispatchService::Stub;
  v1::AcceptWorkOrderRequest accept;
  accept.set_work_order_id(wo.id());
  v1::AcceptWorkOrderResponse accepted;
  REQUIRE(Call(*di, &D::AcceptWorkOrder, accept, &accepted, "engineer", eng).ok());
  v1::DepartWorkOrderRequest depart;
  depart.set_work_order_id(wo.id());
  depart.set_latitude(31.21);
  depart.set_longitude(121.5);
  v1::DepartWorkOrderResponse departed;
  REQUIRE(Call(*di, &D::DepartWorkOrder, depart, &departed, "engineer", eng).ok());
  v1::ArriveWorkOrderRequest arrive;
  arrive.set_work_order_id(wo.id());
  arrive.set_latitude(31.2);
  arrive.set_longitude(121.5);
  v1::ArriveWorkOrderResponse arrived;
  REQUIRE(Call(*di, &D::ArriveWorkOrder, arrive, &arrived, "engineer", eng).ok());
  v1::CompleteWorkOrderRequest complete;
  complete.set_work_order_id(wo.id());
  complete.set_findings("brake worn");
  complete.set_actions("replaced the brake");
  complete.set_fixed(true);
  complete.set_request_id(NewUuid());
  auto* used = complete.add_parts_used();
  used->set_sku("BRK-1");
  used->set_quantity(2);
  used->set_location("van-li");
  v1::CompleteWorkOrderResponse done;
  s = Call(*di, &D::CompleteWorkOrder, complete, &done, "engineer", eng);
  INFO(s.ToString());
  REQUIRE(s.ok());
  // Intake resolves the ticket from WorkOrderDone.
  iv1::Ticket got;
  for (int i = 0; i < 100; ++i) {
    iv1::GetTicketRequest get;
    get.set_ticket_number(ticket.number());
    REQUIRE(Call(*in, &iv1::IntakeService::Stub::GetTicket, get, &got, "agent").ok());
    if (got.status() == iv1::Ticket::RESOLVED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(got.status() == iv1::Ticket::RESOLVED);

  v1::SignOffWorkOrderRequest sign;
  sign.set_work_order_id(wo.id());
  sign.set_signed_by("王伟");
  v1::SignOffWorkOrderResponse signed_off;
  REQUIRE(Call(*di, &D::SignOffWorkOrder, sign, &signed_off, "engineer", eng).ok());
  CHECK(signed_off.work_order().status() == v1::WorkOrder::SIGNED_OFF);

  // Dispatch reserved the two brakes; inventory issued them from the
  // reservation when it read WorkOrderDone: out of the van exactly once.
  inv::ListStockLevelsRequest levels;
  levels.set_sku("BRK-1");
  levels.set_location("van-li");
  inv::ListStockLevelsResponse stock;
  for (int i = 0; i < 50; ++i) {
    REQUIRE(Call(*st, &inv::InventoryService::Stub::ListStockLevels, levels, &stock, "admin").ok());
    REQUIRE(stock.levels_size() == 1);
    if (stock.levels(0).on_hand() != 10) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  REQUIRE(Call(*st, &inv::InventoryService::Stub::ListStockLevels, levels, &stock, "admin").ok());
  REQUIRE(stock.levels_size() == 1);
  CHECK(stock.levels(0).on_hand() == 8);
  CHECK(stock.levels(0).reserved() == 0);
  CHECK(stock.levels(0).available() == 8);
}

}  // namespace
}  // namespace aftersales::dispatch

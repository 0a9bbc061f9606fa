// With the real processes: a phone fix gets a reconfirmation from followup,
// and "the fault is back" reopens the ticket in intake; a maintenance plan's
// due visit becomes a maintenance work order that closes its followup.
#include <catch2/catch.hpp>
#include <ctime>
#include <thread>

#include "aftersales/dispatch/v1/dispatch.grpc.pb.h"
#include "aftersales/followup/v1/followup.grpc.pb.h"
#include "aftersales/intake/v1/intake.grpc.pb.h"
#include "services/common/grpc/client.h"
#include "services/common/grpc/status_mapping.h"
#include "services/common/redis/pool.h"
#include "tests/e2e/platform.h"

namespace aftersales::testing {
namespace {

namespace iv1 = ::aftersales::intake::v1;
namespace fv1 = ::aftersales::followup::v1;

namespace dv1 = ::aftersales::dispatch::v1;

template <typename Stub, typename Method, typename Req, typename Resp>
Status Call(Stub& stub, Method method, const Req& req, Resp* resp,
            const std::string& role = "agent", const std::string& engineer_id = "") {
  auto ctx = grpcx::NewCallContext(std::chrono::seconds(5), "e2e");
  ctx->AddMetadata("x-caller-role", role);
  ctx->AddMetadata("x-caller-subject", "alice");
  if (!engineer_id.empty()) ctx->AddMetadata("x-caller-engineer-id", engineer_id);
  return grpcx::FromGrpcStatus((stub.*method)(ctx.get(), req, resp));
}

// "YYYY-MM-DD" of the UTC day `days` from today.
std::string UtcDay(int days) {
  const std::time_t t = std::time(nullptr) + static_cast<std::time_t>(days) * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
  return buf;
}

// A Redis command's integer answer (0 when it fails).
int64_t RedisInteger(RedisServer& redis, const std::vector<std::string>& command) {
  redis::RedisOptions options;
  options.port = redis.port();
  options.pool_size = 1;
  auto pool = redis::RedisPool::Create(options);
  if (!pool.ok()) return 0;
  auto reply = (*pool)->Command(command);
  return reply.ok() ? reply->integer().value_or(0) : 0;
}

// Entries of `stream` that consumer group `group` has not yet read or not
// yet acknowledged; -1 when unknown.
int64_t Unfinished(RedisServer& redis, const std::string& stream, const std::string& group) {
  redis::RedisOptions options;
  options.port = redis.port();
  options.pool_size = 1;
  auto pool = redis::RedisPool::Create(options);
  if (!pool.ok()) return -1;
  auto reply = (*pool)->Command({"XINFO", "GROUPS", stream});
  if (!reply.ok()) return -1;
  for (size_t g = 0; g < reply->size(); ++g) {
    auto fields = (*reply)[g];
    std::optional<int64_t> pending, lag;
    bool ours = false;
    for (size_t i = 0; i + 1 < fields.size(); i += 2) {
      const std::string name = fields[i].string();
      if (name == "name") ours = fields[i + 1].string() == group;
      if (name == "pending") pending = fields[i + 1].integer();
      if (name == "lag") lag = fields[i + 1].integer();
    }
    if (ours && pending && lag) return *pending + *lag;
  }
  return -1;
}

template <typename F>
bool Eventually(F probe, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (probe()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return probe();
}

TEST_CASE("fault is back after a phone fix reopens the ticket in intake") {
  // The gateway refuses to start without a JWT secret.
  Platform platform(std::map<std::string, std::string>{{"AFTERSALES_JWT_DEV_SECRET", "true"}});
  INFO("followup log:\n"
       << platform.Log("followup") << "\nintake log:\n"
       << platform.Log("intake"));
  auto intake = iv1::IntakeService::NewStub(
      grpcx::MakeChannel("127.0.0.1:" + std::to_string(platform.service("intake").grpc_port)));
  auto followup = fv1::FollowupService::NewStub(
      grpcx::MakeChannel("127.0.0.1:" + std::to_string(platform.service("followup").grpc_port)));
  REQUIRE(Eventually([&] {
    return grpcx::CheckHealth(
               grpcx::MakeChannel("127.0.0.1:" +
                                  std::to_string(platform.service("intake").grpc_port)),
               "", std::chrono::seconds(1))
        .ok();
  }));

  iv1::CreateCustomerRequest cc;
  cc.set_name("Shanghai Parking Ltd");
  cc.set_contact_name("Wang Wei");
  cc.set_contact_phone("+86 21 5555 0100");
  iv1::Customer customer;
  REQUIRE(Call(*intake, &iv1::IntakeService::Stub::CreateCustomer, cc, &customer).ok());
  iv1::CreateSiteRequest cs;
  cs.set_customer_id(customer.id());
  cs.set_name("Pudong car park");
  cs.set_address("Pudong, Shanghai");
  cs.set_zone(common::v1::CITY);
  cs.set_branch("shanghai");
  cs.set_latitude(31.2);
  cs.set_longitude(121.5);
  iv1::Site site;
  REQUIRE(Call(*intake, &iv1::IntakeService::Stub::CreateSite, cs, &site).ok());
  iv1::CreateAssetRequest ca;
  ca.set_serial_number("SN-E2E-1");
  ca.set_model("PK-9000");
  ca.set_category(common::v1::MAINFRAME);
  ca.set_site_id(site.id());
  ca.set_accepted_on("2025-06-01");
  iv1::Asset asset;
  REQUIRE(Call(*intake, &iv1::IntakeService::Stub::CreateAsset, ca, &asset).ok());
  iv1::CreateTicketRequest ct;
  ct.set_customer_id(customer.id());
  ct.set_site_id(site.id());
  ct.set_asset_serial(asset.serial_number());
  ct.set_kind(common::v1::FAULT);
  ct.set_channel(iv1::HOTLINE);
  ct.set_contact_name("Wang Wei");
  ct.set_contact_phone("13800138000");
  ct.set_symptoms("barrier does not lift");
  ct.set_impact(iv1::SYSTEM_DOWN);
  iv1::Ticket ticket;
  Status created = Call(*intake, &iv1::IntakeService::Stub::CreateTicket, ct, &ticket);
  INFO(created.ToString());
  REQUIRE(created.ok());
  iv1::ResolveTicketByPhoneRequest phone;
  phone.set_ticket_number(ticket.number());
  phone.set_solution("restarted the controller");
  iv1::ResolveTicketByPhoneResponse resolved;
  REQUIRE(Call(*intake, &iv1::IntakeService::Stub::ResolveTicketByPhone, phone, &resolved).ok());

  fv1::ListFollowupsRequest list;
  list.set_ticket_number(ticket.number());
  list.set_kind(fv1::Followup::RECONFIRM);
  fv1::ListFollowupsResponse found;
  REQUIRE(Eventually([&] {
    found.Clear();
    return Call(*followup, &fv1::FollowupService::Stub::ListFollowups, list, &found).ok() &&
           found.followups_size() > 0;
  }));
  REQUIRE(found.followups_size() == 1);

  fv1::CompleteFollowupRequest answer;
  answer.set_followup_id(found.followups(0).id());
  answer.set_fault_back(true);
  answer.set_comment("barrier stuck again");
  answer.set_request_id("e2e-answer-1");
  fv1::CompleteFollowupResponse done;
  REQUIRE(Call(*followup, &fv1::FollowupService::Stub::CompleteFollowup, answer, &done).ok());

  iv1::GetTicketRequest get;
  get.set_ticket_number(ticket.number());
  iv1::Ticket reopened;
  CHECK(Eventually([&] {
    return Call(*intake, &iv1::IntakeService::Stub::GetTicket, get, &reopened).ok() &&
           reopened.reopen_count() == 1;
  }));
  CHECK(reopened.status() == iv1::Ticket::OPEN);
}

TEST_CASE("a maintenance plan's due visit is worked by an engineer and closes its followup") {
  Platform platform(std::map<std::string, std::string>{
      {"AFTERSALES_JWT_DEV_SECRET", "true"},
      {"AFTERSALES_FOLLOWUP_DUE_INTERVAL", "200ms"},
      {"AFTERSALES_DISPATCH_MAINTENANCE_SKILLS", "PK-=parking"}});
  INFO("followup log:\n"
       << platform.Log("followup") << "\ndispatch log:\n"
       << platform.Log("dispatch") << "\nintake log:\n"
       << platform.Log("intake"));
  auto channel = [&](const std::string& name) {
    return grpcx::MakeChannel("127.0.0.1:" + std::to_string(platform.service(name).grpc_port));
  };
  auto intake = iv1::IntakeService::NewStub(channel("intake"));
  auto dispatch = dv1::DispatchService::NewStub(channel("dispatch"));
  auto followup = fv1::FollowupService::NewStub(channel("followup"));
  for (const char* name : {"intake", "dispatch", "followup"}) {
    REQUIRE(Eventually(
        [&] { return grpcx::CheckHealth(channel(name), "", std::chrono::seconds(1)).ok(); }));
  }

  // The install base: a city site in Shanghai with a parking mainframe.
  iv1::CreateCustomerRequest cc;
  cc.set_name("Pudong Parking Ltd");
  cc.set_contact_name("Wang Wei");
  cc.set_contact_phone("+86 21 5555 0100");
  iv1::Customer customer;
  REQUIRE(Call(*intake, &iv1::IntakeService::Stub::CreateCustomer, cc, &customer).ok());
  iv1::CreateSiteRequest cs;
  cs.set_customer_id(customer.id());
  cs.set_name("Pudong car park");
  cs.set_address("100 Century Ave, Pudong");
  cs.set_zone(common::v1::CITY);
  cs.set_branch("shanghai");
  cs.set_latitude(31.2);
  cs.set_longitude(121.5);
  iv1::Site site;
  REQUIRE(Call(*intake, &iv1::IntakeService::Stub::CreateSite, cs, &site).ok());
  iv1::CreateAssetRequest ca;
  ca.set_serial_number("SN-MAINT-1");
  ca.set_model("PK-9000");
  ca.set_category(common::v1::MAINFRAME);
  ca.set_site_id(site.id());
  ca.set_accepted_on(UtcDay(-14));
  iv1::Asset asset;
  REQUIRE(Call(*intake, &iv1::IntakeService::Stub::CreateAsset, ca, &asset).ok());

  // A parking engineer on duty nearby.
  dv1::CreateEngineerRequest ce;
  ce.set_name("Li Lei");
  ce.set_phone("13800138000");
  ce.set_branch("shanghai");
  ce.add_skills("parking");
  ce.add_zones(common::v1::CITY);
  ce.set_max_concurrent_jobs(2);
  ce.set_request_id("e2e-engineer-1");
  dv1::Engineer engineer;
  REQUIRE(
      Call(*dispatch, &dv1::DispatchService::Stub::CreateEngineer, ce, &engineer, "admin").ok());
  dv1::SetEngineerStatusRequest on;
  on.set_engineer_id(engineer.id());
  on.set_state(dv1::Engineer::AVAILABLE);
  on.set_latitude(31.21);
  on.set_longitude(121.51);
  dv1::SetEngineerStatusResponse on_duty;
  REQUIRE(
      Call(*dispatch, &dv1::DispatchService::Stub::SetEngineerStatus, on, &on_duty, "admin").ok());

  // Go-live 14 days ago: the first visit (go-live + 14 days) is due today.
  fv1::CreateMaintenancePlanRequest plan_request;
  plan_request.set_site_id(site.id());
  plan_request.set_asset_serial(asset.serial_number());
  plan_request.set_cadence(fv1::MaintenancePlan::MONTHLY);
  plan_request.set_starts_on(UtcDay(-14));
  plan_request.set_request_id("e2e-plan-1");
  fv1::MaintenancePlan plan;
  REQUIRE(Call(*followup, &fv1::FollowupService::Stub::CreateMaintenancePlan, plan_request, &plan)
              .ok());

  fv1::ListFollowupsRequest maintenance;
  maintenance.set_kind(fv1::Followup::MAINTENANCE);
  fv1::ListFollowupsResponse visits;
  REQUIRE(Eventually([&] {
    visits.Clear();
    return Call(*followup, &fv1::FollowupService::Stub::ListFollowups, maintenance, &visits).ok() &&
           visits.followups_size() > 0;
  }));
  REQUIRE(visits.followups_size() == 1);
  const fv1::Followup visit = visits.followups(0);
  CHECK(visit.status() == fv1::Followup::OPEN);
  CHECK(visit.maintenance_plan_id() == plan.id());

  // Dispatch made the maintenance work order and gave it to the engineer.
  dv1::ListWorkOrdersRequest of_engineer;
  of_engineer.set_kind(dv1::WorkOrder::MAINTENANCE);
  dv1::ListWorkOrdersResponse orders;
  REQUIRE(Eventually([&] {
    orders.Clear();
    return Call(*dispatch, &dv1::DispatchService::Stub::ListWorkOrders, of_engineer, &orders,
                "engineer", engineer.id())
               .ok() &&
           orders.work_orders_size() > 0;
  }));
  REQUIRE(orders.work_orders_size() == 1);
  const dv1::WorkOrder wo = orders.work_orders(0);
  CHECK(wo.kind() == dv1::WorkOrder::MAINTENANCE);
  CHECK(wo.followup_id() == visit.id());
  CHECK(wo.maintenance_plan_id() == plan.id());
  CHECK(wo.ticket_number().empty());
  CHECK(wo.required_skill() == "parking");
  CHECK(wo.site_address() == "100 Century Ave, Pudong");
  CHECK(wo.customer_id() == customer.id());
  CHECK(wo.status() == dv1::WorkOrder::ASSIGNED);

  // The engineer works it through.
  auto as_engineer = [&](auto method, const auto& request, auto* response) {
    return Call(*dispatch, method, request, response, "engineer", engineer.id());
  };
  dv1::AcceptWorkOrderRequest accept;
  accept.set_work_order_id(wo.id());
  dv1::AcceptWorkOrderResponse accepted;
  REQUIRE(as_engineer(&dv1::DispatchService::Stub::AcceptWorkOrder, accept, &accepted).ok());
  dv1::DepartWorkOrderRequest depart;
  depart.set_work_order_id(wo.id());
  depart.set_latitude(31.21);
  depart.set_longitude(121.51);
  dv1::DepartWorkOrderResponse departed;
  REQUIRE(as_engineer(&dv1::DispatchService::Stub::DepartWorkOrder, depart, &departed).ok());
  dv1::ArriveWorkOrderRequest arrive;
  arrive.set_work_order_id(wo.id());
  arrive.set_latitude(31.2);
  arrive.set_longitude(121.5);
  dv1::ArriveWorkOrderResponse arrived;
  REQUIRE(as_engineer(&dv1::DispatchService::Stub::ArriveWorkOrder, arrive, &arrived).ok());
  dv1::CompleteWorkOrderRequest complete;
  complete.set_work_order_id(wo.id());
  complete.set_findings("barrier gear worn; loop detector drifting");
  complete.set_actions("greased the gear, recalibrated the loop");
  complete.set_fixed(true);
  dv1::CompleteWorkOrderResponse completed;
  REQUIRE(as_engineer(&dv1::DispatchService::Stub::CompleteWorkOrder, complete, &completed).ok());
  dv1::SignOffWorkOrderRequest sign;
  sign.set_work_order_id(wo.id());
  sign.set_signed_by("Wang Wei");
  dv1::SignOffWorkOrderResponse signed_off;
  REQUIRE(as_engineer(&dv1::DispatchService::Stub::SignOffWorkOrder, sign, &signed_off).ok());
  CHECK(signed_off.work_order().status() == dv1::WorkOrder::SIGNED_OFF);

  // The MAINTENANCE followup is DONE with the engineer's findings...
  fv1::ListFollowupsResponse after;
  REQUIRE(Eventually([&] {
    after.Clear();
    return Call(*followup, &fv1::FollowupService::Stub::ListFollowups, maintenance, &after).ok() &&
           after.followups_size() == 1 && after.followups(0).status() == fv1::Followup::DONE;
  }));
  const std::string& comment = after.followups(0).outcome().comment();
  CHECK(comment.find("barrier gear worn") != std::string::npos);
  CHECK(comment.find(engineer.id()) != std::string::npos);
  // ...and no return visit was made for it.
  fv1::ListFollowupsRequest return_visits;
  return_visits.set_kind(fv1::Followup::RETURN_VISIT);
  fv1::ListFollowupsResponse none;
  REQUIRE(Call(*followup, &fv1::FollowupService::Stub::ListFollowups, return_visits, &none).ok());
  CHECK(none.followups_size() == 0);

  // Intake read every work-order event without a ticket to move and without
  // complaint: nothing pending, nothing dead-lettered, nothing logged.
  CHECK(
      Eventually([&] { return Unfinished(platform.redis(), "{dispatch}:events", "intake") == 0; }));
  CHECK(RedisInteger(platform.redis(), {"XLEN", "{dispatch}:events:dead"}) == 0);
  CHECK(RedisInteger(platform.redis(), {"XLEN", "{followup}:events:dead"}) == 0);
  CHECK(platform.Log("intake").find("names no ticket") == std::string::npos);
}

}  // namespace
}  // namespace aftersales::testing

// With the real processes: a phone fix gets a reconfirmation from followup,
// and "the fault is back" reopens the ticket in intake.
#include <catch2/catch.hpp>
#include <thread>

#include "aftersales/followup/v1/followup.grpc.pb.h"
#include "aftersales/intake/v1/intake.grpc.pb.h"
#include "services/common/grpc/client.h"
#include "services/common/grpc/status_mapping.h"
#include "tests/e2e/platform.h"

namespace aftersales::testing {
namespace {

namespace iv1 = ::aftersales::intake::v1;
namespace fv1 = ::aftersales::followup::v1;

template <typename Stub, typename Method, typename Req, typename Resp>
Status Call(Stub& stub, Method method, const Req& req, Resp* resp) {
  auto ctx = grpcx::NewCallContext(std::chrono::seconds(5), "e2e");
  ctx->AddMetadata("x-caller-role", "agent");
  ctx->AddMetadata("x-caller-subject", "alice");
  return grpcx::FromGrpcStatus((stub.*method)(ctx.get(), req, resp));
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

}  // namespace
}  // namespace aftersales::testing

// The followup gRPC service in-process over a real redis-server.
#include "services/common/grpc/client.h"
#include "services/common/grpc/server.h"
#include "services/common/grpc/status_mapping.h"
#include "services/followup/rpc/followup_service.h"
#include "services/followup/tests/followup_fixture.h"

using namespace aftersales;
using namespace aftersales::followup;
using namespace aftersales::followup::testing;
using namespace std::chrono_literals;
namespace ev = aftersales::events::v1;
namespace v1 = aftersales::followup::v1;

namespace {

struct RpcFixture : Fixture {
  std::unique_ptr<FollowupGrpcService> service;
  std::unique_ptr<grpcx::GrpcServer> server;
  std::unique_ptr<v1::FollowupService::Stub> stub;

  RpcFixture() {
    service = std::make_unique<FollowupGrpcService>(*store, clock);
    server = std::make_unique<grpcx::GrpcServer>(
        grpcx::GrpcServerOptions{}, std::vector<grpcx::NamedService>{
                                        {v1::FollowupService::service_full_name(), service.get()}});
    REQUIRE(server->Start().ok());
    server->SetServing(true);
    stub = v1::FollowupService::NewStub(
        grpcx::MakeChannel("127.0.0.1:" + std::to_string(server->port())));
  }
  ~RpcFixture() { server->Shutdown(); }

  // As staff, or as customer `customer` when given.
  template <typename Request, typename Response, typename Method>
  Status Call(Method method, const Request& request, Response& response,
              const std::string& customer = "") {
    auto context = grpcx::NewCallContext(5s, NewUuid());
    if (customer.empty()) {
      context->AddMetadata("x-caller-role", "staff");
      context->AddMetadata("x-caller-subject", "ann");
    } else {
      context->AddMetadata("x-caller-role", "customer");
      context->AddMetadata("x-caller-customer-id", customer);
    }
    return grpcx::FromGrpcStatus(((*stub).*method)(context.get(), request, &response));
  }

  void SignOff(const std::string& wo, const std::string& customer) {
    ev::WorkOrderSignedOff so;
    so.set_work_order_id(wo);
    so.set_ticket_number("T-" + wo);
    so.set_customer_id(customer);
    *so.mutable_sign_off_time() = Ts(clock.Now());
    Publish(kDispatchEvents, so, wo, clock.Now());
  }
};

}  // namespace

TEST_CASE("followups are listed with filters and pages") {
  RpcFixture fx;
  for (int i = 0; i < 5; ++i) fx.SignOff("WO-" + std::to_string(i), i < 3 ? "C-1" : "C-2");
  fx.Drain();
  v1::ListFollowupsRequest req;
  req.set_page_size(2);
  std::vector<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    v1::ListFollowupsResponse res;
    REQUIRE(fx.Call(&v1::FollowupService::Stub::ListFollowups, req, res).ok());
    for (const auto& f : res.followups()) seen.push_back(f.id());
    if (res.next_page_token().empty()) break;
    req.set_page_token(res.next_page_token());
  }
  CHECK(seen.size() == 5);

  v1::ListFollowupsRequest by_customer;
  by_customer.set_customer_id("C-2");
  by_customer.set_kind(v1::Followup::RETURN_VISIT);
  v1::ListFollowupsResponse res;
  REQUIRE(fx.Call(&v1::FollowupService::Stub::ListFollowups, by_customer, res).ok());
  CHECK(res.followups_size() == 2);

  v1::ListFollowupsRequest due;
  *due.mutable_due_before() = Ts(fx.clock.Now() + 71h);
  due.set_status(v1::Followup::OPEN);
  v1::ListFollowupsResponse none;
  REQUIRE(fx.Call(&v1::FollowupService::Stub::ListFollowups, due, none).ok());
  CHECK(none.followups_size() == 0);
  *due.mutable_due_before() = Ts(fx.clock.Now() + 73h);
  v1::ListFollowupsResponse all;
  REQUIRE(fx.Call(&v1::FollowupService::Stub::ListFollowups, due, all).ok());
  CHECK(all.followups_size() == 5);

  v1::ListFollowupsRequest bad;
  bad.set_page_size(-1);
  v1::ListFollowupsResponse ignored;
  Status s = fx.Call(&v1::FollowupService::Stub::ListFollowups, bad, ignored);
  CHECK(s.code() == Code::kInvalidArgument);
  REQUIRE(s.field_violations().size() == 1);
  CHECK(s.field_violations()[0].field == "pageSize");
}

TEST_CASE("a customer sees and answers only its own followups") {
  RpcFixture fx;
  fx.SignOff("WO-1", "C-1");
  fx.SignOff("WO-2", "C-2");
  fx.Drain();
  v1::ListFollowupsRequest req;
  req.set_customer_id("C-2");  // asking for someone else's: the token wins
  v1::ListFollowupsResponse mine;
  REQUIRE(fx.Call(&v1::FollowupService::Stub::ListFollowups, req, mine, "C-1").ok());
  REQUIRE(mine.followups_size() == 1);
  CHECK(mine.followups(0).customer_id() == "C-1");

  auto others = fx.Tasks(TaskKind::kReturnVisit);
  std::string other_id;
  for (const auto& t : others) {
    if (t.customer_id == "C-2") other_id = t.id;
  }
  v1::CompleteFollowupRequest answer;
  answer.set_followup_id(other_id);
  answer.set_satisfaction(5);
  v1::CompleteFollowupResponse res;
  CHECK(fx.Call(&v1::FollowupService::Stub::CompleteFollowup, answer, res, "C-1").code() ==
        Code::kNotFound);
  CHECK(fx.store->GetTask(other_id)->status == TaskStatus::kOpen);

  answer.set_followup_id(mine.followups(0).id());
  answer.set_satisfaction(1);
  answer.set_comment("still squeaks");
  answer.set_request_id("r-1");
  REQUIRE(fx.Call(&v1::FollowupService::Stub::CompleteFollowup, answer, res, "C-1").ok());
  CHECK(res.followup().status() == v1::Followup::DONE);
  CHECK(res.followup().outcome().satisfaction() == 1);
  CHECK_FALSE(res.followup().outcome().complaint_id().empty());

  v1::ListComplaintsRequest lc;
  v1::ListComplaintsResponse theirs;
  REQUIRE(fx.Call(&v1::FollowupService::Stub::ListComplaints, lc, theirs, "C-2").ok());
  CHECK(theirs.complaints_size() == 0);
  v1::ListComplaintsResponse own;
  REQUIRE(fx.Call(&v1::FollowupService::Stub::ListComplaints, lc, own, "C-1").ok());
  REQUIRE(own.complaints_size() == 1);
  CHECK(own.complaints(0).followup_id() == mine.followups(0).id());
}

TEST_CASE("complaints advance step by step and a forbidden step is refused") {
  RpcFixture fx;
  v1::CreateComplaintRequest create;
  create.set_customer_id("C-1");
  create.set_text("engineer was rude");
  create.set_request_id("c-1");
  v1::Complaint complaint;
  REQUIRE(fx.Call(&v1::FollowupService::Stub::CreateComplaint, create, complaint).ok());
  CHECK(complaint.status() == v1::Complaint::RECEIVED);
  CHECK(complaint.steps_size() == 1);

  v1::AdvanceComplaintRequest adv;
  adv.set_complaint_id(complaint.id());
  adv.set_status(v1::Complaint::CONFIRMED);
  v1::AdvanceComplaintResponse res;
  Status s = fx.Call(&v1::FollowupService::Stub::AdvanceComplaint, adv, res);
  CHECK(s.code() == Code::kFailedPrecondition);
  CHECK(s.reason() == "COMPLAINT_STEP_FORBIDDEN");

  adv.set_status(v1::Complaint::INVESTIGATING);
  adv.set_note("called the branch");
  REQUIRE(fx.Call(&v1::FollowupService::Stub::AdvanceComplaint, adv, res).ok());
  CHECK(res.complaint().steps(1).actor() == "staff:ann");
  // Another customer cannot even see it.
  adv.set_status(v1::Complaint::RESOLVED);
  CHECK(fx.Call(&v1::FollowupService::Stub::AdvanceComplaint, adv, res, "C-9").code() ==
        Code::kNotFound);

  v1::CreateComplaintRequest empty;
  v1::Complaint ignored;
  Status bad = fx.Call(&v1::FollowupService::Stub::CreateComplaint, empty, ignored);
  CHECK(bad.code() == Code::kInvalidArgument);
  CHECK(bad.field_violations().size() == 2);
}

TEST_CASE("maintenance plans are created, validated and listed") {
  RpcFixture fx;
  v1::CreateMaintenancePlanRequest req;
  req.set_site_id("SITE-1");
  req.set_asset_serial("SN-1");
  req.set_cadence(v1::MaintenancePlan::MONTHLY);
  req.set_starts_on("2026-01-01");
  req.set_request_id("p-1");
  v1::MaintenancePlan plan;
  REQUIRE(fx.Call(&v1::FollowupService::Stub::CreateMaintenancePlan, req, plan).ok());
  CHECK(plan.next_visit_time().seconds() * 1000 == ToUnixMillis(Day("2026-01-15")));
  v1::MaintenancePlan again;
  REQUIRE(fx.Call(&v1::FollowupService::Stub::CreateMaintenancePlan, req, again).ok());
  CHECK(again.id() == plan.id());

  v1::CreateMaintenancePlanRequest bad;
  bad.set_starts_on("yesterday");
  v1::MaintenancePlan ignored;
  Status s = fx.Call(&v1::FollowupService::Stub::CreateMaintenancePlan, bad, ignored);
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.field_violations().size() == 3);

  v1::ListMaintenancePlansRequest list;
  list.set_site_id("SITE-1");
  v1::ListMaintenancePlansResponse res;
  REQUIRE(fx.Call(&v1::FollowupService::Stub::ListMaintenancePlans, list, res).ok());
  CHECK(res.maintenance_plans_size() == 1);
}

TEST_CASE("the service report answers over RPC") {
  RpcFixture fx;
  ev::WorkOrderDone done;
  done.set_work_order_id("WO-1");
  done.set_ticket_number("T-1");
  done.set_branch("north");
  done.set_required_skill("parking");
  done.set_fixed(true);
  done.set_visit(1);
  *done.mutable_arrive_time() = Ts(Day("2026-01-10") + 1h);
  *done.mutable_complete_time() = Ts(Day("2026-01-10") + 3h);
  fx.Publish(kDispatchEvents, done, "WO-1", Day("2026-01-10") + 3h);
  fx.Drain();
  v1::GetServiceReportRequest req;
  *req.mutable_from() = Ts(Day("2026-01-01"));
  *req.mutable_to() = Ts(Day("2026-02-01"));
  req.set_branch("north");
  v1::ServiceReport report;
  REQUIRE(fx.Call(&v1::FollowupService::Stub::GetServiceReport, req, report).ok());
  CHECK(report.visits() == 1);
  CHECK(report.first_time_fix_rate() == 1.0);
  CHECK(report.mean_time_to_repair().seconds() == 7200);
  CHECK(report.satisfaction_distribution_size() == 5);
  req.set_branch("south");
  REQUIRE(fx.Call(&v1::FollowupService::Stub::GetServiceReport, req, report).ok());
  CHECK(report.visits() == 0);
  CHECK(fx.Call(&v1::FollowupService::Stub::GetServiceReport, req, report, "C-1").code() ==
        Code::kPermissionDenied);
  *req.mutable_to() = Ts(Day("2025-12-01"));
  CHECK(fx.Call(&v1::FollowupService::Stub::GetServiceReport, req, report).code() ==
        Code::kInvalidArgument);
}

TEST_CASE("a withdrawn model notifies each owning customer once") {
  RpcFixture fx;
  int n = 0;
  for (const char* customer : {"C-1", "C-2", "C-2"}) {
    ev::TicketReported r;
    r.set_ticket_number("T-" + std::to_string(++n));
    r.set_customer_id(customer);
    r.set_asset_serial("SN-" + std::to_string(n));
    r.set_asset_model("BARRIER-X");
    fx.Publish(kIntakeEvents, r, "T", fx.clock.Now());
  }
  fx.Drain();
  v1::NotifyProductChangeRequest req;
  req.set_model("BARRIER-X");
  req.set_change(v1::NotifyProductChangeRequest::WITHDRAWN);
  req.set_detail("free upgrade to BARRIER-Y");
  req.set_request_id("notice-1");
  v1::NotifyProductChangeResponse res;
  REQUIRE(fx.Call(&v1::FollowupService::Stub::NotifyProductChange, req, res).ok());
  REQUIRE(res.followups_size() == 2);
  CHECK(res.followups(0).kind() == v1::Followup::PRODUCT_NOTICE);
  CHECK(res.followups(0).detail() == "BARRIER-X withdrawn: free upgrade to BARRIER-Y");
  v1::NotifyProductChangeResponse retry;
  REQUIRE(fx.Call(&v1::FollowupService::Stub::NotifyProductChange, req, retry).ok());
  CHECK(retry.followups(1).id() == res.followups(1).id());
  CHECK(fx.Tasks(TaskKind::kProductNotice).size() == 2);

  v1::NotifyProductChangeRequest bad;
  Status s = fx.Call(&v1::FollowupService::Stub::NotifyProductChange, bad, res);
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.field_violations().size() == 2);
}

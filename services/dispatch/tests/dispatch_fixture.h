// A real redis-server, the dispatch desk and its gRPC service in process on a
// free port, a fake inventory service on another, and helpers that publish
// intake's events and read dispatch's stream. Time is a ManualClock.
#pragma once

#include <google/protobuf/util/time_util.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aftersales/dispatch/v1/dispatch.grpc.pb.h"
#include "aftersales/events/v1/intake_events.pb.h"
#include "aftersales/inventory/v1/inventory.grpc.pb.h"
#include "services/common/clock.h"
#include "services/common/grpc/client.h"
#include "services/common/grpc/server.h"
#include "services/common/grpc/status_mapping.h"
#include "services/common/redis/pool.h"
#include "services/common/runtime/uuid.h"
#include "services/common/streams/consumer.h"
#include "services/common/streams/outbox.h"
#include "services/dispatch/desk/dispatch_desk.h"
#include "services/dispatch/events/intake_events.h"
#include "services/dispatch/rpc/dispatch_service.h"
#include "services/dispatch/storage/keys.h"
#include "tests/support/redis_server.h"

namespace aftersales::dispatch::testing {

namespace cv1 = ::aftersales::common::v1;
namespace inv = ::aftersales::inventory::v1;
using google::protobuf::util::TimeUtil;

// 2026-03-02 10:00 UTC (a Monday).
inline TimePoint Monday10() { return FromUnixMillis(1772445600000); }

struct As {
  std::string role;
  std::string engineer_id;
};
inline const As kDispatcher{"dispatcher", ""};
inline As Engineer(const std::string& id) { return {"engineer", id}; }

// Stand-in for the inventory service where a test needs to choose its
// answers: per-SKU available stock and what was reserved (the real inventory
// is exercised by dispatch_inventory_test and dispatch_e2e_test).
class FakeInventory final : public inv::InventoryService::CallbackService {
 public:
  std::map<std::string, int> available;
  std::map<std::string, int> reserved;
  std::vector<std::string> request_ids;
  std::mutex mu;

  grpc::ServerUnaryReactor* ReserveParts(grpc::CallbackServerContext* ctx,
                                         const inv::ReservePartsRequest* req,
                                         inv::ReservePartsResponse* resp) override {
    std::lock_guard lock(mu);
    request_ids.push_back(req->request_id());
    for (const auto& line : req->lines()) {
      if (available[line.sku()] >= line.quantity()) {
        available[line.sku()] -= line.quantity();
        reserved[line.sku()] += line.quantity();
        auto* r = resp->add_reservations();
        r->set_sku(line.sku());
        r->set_quantity(line.quantity());
      } else {
        auto* s = resp->add_shortages();
        s->set_sku(line.sku());
        s->set_quantity(line.quantity() - available[line.sku()]);
      }
    }
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  grpc::ServerUnaryReactor* IssueParts(grpc::CallbackServerContext* ctx,
                                       const inv::IssuePartsRequest* req,
                                       inv::IssuePartsResponse*) override {
    std::lock_guard lock(mu);
    request_ids.push_back(req->request_id());
    (void)req;
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  grpc::ServerUnaryReactor* ReleaseParts(grpc::CallbackServerContext* ctx,
                                         const inv::ReleasePartsRequest*,
                                         inv::ReleasePartsResponse*) override {
    std::lock_guard lock(mu);  // one work order per test: everything goes back
    for (auto& [sku, quantity] : reserved) {
      available[sku] += quantity;
      quantity = 0;
    }
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

class DispatchFixture {
 public:
  DispatchFixture() : redis_(/*appendonly=*/false), clock_(Monday10()) {
    redis::RedisOptions options;
    options.port = redis_.port();
    options.pool_size = 8;
    pool_ = std::move(redis::RedisPool::Create(options).value());
    inventory_server_ = std::make_unique<grpcx::GrpcServer>(
        grpcx::GrpcServerOptions{}, std::vector<grpcx::NamedService>{
                                        {inv::InventoryService::service_full_name(), &inventory_}});
    REQUIRE(inventory_server_->Start().ok());
    desk_ = NewDesk();
    service_ = std::make_unique<DispatchServiceImpl>(*desk_);
    server_ = std::make_unique<grpcx::GrpcServer>(
        grpcx::GrpcServerOptions{},
        std::vector<grpcx::NamedService>{
            {v1::DispatchService::service_full_name(), service_.get()}});
    REQUIRE(server_->Start().ok());
    stub_ = v1::DispatchService::NewStub(
        grpcx::MakeChannel("127.0.0.1:" + std::to_string(server_->port())));
  }
  ~DispatchFixture() {
    server_->Shutdown();
    inventory_server_->Shutdown();
  }

  // Another replica: its own desk (and planning cache) over the same Redis.
  std::unique_ptr<DispatchDesk> NewDesk() {
    return std::make_unique<DispatchDesk>(
        *pool_, clock_,
        inv::InventoryService::NewStub(
            grpcx::MakeChannel("127.0.0.1:" + std::to_string(inventory_server_->port()))));
  }

  template <typename Req, typename Resp, typename Method>
  Status Call(Method method, const Req& req, Resp* resp, const As& as = kDispatcher) {
    auto ctx = grpcx::NewCallContext(std::chrono::seconds(5), NewUuid());
    if (!as.role.empty()) ctx->AddMetadata("x-caller-role", as.role);
    if (!as.engineer_id.empty()) ctx->AddMetadata("x-caller-engineer-id", as.engineer_id);
    return grpcx::FromGrpcStatus((stub_.get()->*method)(ctx.get(), req, resp));
  }

  // An engineer on duty at the given position.
  std::string OnDutyEngineer(const std::string& name, double lat, double lng, int max_jobs = 2) {
    v1::CreateEngineerRequest c;
    c.set_name(name);
    c.set_phone("13800138000");
    c.set_branch("shanghai");
    c.add_skills("parking");
    c.add_zones(cv1::CITY);
    c.set_max_concurrent_jobs(max_jobs);
    c.set_request_id(NewUuid());
    v1::Engineer e;
    REQUIRE(Call(&v1::DispatchService::Stub::CreateEngineer, c, &e).ok());
    v1::SetEngineerStatusRequest s;
    s.set_engineer_id(e.id());
    s.set_state(v1::Engineer::AVAILABLE);
    s.set_latitude(lat);
    s.set_longitude(lng);
    v1::SetEngineerStatusResponse r;
    REQUIRE(Call(&v1::DispatchService::Stub::SetEngineerStatus, s, &r).ok());
    return e.id();
  }

  // Intake's event for a city site in Shanghai, due in two hours from now.
  events::v1::TicketOnsiteRequested OnsiteRequest(const std::string& ticket) {
    events::v1::TicketOnsiteRequested e;
    e.set_ticket_number(ticket);
    e.set_customer_id("c-1");
    e.set_site_id("s-1");
    e.set_zone(cv1::CITY);
    e.mutable_site_position()->set_latitude(31.2);
    e.mutable_site_position()->set_longitude(121.5);
    e.set_branch("shanghai");
    e.set_required_skill("parking");
    e.set_severity(cv1::MAJOR);
    e.set_asset_serial("SN-1");
    e.set_asset_category(cv1::MAINFRAME);
    *e.mutable_report_time() = TimeUtil::MillisecondsToTimestamp(ToUnixMillis(clock_.Now()));
    *e.mutable_onsite_due() =
        TimeUtil::MillisecondsToTimestamp(ToUnixMillis(clock_.Now() + std::chrono::hours(2)));
    e.mutable_warranty()->set_covered(true);
    e.set_visit(1);
    return e;
  }

  streams::EventToPublish Envelope(const google::protobuf::Message& m,
                                   const std::string& aggregate) {
    return {NewUuid(), m.GetDescriptor()->full_name(), aggregate, ToUnixMillis(clock_.Now()),
            m.SerializeAsString()};
  }

  void PublishToIntake(const streams::EventToPublish& event) {
    streams::Publisher publisher(*pool_, kIntakeStream);
    REQUIRE(publisher.Publish(event).ok());
  }

  streams::ConsumerOptions ConsumerOptionsFor(const std::string& name) {
    streams::ConsumerOptions o = IntakeConsumerOptions(name);
    o.block = std::chrono::milliseconds(50);
    return o;
  }

  // Runs a consumer until a few cycles bring nothing new (bounded).
  void Drain(streams::Consumer& consumer) {
    for (int i = 0; i < 6; ++i) REQUIRE(consumer.RunOnce().ok());
  }

  // Types of the entries on dispatch's stream, in order.
  std::vector<std::string> DispatchEventTypes() {
    auto reply = pool_->Command({"XRANGE", keys::Events(), "-", "+"});
    REQUIRE(reply.ok());
    std::vector<std::string> types;
    for (size_t i = 0; i < reply->size(); ++i) {
      auto event = streams::EventFromEntry((*reply)[i]);
      REQUIRE(event.ok());
      types.push_back(event->type);
    }
    return types;
  }
  int CountEvents(const std::string& short_type) {
    int n = 0;
    for (const auto& t : DispatchEventTypes()) n += t == "aftersales.events.v1." + short_type;
    return n;
  }

  std::vector<v1::WorkOrder> WorkOrdersOfTicket(const std::string& ticket) {
    v1::ListWorkOrdersRequest r;
    r.set_ticket_number(ticket);
    v1::ListWorkOrdersResponse resp;
    REQUIRE(Call(&v1::DispatchService::Stub::ListWorkOrders, r, &resp).ok());
    return {resp.work_orders().begin(), resp.work_orders().end()};
  }

  redis::RedisPool& pool() { return *pool_; }
  ManualClock& clock() { return clock_; }
  DispatchDesk& desk() { return *desk_; }
  FakeInventory& inventory() { return inventory_; }

 private:
  ::aftersales::testing::RedisServer redis_;
  ManualClock clock_;
  redis::RedisPoolPtr pool_;
  FakeInventory inventory_;
  std::unique_ptr<grpcx::GrpcServer> inventory_server_;
  std::unique_ptr<DispatchDesk> desk_;
  std::unique_ptr<DispatchServiceImpl> service_;
  std::unique_ptr<grpcx::GrpcServer> server_;
  std::unique_ptr<v1::DispatchService::Stub> stub_;
};

}  // namespace aftersales::dispatch::testing

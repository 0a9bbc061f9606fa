// A real redis-server, the intake service in process on a free port, and a
// client that speaks as any caller; time is a ManualClock.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "aftersales/intake/v1/intake.grpc.pb.h"
#include "services/common/clock.h"
#include "services/common/grpc/client.h"
#include "services/common/grpc/server.h"
#include "services/common/grpc/status_mapping.h"
#include "services/common/redis/pool.h"
#include "services/common/streams/event.h"
#include "services/intake/rpc/intake_service.h"
#include "services/intake/storage/intake_store.h"
#include "services/intake/storage/keys.h"
#include "services/intake/tickets/ticket_desk.h"
#include "tests/support/redis_server.h"

namespace aftersales::intake::testing {

// 2026-03-02 10:00 in Shanghai (a Monday).
inline TimePoint Monday10() { return FromUnixMillis(1772416800000); }

struct As {
  std::string role;
  std::string subject;
  std::string customer_id;
};
inline const As kAgent{"agent", "alice", ""};

class IntakeFixture {
 public:
  IntakeFixture() : redis_(/*appendonly=*/false), clock_(Monday10()) {
    redis::RedisOptions options;
    options.port = redis_.port();
    options.pool_size = 8;
    pool_ = std::move(redis::RedisPool::Create(options).value());
    store_ = std::make_unique<IntakeStore>(*pool_);
    desk_ = std::make_unique<TicketDesk>(*store_, clock_);
    writer_ = std::make_unique<BatchTicketWriter>(*store_);
    service_ = std::make_unique<IntakeService>(*desk_, writer_.get());
    server_ = std::make_unique<grpcx::GrpcServer>(
        grpcx::GrpcServerOptions{},
        std::vector<grpcx::NamedService>{{v1::IntakeService::service_full_name(), service_.get()}});
    REQUIRE(server_->Start().ok());
    stub_ = v1::IntakeService::NewStub(
        grpcx::MakeChannel("127.0.0.1:" + std::to_string(server_->port())));
  }
  ~IntakeFixture() { server_->Shutdown(); }

  std::unique_ptr<grpc::ClientContext> Ctx(const As& as = kAgent) {
    auto ctx = grpcx::NewCallContext(std::chrono::seconds(5), "test");
    if (!as.role.empty()) ctx->AddMetadata("x-caller-role", as.role);
    if (!as.subject.empty()) ctx->AddMetadata("x-caller-subject", as.subject);
    if (!as.customer_id.empty()) ctx->AddMetadata("x-caller-customer-id", as.customer_id);
    return ctx;
  }

  // Calls one RPC; the domain status of the answer.
  template <typename Req, typename Resp, typename Method>
  Status Call(Method method, const Req& req, Resp* resp, const As& as = kAgent) {
    auto ctx = Ctx(as);
    return grpcx::FromGrpcStatus((stub_.get()->*method)(ctx.get(), req, resp));
  }

  // A customer with a city site and an accepted mainframe on it.
  struct InstallBase {
    std::string customer_id;
    std::string site_id;
    std::string serial;
  };
  InstallBase MakeInstallBase(const std::string& serial = "SN-1") {
    InstallBase b;
    v1::CreateCustomerRequest cc;
    cc.set_name("上海停车场管理有限公司");
    cc.set_contact_name("王伟");
    cc.set_contact_phone("+86 21 5555 0100");
    v1::Customer customer;
    REQUIRE(Call(&v1::IntakeService::Stub::CreateCustomer, cc, &customer).ok());
    b.customer_id = customer.id();
    v1::CreateSiteRequest cs;
    cs.set_customer_id(b.customer_id);
    cs.set_name("浦东停车场");
    cs.set_address("上海市浦东新区");
    cs.set_zone(aftersales::common::v1::CITY);
    cs.set_branch("shanghai");
    cs.set_latitude(31.2);
    cs.set_longitude(121.5);
    v1::Site site;
    REQUIRE(Call(&v1::IntakeService::Stub::CreateSite, cs, &site).ok());
    b.site_id = site.id();
    v1::CreateAssetRequest ca;
    ca.set_serial_number(serial);
    ca.set_model("PK-9000");
    ca.set_category(aftersales::common::v1::MAINFRAME);
    ca.set_site_id(b.site_id);
    ca.set_accepted_on("2025-06-01");
    v1::Asset asset;
    REQUIRE(Call(&v1::IntakeService::Stub::CreateAsset, ca, &asset).ok());
    b.serial = asset.serial_number();
    return b;
  }

  v1::CreateTicketRequest FaultReport(const InstallBase& b) {
    v1::CreateTicketRequest r;
    r.set_customer_id(b.customer_id);
    r.set_site_id(b.site_id);
    r.set_asset_serial(b.serial);
    r.set_kind(aftersales::common::v1::FAULT);
    r.set_channel(v1::HOTLINE);
    r.set_contact_name("王伟");
    r.set_contact_phone("13800138000");
    r.set_symptoms("道闸不抬杆");
    r.set_impact(v1::SYSTEM_DOWN);
    return r;
  }

  v1::Ticket MustCreate(const v1::CreateTicketRequest& r, const As& as = kAgent) {
    v1::Ticket t;
    Status s = Call(&v1::IntakeService::Stub::CreateTicket, r, &t, as);
    INFO(s.ToString());
    REQUIRE(s.ok());
    return t;
  }

  // Every event on intake's stream, oldest first.
  std::vector<streams::Event> Events() {
    std::vector<streams::Event> out;
    auto reply = pool_->Command({"XRANGE", keys::Events(), "-", "+"});
    REQUIRE(reply.ok());
    for (size_t i = 0; i < reply->size(); ++i) {
      auto e = streams::EventFromEntry((*reply)[i]);
      REQUIRE(e.ok());
      out.push_back(*e);
    }
    return out;
  }
  std::vector<std::string> EventTypes() {
    std::vector<std::string> out;
    for (const auto& e : Events()) out.push_back(e.type.substr(e.type.rfind('.') + 1));
    return out;
  }
  int64_t DbSize() { return pool_->Command({"DBSIZE"})->integer().value_or(-1); }

  aftersales::testing::RedisServer redis_;
  ManualClock clock_;
  redis::RedisPoolPtr pool_;
  std::unique_ptr<IntakeStore> store_;
  std::unique_ptr<TicketDesk> desk_;
  std::unique_ptr<BatchTicketWriter> writer_;
  std::unique_ptr<IntakeService> service_;
  std::unique_ptr<grpcx::GrpcServer> server_;
  std::unique_ptr<v1::IntakeService::Stub> stub_;
};

}  // namespace aftersales::intake::testing

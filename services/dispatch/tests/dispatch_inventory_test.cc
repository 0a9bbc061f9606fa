// Completion against the real inventory service (in process, on the same
// redis-server): the parts used are reserved and issued from the engineer's
// van stock, and a part the van does not hold is refused by name.
#include <google/protobuf/util/time_util.h>

#include <catch2/catch.hpp>

#include "services/common/runtime/uuid.h"
#include "services/dispatch/tests/dispatch_fixture.h"
#include "services/inventory/rpc/inventory_service.h"
#include "services/inventory/storage/inventory_store.h"

namespace aftersales::dispatch::testing {
namespace {

using WO = v1::WorkOrder;

class RealInventory {
 public:
  RealInventory(redis::RedisPool& pool, const Clock& clock)
      : store_(pool, clock, ids_), service_(store_, clock) {
    server_ = std::make_unique<grpcx::GrpcServer>(
        grpcx::GrpcServerOptions{},
        std::vector<grpcx::NamedService>{{inv::InventoryService::service_full_name(), &service_}});
    REQUIRE(server_->Start().ok());
    stub_ = inv::InventoryService::NewStub(channel());
  }
  ~RealInventory() { server_->Shutdown(); }

  std::shared_ptr<grpc::Channel> channel() {
    return grpcx::MakeChannel("127.0.0.1:" + std::to_string(server_->port()));
  }

  template <typename Req, typename Resp, typename Method>
  Status Call(Method method, const Req& req, Resp* resp) {
    auto ctx = grpcx::NewCallContext(std::chrono::seconds(5), NewUuid());
    ctx->AddMetadata("x-caller-role", "admin");
    return grpcx::FromGrpcStatus((stub_.get()->*method)(ctx.get(), req, resp));
  }

  int Available(const std::string& location, const std::string& sku) {
    inv::ListStockLevelsRequest r;
    r.set_sku(sku);
    r.set_location(location);
    inv::ListStockLevelsResponse resp;
    REQUIRE(Call(&inv::InventoryService::Stub::ListStockLevels, r, &resp).ok());
    return resp.levels_size() == 0 ? 0 : resp.levels(0).available();
  }

 private:
  UuidGenerator ids_;
  inventory::InventoryStore store_;
  inventory::InventoryGrpcService service_;
  std::unique_ptr<grpcx::GrpcServer> server_;
  std::unique_ptr<inv::InventoryService::Stub> stub_;
};

TEST_CASE("completion issues the parts used from the real inventory") {
  DispatchFixture f;
  RealInventory inventory(f.pool(), f.clock());
  DispatchDesk desk(f.pool(), f.clock(), inv::InventoryService::NewStub(inventory.channel()));
  const std::string eng = f.OnDutyEngineer("Li Lei", 31.21, 121.5);

  inv::CreatePartRequest part;
  part.set_sku("BRK-1");
  part.set_name("barrier brake");
  part.set_model("BRK");
  part.set_category(cv1::ACCESSORY);
  part.mutable_cost_price()->set_currency_code("CNY");
  part.mutable_cost_price()->set_minor_units(10000);
  part.mutable_sale_price()->set_currency_code("CNY");
  part.mutable_sale_price()->set_minor_units(15000);
  inv::Part created;
  Status s = inventory.Call(&inv::InventoryService::Stub::CreatePart, part, &created);
  INFO(s.ToString());
  REQUIRE(s.ok());
  inv::CreateLocationRequest van;
  van.set_id("van-li");
  van.set_name("Li Lei's van");
  van.set_type(inv::Location::VAN);
  van.set_branch("shanghai");
  van.set_engineer_id(eng);
  inv::Location location;
  s = inventory.Call(&inv::InventoryService::Stub::CreateLocation, van, &location);
  INFO(s.ToString());
  REQUIRE(s.ok());
  inv::ReceiveStockRequest receive;
  receive.set_location("van-li");
  receive.set_sku("BRK-1");
  receive.set_quantity(3);
  inv::ReceiveStockResponse received;
  REQUIRE(inventory.Call(&inv::InventoryService::Stub::ReceiveStock, receive, &received).ok());

  // Assigned, accepted, on the way, on site (through the desk directly).
  f.PublishToIntake(f.Envelope(f.OnsiteRequest("T-1"), "T-1"));
  auto consumer = MakeIntakeConsumer(f.pool(), desk, f.ConsumerOptionsFor("d-1"));
  REQUIRE(consumer.ok());
  f.Drain(**consumer);
  const WO wo = f.WorkOrdersOfTicket("T-1").at(0);
  const Caller me{"engineer", "", eng};
  v1::AcceptWorkOrderRequest accept;
  accept.set_work_order_id(wo.id());
  REQUIRE(desk.Accept(me, accept).ok());
  v1::DepartWorkOrderRequest depart;
  depart.set_work_order_id(wo.id());
  depart.set_latitude(31.21);
  depart.set_longitude(121.5);
  REQUIRE(desk.Depart(me, depart).ok());
  v1::ArriveWorkOrderRequest arrive;
  arrive.set_work_order_id(wo.id());
  arrive.set_latitude(31.2);
  arrive.set_longitude(121.5);
  REQUIRE(desk.Arrive(me, arrive).ok());

  v1::CompleteWorkOrderRequest complete;
  complete.set_work_order_id(wo.id());
  complete.set_findings("brake worn");
  complete.set_actions("replaced the brake");
  complete.set_fixed(true);
  auto* used = complete.add_parts_used();
  used->set_sku("BRK-1");
  used->set_quantity(5);  // the van holds 3
  used->set_location("van-li");
  complete.set_request_id(NewUuid());
  auto refused = desk.Complete(me, complete);
  REQUIRE_FALSE(refused.ok());
  INFO(refused.status().ToString());
  CHECK(refused.status().code() == Code::kFailedPrecondition);
  CHECK(refused.status().message().find("BRK-1") != std::string::npos);
  CHECK(inventory.Available("van-li", "BRK-1") == 3);

  used->set_quantity(2);
  complete.set_request_id(NewUuid());
  auto done = desk.Complete(me, complete);
  INFO(done.status().ToString());
  REQUIRE(done.ok());
  CHECK(done->status() == WO::WORK_DONE);
  CHECK(inventory.Available("van-li", "BRK-1") == 1);
}

}  // namespace
}  // namespace aftersales::dispatch::testing

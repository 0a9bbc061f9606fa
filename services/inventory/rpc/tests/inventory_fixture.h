// An in-process inventory gRPC server over a real redis-server, a manual
// clock, and helpers shared by the rpc and events tests.
#pragma once

#include <catch2/catch.hpp>

#include "aftersales/inventory/v1/inventory.grpc.pb.h"
#include "services/common/grpc/client.h"
#include "services/common/grpc/server.h"
#include "services/common/grpc/status_mapping.h"
#include "services/common/runtime/uuid.h"
#include "services/inventory/rpc/inventory_service.h"
#include "services/inventory/storage/keys.h"
#include "services/inventory/storage/ledger_audit.h"
#include "tests/support/redis_server.h"

namespace aftersales::inventory::testing_support {

namespace v1 = ::aftersales::inventory::v1;

struct InventoryFixture {
  aftersales::testing::RedisServer redis_server;
  redis::RedisPoolPtr pool;
  ManualClock clock{FromUnixMillis(1'790'000'000'000)};
  UuidGenerator ids;
  std::unique_ptr<InventoryStore> store;
  std::unique_ptr<InventoryGrpcService> service;
  std::unique_ptr<grpcx::GrpcServer> server;
  std::unique_ptr<v1::InventoryService::Stub> stub;

  explicit InventoryFixture(int pool_size = 8) {
    redis::RedisOptions options;
    options.port = redis_server.port();
    options.pool_size = pool_size;
    pool = std::move(redis::RedisPool::Create(options)).value();
    store = std::make_unique<InventoryStore>(*pool, clock, ids);
    service = std::make_unique<InventoryGrpcService>(*store, clock);
    server = std::make_unique<grpcx::GrpcServer>(
        grpcx::GrpcServerOptions{},
        std::vector<grpcx::NamedService>{
            {v1::InventoryService::service_full_name(), service.get()}});
    REQUIRE(server->Start().ok());
    server->SetServing(true);
    stub = v1::InventoryService::NewStub(
        grpcx::MakeChannel("127.0.0.1:" + std::to_string(server->port())));
  }
  ~InventoryFixture() { server->Shutdown(); }

  // Calls one RPC with a deadline; the domain status it answered.
  template <typename Request, typename Response, typename Method>
  Status Call(Method method, const Request& request, Response& response) {
    auto context = grpcx::NewCallContext(std::chrono::seconds(5), NewUuid());
    return grpcx::FromGrpcStatus(((*stub).*method)(context.get(), request, &response));
  }

  void AddPart(const std::string& sku, int warranty_months = 3) {
    v1::CreatePartRequest r;
    r.set_sku(sku);
    r.set_name("Part " + sku);
    r.mutable_cost_price()->set_currency_code("CNY");
    r.mutable_cost_price()->set_minor_units(1000);
    r.mutable_sale_price()->set_currency_code("CNY");
    r.mutable_sale_price()->set_minor_units(2599);
    r.set_warranty_months(warranty_months);
    v1::Part part;
    REQUIRE(Call(&v1::InventoryService::Stub::CreatePart, r, part).ok());
  }
  void AddLocation(const std::string& id, v1::Location::Type type, const std::string& branch = "",
                   const std::string& engineer = "") {
    v1::CreateLocationRequest r;
    r.set_id(id);
    r.set_name("Location " + id);
    r.set_type(type);
    r.set_branch(branch);
    r.set_engineer_id(engineer);
    v1::Location l;
    REQUIRE(Call(&v1::InventoryService::Stub::CreateLocation, r, l).ok());
  }
  void Receive(const std::string& sku, const std::string& location, int quantity) {
    v1::ReceiveStockRequest r;
    r.set_sku(sku);
    r.set_location(location);
    r.set_quantity(quantity);
    r.set_request_id(NewUuid());
    v1::ReceiveStockResponse out;
    REQUIRE(Call(&v1::InventoryService::Stub::ReceiveStock, r, out).ok());
  }
  v1::StockLevel Level(const std::string& sku, const std::string& location) {
    v1::ListStockLevelsRequest r;
    r.set_sku(sku);
    r.set_location(location);
    v1::ListStockLevelsResponse out;
    REQUIRE(Call(&v1::InventoryService::Stub::ListStockLevels, r, out).ok());
    return out.levels_size() == 1 ? out.levels(0) : v1::StockLevel();
  }
  // Every level equals what its ledger adds up to.
  void RequireLedgerMatches() {
    auto audit = AuditLedger(*store);
    INFO(audit.status().ToString());
    REQUIRE(audit.ok());
  }
  std::vector<std::string> Events(const std::string& type) {
    auto reply = pool->Command({"XRANGE", keys::Events(), "-", "+"});
    REQUIRE(reply.ok());
    std::vector<std::string> out;
    for (size_t i = 0; i < reply->size(); ++i) {
      auto fields = (*reply)[i][1];
      std::string t, payload;
      for (size_t j = 0; j + 1 < fields.size(); j += 2) {
        if (fields[j].str() == "type") t = fields[j + 1].string();
        if (fields[j].str() == "payload") payload = fields[j + 1].string();
      }
      if (t == "aftersales.events.v1." + type) out.push_back(payload);
    }
    return out;
  }
};

inline bool Names(const Status& s, const std::string& field) {
  for (const auto& v : s.field_violations()) {
    if (v.field == field) return true;
  }
  return false;
}

}  // namespace aftersales::inventory::testing_support

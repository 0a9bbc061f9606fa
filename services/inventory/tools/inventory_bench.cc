// Reserve throughput: ReserveParts over gRPC (in-process server, real Redis)
// against the bare EVALSHA of the same reserve script, same client threads,
// same run. Prints both and the ratio; not a test.
//
//   inventory-bench [--threads N] [--ops PER_THREAD]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "services/common/grpc/client.h"
#include "services/common/grpc/server.h"
#include "services/common/runtime/uuid.h"
#include "services/inventory/rpc/inventory_service.h"
#include "services/inventory/storage/keys.h"
#include "services/inventory/storage/ledger_audit.h"
#include "services/inventory/storage/scripts.h"
#include "tests/support/redis_server.h"

using namespace aftersales;
using namespace aftersales::inventory;
using Stopwatch = std::chrono::steady_clock;

namespace {

struct Run {
  double seconds = 0;
  int64_t ok = 0;
  int64_t failed = 0;
  double ops_per_second() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
};

template <typename Op>
Run Measure(int threads, int ops, Op op) {
  std::atomic<int64_t> ok{0}, failed{0};
  std::vector<std::thread> workers;
  const auto start = Stopwatch::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < ops; ++i) {
        if (op(t, i)) {
          ++ok;
        } else {
          ++failed;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  Run run;
  run.seconds = std::chrono::duration<double>(Stopwatch::now() - start).count();
  run.ok = ok;
  run.failed = failed;
  return run;
}

void Print(const char* name, const Run& run, int threads) {
  std::printf("%-34s %8lld ok %4lld failed %7.2f s %9.0f ops/s %8.3f ms/op per thread\n", name,
              static_cast<long long>(run.ok), static_cast<long long>(run.failed), run.seconds,
              run.ops_per_second(),
              run.ok > 0 ? run.seconds * 1000.0 * threads / static_cast<double>(run.ok) : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 8;
  int ops = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--threads") == 0) threads = std::max(1, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--ops") == 0) ops = std::max(1, std::atoi(argv[i + 1]));
  }

  testing::RedisServer redis_server(/*appendonly=*/true);
  redis::RedisOptions options;
  options.port = redis_server.port();
  options.pool_size = threads * 2;
  auto pool = std::move(redis::RedisPool::Create(options)).value();
  SystemClock clock;
  UuidGenerator ids;
  InventoryStore store(*pool, clock, ids);

  PartSpec spec;
  spec.sku = "BENCH-PSU";
  spec.name = "Bench power supply";
  spec.cost_price = {"CNY", 100};
  spec.sale_price = {"CNY", 200};
  if (!store.CreatePart(*NewPart(spec), NewUuid()).ok() ||
      !store.CreateLocation({"depot", "Depot", LocationType::kDepot, "", ""}, NewUuid()).ok() ||
      !store.Receive(spec.sku, "depot", 1'000'000, NewUuid()).ok()) {
    std::fprintf(stderr, "setup failed\n");
    return 1;
  }

  InventoryGrpcService service(store, clock);
  grpcx::GrpcServer server(grpcx::GrpcServerOptions{},
                           {{v1::InventoryService::service_full_name(), &service}});
  if (!server.Start().ok()) {
    std::fprintf(stderr, "grpc server failed\n");
    return 1;
  }
  server.SetServing(true);
  const std::string target = "127.0.0.1:" + std::to_string(server.port());

  std::printf(
      "inventory-bench: %d client threads x %d reservations each, redis-server with AOF "
      "(appendfsync everysec), pool %d connections\n",
      threads, ops, options.pool_size);

  // Baseline: what ReserveParts ends in, the reserve script by EVALSHA with
  // the same arguments the store passes (one line, candidate: the depot).
  const redis::Script& reserve = scripts::Reserve();
  auto bare = Measure(threads, ops, [&](int t, int i) {
    std::vector<std::string> args{std::to_string(ToUnixMillis(clock.Now())), "86400", "4"};
    for (int k = 0; k < 4; ++k) args.push_back(NewUuid());
    std::string wo = "bare-" + std::to_string(t) + "-" + std::to_string(i);
    args.insert(args.end(), {wo, "1", spec.sku, "1", "1", "depot"});
    return pool->Eval(reserve, {keys::Request("reserve", NewUuid())}, args).ok();
  });

  // ReserveParts over gRPC: one channel per client thread.
  std::vector<std::unique_ptr<v1::InventoryService::Stub>> stubs;
  for (int t = 0; t < threads; ++t) {
    stubs.push_back(v1::InventoryService::NewStub(grpcx::MakeChannel(target)));
  }
  auto grpc = Measure(threads, ops, [&](int t, int i) {
    v1::ReservePartsRequest request;
    request.set_work_order_id("grpc-" + std::to_string(t) + "-" + std::to_string(i));
    request.set_request_id(NewUuid());
    auto* line = request.add_lines();
    line->set_sku(spec.sku);
    line->set_quantity(1);
    v1::ReservePartsResponse response;
    auto context = grpcx::NewCallContext(std::chrono::seconds(10), request.request_id());
    return stubs[t]->ReserveParts(context.get(), request, &response).ok() &&
           response.reservations_size() == 1;
  });

  Print("bare EVALSHA reserve script", bare, threads);
  Print("ReserveParts over gRPC", grpc, threads);
  std::printf("ratio gRPC / bare EVALSHA: %.2f (throughput)\n",
              bare.ops_per_second() > 0 ? grpc.ops_per_second() / bare.ops_per_second() : 0.0);
  std::printf(
      "note: ReserveParts also reads the candidate locations (one pipelined round trip) "
      "before its EVALSHA\n");

  auto level = store.GetLevel(spec.sku, "depot");
  auto audit = AuditLedger(store);
  std::printf(
      "reserved at depot: %lld (expected %lld); ledger audit: %s\n",
      static_cast<long long>(level.ok() ? IntField(*level, "reserved") : -1),
      static_cast<long long>(bare.ok + grpc.ok),
      audit.ok() ? ("levels equal the ledger (" + std::to_string(audit->entries_read) + " entries)")
                       .c_str()
                 : audit.status().ToString().c_str());
  server.Shutdown();
  return audit.ok() ? 0 : 1;
}

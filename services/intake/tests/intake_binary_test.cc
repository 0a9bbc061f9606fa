// The real `intake` process: starts against Redis, serves the API with health,
// publishes its events, and stops cleanly on SIGTERM.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <thread>

#include "aftersales/intake/v1/intake.grpc.pb.h"
#include "services/common/grpc/client.h"
#include "services/common/grpc/status_mapping.h"
#include "services/common/redis/pool.h"
#include "services/intake/storage/keys.h"
#include "tests/support/child_process.h"
#include "tests/support/redis_server.h"

namespace aftersales::intake {
namespace {

namespace v1 = ::aftersales::intake::v1;

TEST_CASE("the intake binary serves tickets and publishes their events") {
  aftersales::testing::RedisServer redis(/*appendonly=*/false);
  const int grpc_port = aftersales::testing::FreePort();
  const int metrics_port = aftersales::testing::FreePort();
  aftersales::testing::ChildProcess intake(
      {aftersales::testing::BinDir() + "/intake"},
      {{"AFTERSALES_REDIS_PORT", std::to_string(redis.port())},
       {"AFTERSALES_GRPC_PORT", std::to_string(grpc_port)},
       {"AFTERSALES_METRICS_PORT", std::to_string(metrics_port)},
       {"AFTERSALES_CONSUMER_NAME", "intake-test"}});
  REQUIRE(aftersales::testing::WaitForPort(grpc_port, std::chrono::seconds(15)));
  auto channel = grpcx::MakeChannel("127.0.0.1:" + std::to_string(grpc_port));
  bool serving = false;
  for (int i = 0; i < 50 && !serving; ++i) {
    serving =
        grpcx::CheckHealth(channel, v1::IntakeService::service_full_name(), std::chrono::seconds(1))
            .ok();
    if (!serving) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(serving);
  auto stub = v1::IntakeService::NewStub(channel);

  v1::CreateCustomerRequest cc;
  cc.set_name("深圳安防");
  v1::Customer customer;
  auto ctx = grpcx::NewCallContext(std::chrono::seconds(5), "r1");
  REQUIRE(stub->CreateCustomer(ctx.get(), cc, &customer).ok());
  v1::CreateTicketRequest report;
  report.set_customer_id(customer.id());
  report.set_kind(aftersales::common::v1::CONSULTATION);
  report.set_contact_name("李娜");
  report.set_contact_phone("13800138000");
  report.set_symptoms("如何导出报表？");
  v1::Ticket ticket;
  ctx = grpcx::NewCallContext(std::chrono::seconds(5), "r2");
  grpc::Status s = stub->CreateTicket(ctx.get(), report, &ticket);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(ticket.kind() == aftersales::common::v1::CONSULTATION);

  redis::RedisOptions options;
  options.port = redis.port();
  auto pool = std::move(redis::RedisPool::Create(options).value());
  auto entries = pool->Command({"XRANGE", keys::Events(), "-", "+"});
  REQUIRE(entries.ok());
  CHECK(entries->size() == 1);
  // Its consumers joined the other services' streams under group "intake".
  bool grouped = false;
  for (int i = 0; i < 50 && !grouped; ++i) {
    auto groups = pool->Command({"XINFO", "GROUPS", keys::kDispatchEvents});
    grouped = groups.ok() && groups->size() == 1;
    if (!grouped) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(grouped);

  const int status = intake.Stop(SIGTERM, std::chrono::seconds(15));
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace aftersales::intake

// The real `dispatch` process: consumes intake's events, serves the API, and
// after a SIGKILL at any point (even with an event received and not yet
// handled) makes each ticket's work order exactly once on restart.
#include <google/protobuf/util/time_util.h>
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <thread>

#include "aftersales/dispatch/v1/dispatch.grpc.pb.h"
#include "aftersales/events/v1/intake_events.pb.h"
#include "services/common/clock.h"
#include "services/common/grpc/client.h"
#include "services/common/redis/pool.h"
#include "services/common/runtime/uuid.h"
#include "services/common/streams/event.h"
#include "services/common/streams/outbox.h"
#include "tests/support/child_process.h"
#include "tests/support/redis_server.h"

namespace aftersales::dispatch {
namespace {

namespace cv1 = ::aftersales::common::v1;
using ::aftersales::testing::ChildProcess;
using google::protobuf::util::TimeUtil;

class DispatchProcess {
 public:
  explicit DispatchProcess(int redis_port) : redis_port_(redis_port) {}

  void Start() {
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{::aftersales::testing::BinDir() + "/dispatch"},
        std::map<std::string, std::string>{
            {"AFTERSALES_REDIS_PORT", std::to_string(redis_port_)},
            {"AFTERSALES_GRPC_PORT", std::to_string(grpc_port_)},
            {"AFTERSALES_METRICS_PORT", std::to_string(metrics_port_)},
            {"AFTERSALES_CONSUMER_NAME", "dispatch-test"},
            {"AFTERSALES_INVENTORY_ADDR",
             "127.0.0.1:" + std::to_string(::aftersales::testing::FreePort())},
            {"AFTERSALES_DISPATCH_WATCHDOG_INTERVAL", "100ms"}});
    REQUIRE(::aftersales::testing::WaitForPort(grpc_port_, std::chrono::seconds(15)));
    auto channel = grpcx::MakeChannel("127.0.0.1:" + std::to_string(grpc_port_));
    bool serving = false;
    for (int i = 0; i < 50 && !serving; ++i) {
      serving = grpcx::CheckHealth(channel, v1::DispatchService::service_full_name(),
                                   std::chrono::seconds(1))
                    .ok();
      if (!serving) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE(serving);
    stub_ = v1::DispatchService::NewStub(channel);
  }
  void Kill() { process_->Stop(SIGKILL); }

  std::unique_ptr<grpc::ClientContext> Ctx() {
    auto ctx = grpcx::NewCallContext(std::chrono::seconds(5), NewUuid());
    ctx->AddMetadata("x-caller-role", "dispatcher");
    return ctx;
  }
  v1::DispatchService::Stub& stub() { return *stub_; }

  // Work orders of a ticket, waiting up to ~10 s for at least `want`.
  std::vector<v1::WorkOrder> WorkOrders(const std::string& ticket, size_t want) {
    v1::ListWorkOrdersResponse resp;
    for (int i = 0; i < 100; ++i) {
      v1::ListWorkOrdersRequest r;
      r.set_ticket_number(ticket);
      resp.Clear();
      auto ctx = Ctx();
      REQUIRE(stub_->ListWorkOrders(ctx.get(), r, &resp).ok());
      if (static_cast<size_t>(resp.work_orders_size()) >= want) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return {resp.work_orders().begin(), resp.work_orders().end()};
  }

 private:
  int redis_port_;
  int grpc_port_ = ::aftersales::testing::FreePort();
  int metrics_port_ = ::aftersales::testing::FreePort();
  std::unique_ptr<ChildProcess> process_;
  std::unique_ptr<v1::DispatchService::Stub> stub_;
};

streams::EventToPublish OnsiteRequested(const std::string& ticket) {
  events::v1::TicketOnsiteRequested e;
  e.set_ticket_number(ticket);
  e.set_zone(cv1::CITY);
  e.mutable_site_position()->set_latitude(31.2);
  e.mutable_site_position()->set_longitude(121.5);
  e.set_branch("shanghai");
  e.set_required_skill("parking");
  e.set_severity(cv1::MAJOR);
  e.set_asset_category(cv1::MAINFRAME);
  const int64_t now = aftersales::ToUnixMillis(std::chrono::system_clock::now());
  *e.mutable_report_time() = TimeUtil::MillisecondsToTimestamp(now);
  *e.mutable_onsite_due() = TimeUtil::MillisecondsToTimestamp(now + 2 * 3600 * 1000);
  e.set_visit(1);
  return {NewUuid(), e.GetDescriptor()->full_name(), ticket, now, e.SerializeAsString()};
}

TEST_CASE("the dispatch binary makes each work order exactly once across SIGKILL restarts") {
  ::aftersales::testing::RedisServer redis(/*appendonly=*/false);
  redis::RedisOptions options;
  options.port = redis.port();
  auto pool = std::move(redis::RedisPool::Create(options).value());
  streams::Publisher intake(*pool, "{intake}:events");

  DispatchProcess dispatch(redis.port());
  dispatch.Start();
  v1::CreateEngineerRequest create;
  create.set_name("Li Lei");
  create.set_phone("13800138000");
  create.set_branch("shanghai");
  create.add_skills("parking");
  create.add_zones(cv1::CITY);
  create.set_max_concurrent_jobs(5);
  v1::Engineer engineer;
  auto ctx = dispatch.Ctx();
  REQUIRE(dispatch.stub().CreateEngineer(ctx.get(), create, &engineer).ok());
  v1::SetEngineerStatusRequest on;
  on.set_engineer_id(engineer.id());
  on.set_state(v1::Engineer::AVAILABLE);
  on.set_latitude(31.21);
  on.set_longitude(121.5);
  v1::SetEngineerStatusResponse status;
  ctx = dispatch.Ctx();
  REQUIRE(dispatch.stub().SetEngineerStatus(ctx.get(), on, &status).ok());

  const auto first = OnsiteRequested("T-1");
  REQUIRE(intake.Publish(first).ok());
  REQUIRE(dispatch.WorkOrders("T-1", 1).size() == 1);
  dispatch.Kill();

  // While it is down: the first event comes again, and a second ticket's
  // event is received by this consumer (pending) but never handled.
  REQUIRE(intake.Publish(first).ok());
  REQUIRE(intake.Publish(OnsiteRequested("T-2")).ok());
  auto taken = pool->Command({"XREADGROUP", "GROUP", "dispatch", "dispatch-test", "COUNT", "2",
                              "STREAMS", "{intake}:events", ">"});
  REQUIRE(taken.ok());

  dispatch.Start();
  const auto second = dispatch.WorkOrders("T-2", 1);
  REQUIRE(second.size() == 1);
  CHECK(second[0].engineer_id() == engineer.id());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(dispatch.WorkOrders("T-1", 1).size() == 1);
  auto pending = pool->Command({"XPENDING", "{intake}:events", "dispatch"});
  REQUIRE(pending.ok());
  CHECK((*pending)[0].integer() == 0);
  auto assigned = pool->Command({"XRANGE", "{dispatch}:events", "-", "+"});
  REQUIRE(assigned.ok());
  std::vector<std::string> types;
  for (size_t i = 0; i < assigned->size(); ++i) {
    auto event = streams::EventFromEntry((*assigned)[i]);
    REQUIRE(event.ok());
    types.push_back(event->type);
  }
  // One WorkOrderAssigned per ticket (T-2 waits behind T-1's job, so it is
  // also escalated at once: nobody can be there in time).
  CHECK(std::count(types.begin(), types.end(), "aftersales.events.v1.WorkOrderAssigned") == 2);
  CHECK(std::count(types.begin(), types.end(), "aftersales.events.v1.WorkOrderEscalated") == 1);
}

}  // namespace
}  // namespace aftersales::dispatch

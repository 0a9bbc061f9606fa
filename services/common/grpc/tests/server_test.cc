// The server bootstrap against real sockets on 127.0.0.1: health, status
// details, request id and deadline propagation, bounded shutdown.
#include "services/common/grpc/server.h"

#include <catch2/catch.hpp>
#include <thread>

#include "aftersales/intake/v1/intake.grpc.pb.h"
#include "services/common/grpc/client.h"
#include "services/common/grpc/status_mapping.h"
#include "services/common/metrics/metrics.h"

namespace aftersales::grpcx {
namespace {

namespace v1 = aftersales::intake::v1;
constexpr char kName[] = "aftersales.intake.v1.IntakeService";

// Answers GetCustomer with NOT_FOUND naming the request id it received, and
// GetTicket slowly, so the tests can see what travelled.
class ProbeService final : public v1::IntakeService::CallbackService {
  grpc::ServerUnaryReactor* GetCustomer(grpc::CallbackServerContext* ctx,
                                        const v1::GetCustomerRequest* req, v1::Customer*) override {
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(ToGrpcStatus(
        NotFound("CUSTOMER_NOT_FOUND", req->customer_id() + " via " + RequestIdOf(*ctx))));
    return reactor;
  }
  grpc::ServerUnaryReactor* GetTicket(grpc::CallbackServerContext* ctx, const v1::GetTicketRequest*,
                                      v1::Ticket*) override {
    auto* reactor = ctx->DefaultReactor();
    std::thread([reactor] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      reactor->Finish(grpc::Status::OK);
    }).detach();
    return reactor;
  }
};

TEST_CASE("health starts NOT_SERVING and follows SetServing") {
  ProbeService service;
  GrpcServer server({}, {{kName, &service}});
  REQUIRE(server.Start().ok());
  REQUIRE(server.port() > 0);
  auto channel = MakeChannel("127.0.0.1:" + std::to_string(server.port()));
  CHECK(CheckHealth(channel, "", std::chrono::seconds(2)).code() == Code::kFailedPrecondition);
  server.SetServing(true);
  CHECK(CheckHealth(channel, "", std::chrono::seconds(2)).ok());
  CHECK(CheckHealth(channel, "aftersales.intake.v1.IntakeService", std::chrono::seconds(2)).ok());
  server.SetServing(false);
  CHECK_FALSE(CheckHealth(channel, "", std::chrono::seconds(2)).ok());
  // Liveness does not follow the dependencies.
  CHECK(CheckHealth(channel, kLivenessHealthName, std::chrono::seconds(2)).ok());
}

TEST_CASE("a domain error and the caller's request id reach the client and metrics count it") {
  ProbeService service;
  GrpcServer server({}, {{kName, &service}});
  REQUIRE(server.Start().ok());
  auto stub = v1::IntakeService::NewStub(MakeChannel("127.0.0.1:" + std::to_string(server.port())));
  auto ctx = NewCallContext(std::chrono::seconds(2), "req-42");
  v1::GetCustomerRequest req;
  req.set_customer_id("C9");
  v1::Customer out;
  Status s = FromGrpcStatus(stub->GetCustomer(ctx.get(), req, &out));
  CHECK(s.code() == Code::kNotFound);
  CHECK(s.reason() == "CUSTOMER_NOT_FOUND");
  CHECK(s.message() == "C9 via req-42");
  std::string text = metrics::DefaultRegistry().Exposition();
  CHECK_THAT(text,
             Catch::Contains("grpc_server_handled_total{grpc_code=\"NOT_FOUND\","
                             "grpc_method=\"/aftersales.intake.v1.IntakeService/GetCustomer\"}"));
}

TEST_CASE("an RPC without behaviour yet answers UNIMPLEMENTED") {
  ProbeService service;
  GrpcServer server({}, {{kName, &service}});
  REQUIRE(server.Start().ok());
  auto stub = v1::IntakeService::NewStub(MakeChannel("127.0.0.1:" + std::to_string(server.port())));
  auto ctx = NewCallContext(std::chrono::seconds(2), "");
  v1::CreateTicketRequest req;
  v1::Ticket out;
  CHECK(stub->CreateTicket(ctx.get(), req, &out).error_code() == grpc::StatusCode::UNIMPLEMENTED);
}

TEST_CASE("the caller's deadline is enforced") {
  ProbeService service;
  GrpcServer server({}, {{kName, &service}});
  REQUIRE(server.Start().ok());
  auto stub = v1::IntakeService::NewStub(MakeChannel("127.0.0.1:" + std::to_string(server.port())));
  auto ctx = NewCallContext(std::chrono::milliseconds(50), "");
  v1::GetTicketRequest req;
  v1::Ticket out;
  CHECK(stub->GetTicket(ctx.get(), req, &out).error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
  std::this_thread::sleep_for(std::chrono::milliseconds(350));  // let the slow reactor finish
}

TEST_CASE("shutdown lets an in-flight call finish within the grace period") {
  ProbeService service;
  GrpcServerOptions options;
  options.shutdown_grace = std::chrono::seconds(5);
  GrpcServer server(options, {{kName, &service}});
  REQUIRE(server.Start().ok());
  auto stub = v1::IntakeService::NewStub(MakeChannel("127.0.0.1:" + std::to_string(server.port())));
  grpc::Status call_status;
  std::thread caller([&] {
    auto ctx = NewCallContext(std::chrono::seconds(5), "");
    v1::GetTicketRequest req;
    v1::Ticket out;
    call_status = stub->GetTicket(ctx.get(), req, &out);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto start = std::chrono::steady_clock::now();
  server.Shutdown();
  caller.join();
  CHECK(call_status.ok());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("a port already taken is a clear start-up error") {
  ProbeService service;
  GrpcServer first({}, {{kName, &service}});
  REQUIRE(first.Start().ok());
  GrpcServerOptions options;
  options.address = "127.0.0.1:" + std::to_string(first.port());
  ProbeService other;
  GrpcServer second(options, {{kName, &other}});
  Status s = second.Start();
  CHECK(s.code() == Code::kUnavailable);
  CHECK_THAT(s.message(), Catch::Contains(options.address));
}

}  // namespace
}  // namespace aftersales::grpcx

#include "gateway/upstreams.h"

#include <grpcpp/generic/generic_stub.h>

#include <condition_variable>
#include <mutex>

#include "services/common/grpc/client.h"
#include "services/common/grpc/status_mapping.h"

namespace aftersales::gateway {

Upstreams::Upstreams(std::vector<Upstream> upstreams, redis::RedisPool* redis)
    : upstreams_(std::move(upstreams)), redis_(redis) {}

Status Upstreams::CheckReady(std::chrono::milliseconds deadline) const {
  if (Status s = redis_->Ping(); !s.ok()) {
    return Unavailable("REDIS_UNAVAILABLE", "redis: " + s.message());
  }
  for (const auto& u : upstreams_) {
    if (Status s = grpcx::CheckHealth(u.channel, "", deadline); !s.ok()) {
      return Unavailable("UPSTREAM_UNAVAILABLE", u.name + " (" + u.address + "): " + s.message());
    }
  }
  return Status::Ok();
}

struct GrpcRpcCaller::Stub {
  explicit Stub(std::shared_ptr<grpc::Channel> channel) : stub(std::move(channel)) {}
  grpc::GenericStub stub;
};

GrpcRpcCaller::GrpcRpcCaller(const Upstreams& upstreams, std::chrono::milliseconds deadline)
    : deadline_(deadline) {
  for (const auto& u : upstreams.all()) stubs_[u.name] = std::make_shared<Stub>(u.channel);
}

void GrpcRpcCaller::CallAsync(const Route& route, const google::protobuf::Message& request,
                              const Caller& caller, const std::string& request_id, Done done) {
  const auto it = stubs_.find(route.upstream);
  if (it == stubs_.end()) {
    return done(Unavailable("UPSTREAM_UNKNOWN", "no address configured for " + route.upstream), "");
  }
  // What the call needs until its callback: gRPC holds the callback, the
  // callback holds this.
  struct Pending {
    std::unique_ptr<grpc::ClientContext> ctx;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
  };
  auto pending = std::make_shared<Pending>();
  pending->ctx = grpcx::NewCallContext(deadline_, request_id);
  grpc::ClientContext& ctx = *pending->ctx;
  ctx.AddMetadata("x-caller-role", caller.role);
  ctx.AddMetadata("x-caller-subject", caller.subject);
  if (!caller.customer_id.empty()) ctx.AddMetadata("x-caller-customer-id", caller.customer_id);
  if (!caller.engineer_id.empty()) ctx.AddMetadata("x-caller-engineer-id", caller.engineer_id);

  std::string bytes;
  if (!request.SerializeToString(&bytes)) {
    return done(Internal("REQUEST_NOT_SERIALIZABLE", "the request could not be encoded"), "");
  }
  grpc::Slice slice(std::move(bytes));
  pending->request = grpc::ByteBuffer(&slice, 1);
  grpc::StubOptions options;
  it->second->stub.UnaryCall(
      &ctx, route.GrpcMethodPath(), options, &pending->request, &pending->response,
      [pending, &route, done = std::move(done)](grpc::Status result) {
        if (!result.ok()) {
          Status s = grpcx::FromGrpcStatus(result);
          if (s.code() == Code::kUnimplemented && s.reason() == "UNIMPLEMENTED") {
            s = Unimplemented("RPC_NOT_IMPLEMENTED",
                              route.method + " " + route.path + " is not implemented yet");
          }
          return done(std::move(s), "");
        }
        std::vector<grpc::Slice> slices;
        (void)pending->response.Dump(&slices);
        std::string out;
        for (const auto& s : slices) {
          out.append(reinterpret_cast<const char*>(s.begin()), s.size());
        }
        done(Status::Ok(), std::move(out));
      });
}

Status GrpcRpcCaller::Call(const Route& route, const google::protobuf::Message& request,
                           google::protobuf::Message& response, const Caller& caller,
                           const std::string& request_id) {
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  Status result;
  std::string answer;
  CallAsync(route, request, caller, request_id, [&](Status s, std::string bytes) {
    std::lock_guard<std::mutex> lock(mu);
    result = std::move(s);
    answer = std::move(bytes);
    finished = true;
    cv.notify_one();
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return finished; });
  }
  if (result.ok() && !response.ParseFromString(answer)) {
    return Internal("BAD_UPSTREAM_ANSWER", route.upstream + " sent an answer that does not parse");
  }
  return result;
}

}  // namespace aftersales::gateway

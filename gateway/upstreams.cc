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

Status GrpcRpcCaller::Call(const Route& route, const google::protobuf::Message& request,
                           google::protobuf::Message& response, const Caller& caller,
                           const std::string& request_id) {
  const auto it = stubs_.find(route.upstream);
  if (it == stubs_.end()) {
    return Unavailable("UPSTREAM_UNKNOWN", "no address configured for " + route.upstream);
  }
  auto ctx = grpcx::NewCallContext(deadline_, request_id);
  ctx->AddMetadata("x-caller-role", caller.role);
  ctx->AddMetadata("x-caller-subject", caller.subject);
  if (!caller.customer_id.empty()) ctx->AddMetadata("x-caller-customer-id", caller.customer_id);
  if (!caller.engineer_id.empty()) ctx->AddMetadata("x-caller-engineer-id", caller.engineer_id);

  std::string bytes;
  if (!request.SerializeToString(&bytes)) {
    return Internal("REQUEST_NOT_SERIALIZABLE", "the request could not be encoded");
  }
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status result;
  grpc::StubOptions options;
  it->second->stub.UnaryCall(ctx.get(), route.GrpcMethodPath(), options, &request_buffer,
                             &response_buffer, [&](grpc::Status s) {
                               std::lock_guard<std::mutex> lock(mu);
                               result = std::move(s);
                               done = true;
                               cv.notify_one();
                             });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
  }
  if (!result.ok()) {
    Status s = grpcx::FromGrpcStatus(result);
    if (s.code() == Code::kUnimplemented && s.reason() == "UNIMPLEMENTED") {
      return Unimplemented("RPC_NOT_IMPLEMENTED",
                           route.method + " " + route.path + " is not implemented yet");
    }
    return s;
  }
  std::vector<grpc::Slice> slices;
  (void)response_buffer.Dump(&slices);
  std::string out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  if (!response.ParseFromString(out)) {
    return Internal("BAD_UPSTREAM_ANSWER", route.upstream + " sent an answer that does not parse");
  }
  return Status::Ok();
}

}  // namespace aftersales::gateway

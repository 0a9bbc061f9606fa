// The four services the gateway routes to, and the readiness check over them
// and Redis that /readyz answers with.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gateway/api.h"
#include "services/common/redis/pool.h"
#include "services/common/status.h"

namespace aftersales::gateway {

struct Upstream {
  std::string name;     // "intake"
  std::string address;  // "127.0.0.1:50051"
  std::shared_ptr<grpc::Channel> channel;
};

class Upstreams {
 public:
  Upstreams(std::vector<Upstream> upstreams, redis::RedisPool* redis);

  // OK when every upstream reports SERVING and Redis answers; otherwise the
  // first failure, naming the dependency.
  Status CheckReady(std::chrono::milliseconds deadline) const;
  const std::vector<Upstream>& all() const { return upstreams_; }

 private:
  std::vector<Upstream> upstreams_;
  redis::RedisPool* redis_;
};

// Calls the services over one generic stub per upstream (the route table
// knows each method's full name and message types, so no typed stub is
// needed), with a deadline on every call and the caller's identity in
// metadata. An unreachable service answers UNAVAILABLE (503), a slow one
// DEADLINE_EXCEEDED (504), one that does not serve the method yet
// UNIMPLEMENTED (501).
class GrpcRpcCaller : public RpcCaller {
 public:
  GrpcRpcCaller(const Upstreams& upstreams, std::chrono::milliseconds deadline);
  Status Call(const Route& route, const google::protobuf::Message& request,
              google::protobuf::Message& response, const Caller& caller,
              const std::string& request_id) override;
  void CallAsync(const Route& route, const google::protobuf::Message& request, const Caller& caller,
                 const std::string& request_id, Done done) override;

 private:
  struct Stub;
  std::map<std::string, std::shared_ptr<Stub>> stubs_;
  std::chrono::milliseconds deadline_;
};

}  // namespace aftersales::gateway

// The four services the gateway routes to, and the readiness check over them
// and Redis that /readyz answers with.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

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

}  // namespace aftersales::gateway

#include "gateway/upstreams.h"

#include "services/common/grpc/client.h"

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

}  // namespace aftersales::gateway

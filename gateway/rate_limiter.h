// Per-client rate limiting: a token bucket per client (token subject, or
// remote address when anonymous) kept in Redis.
//
// Why in Redis rather than per replica: the gateway runs as several replicas
// behind a Service that spreads connections, not clients, over them; a mobile
// client's keep-alive connections land on different replicas as they come and
// go, and the HorizontalPodAutoscaler changes the replica count. A
// per-replica bucket with the limit divided by N would be wrong whenever N
// changes or traffic is uneven; one bucket in Redis is exact for any N, at
// the cost of one EVALSHA round trip per request. When Redis cannot answer,
// the limiter lets the request through (and counts it): Redis down already
// makes every write fail, and throttling reads on top would turn a partial
// outage into a total one.
#pragma once

#include <chrono>
#include <string>

#include "services/common/redis/pool.h"
#include "services/common/redis/script.h"
#include "services/common/status.h"

namespace aftersales::gateway {

struct RateDecision {
  bool allowed = true;
  std::chrono::milliseconds retry_after{0};
};

class RateLimiter {
 public:
  // `rate` tokens per second, at most `burst` saved up.
  RateLimiter(redis::RedisPool* redis, double rate, int burst);

  // Takes one token from `client`'s bucket. Redis' own clock (TIME) decides
  // the refill, so replicas with skewed clocks still share one bucket.
  // UNAVAILABLE when Redis does not answer; the caller decides (fails open).
  Result<RateDecision> Take(const std::string& client);

  static std::string KeyFor(const std::string& client);

 private:
  redis::RedisPool* redis_;
  double rate_;
  int burst_;
  redis::Script script_;
};

}  // namespace aftersales::gateway

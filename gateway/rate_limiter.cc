#include "gateway/rate_limiter.h"

#include <cmath>

namespace aftersales::gateway {
namespace {

// KEYS[1] the bucket; ARGV rate per second, burst. Returns {allowed, retry_ms}.
constexpr char kTokenBucket[] = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1])
local ts = tonumber(b[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
local elapsed = now - ts
if elapsed < 0 then elapsed = 0 end
tokens = math.min(burst, tokens + elapsed * rate / 1000)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {allowed, retry}
)lua";

}  // namespace

RateLimiter::RateLimiter(redis::RedisPool* redis, double rate, int burst)
    : redis_(redis), rate_(rate), burst_(burst), script_(kTokenBucket) {}

std::string RateLimiter::KeyFor(const std::string& client) { return "{gateway}:rate:" + client; }

Result<RateDecision> RateLimiter::Take(const std::string& client) {
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.6f", rate_);
  auto reply = redis_->Eval(script_, {KeyFor(client)}, {rate, std::to_string(burst_)});
  if (!reply.ok()) return reply.status();
  RateDecision d;
  d.allowed = (*reply)[0].integer().value_or(1) == 1;
  d.retry_after = std::chrono::milliseconds((*reply)[1].integer().value_or(0));
  return d;
}

}  // namespace aftersales::gateway

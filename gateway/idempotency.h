// Idempotency-Key on creates: the first answer is kept 24 h in Redis under
// `{gateway}:idem:<subject>:<key>` with a hash of the request; the same key
// with the same request gets that answer again, with another request 409.
//
// Only 2xx answers are kept: a 4xx/5xx leaves nothing behind, so a client
// that fixes its input or retries after an outage with the same key is not
// stuck with the old error (what Stripe and the IETF draft do too). While the
// first request is still running, the key holds a pending marker (as long as
// the upstream deadline allows) and a concurrent duplicate answers 409.
#pragma once

#include <chrono>
#include <string>

#include "services/common/redis/pool.h"
#include "services/common/redis/script.h"
#include "services/common/status.h"

namespace aftersales::gateway {

struct StoredAnswer {
  int status = 0;
  std::string body;
};

class IdempotencyStore {
 public:
  enum class Outcome { kNew, kReplay, kConflict, kPending };
  struct Begin {
    Outcome outcome = Outcome::kNew;
    StoredAnswer answer;  // for kReplay
  };

  IdempotencyStore(redis::RedisPool* redis, std::chrono::milliseconds ttl,
                   std::chrono::milliseconds pending_ttl);

  // Claims the key for this request (`request_hash`), or tells why not.
  Result<Begin> Start(const std::string& subject, const std::string& key,
                      const std::string& request_hash);
  // Keeps a 2xx answer for the ttl; anything else releases the key.
  Status Finish(const std::string& subject, const std::string& key, const StoredAnswer& answer);

  static std::string KeyFor(const std::string& subject, const std::string& key);
  // Hex SHA-256 of method, path and body.
  static std::string RequestHash(std::string_view method, std::string_view path,
                                 std::string_view body);

 private:
  redis::RedisPool* redis_;
  std::chrono::milliseconds ttl_;
  std::chrono::milliseconds pending_ttl_;
  redis::Script start_;
  redis::Script finish_;
};

}  // namespace aftersales::gateway

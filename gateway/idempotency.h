// Idempotency-Key on creates: the first answer is kept 24 h in Redis under
// `{gateway}:idem:<subject>:<key>` with a hash of the request; the same key
// with the same request gets that answer again, with another request 409.
//
// Only 2xx answers are kept: a 4xx/5xx leaves nothing behind, so a client
// that fixes its input or retries after an outage with the same key is not
// stuck with the old error (what Stripe and the IETF draft do too). While the
// first request is still running, the key holds a pending marker (as long as
// the upstream deadline allows) and a concurrent duplicate answers 409.
//
// Asynchronous: Start and Finish queue their step and return at once; one
// thread owning one Redis connection (redis::Batcher) runs whatever has
// queued meanwhile as ONE script run (every key is in the `{gateway}` slot)
// and answers each through its callback, on that thread. So a create costs
// no blocked thread and, under load, a fraction of a round trip. Steps run in
// the order they were queued: a Start queued after a Finish was answered
// sees the stored answer.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "services/common/redis/batcher.h"
#include "services/common/redis/connection.h"
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
  using StartDone = std::function<void(Result<Begin>)>;
  using FinishDone = std::function<void(Status)>;

  // Opens its own connection with the pool's options (the pool itself is
  // not used: the batcher thread keeps one connection for itself).
  IdempotencyStore(redis::RedisPool* redis, std::chrono::milliseconds ttl,
                   std::chrono::milliseconds pending_ttl, size_t max_batch = 128);

  // Claims the key for this request (`request_hash`), or tells why not.
  // `done` runs on the store's thread.
  void StartAsync(const std::string& subject, const std::string& key,
                  const std::string& request_hash, StartDone done);
  // Keeps a 2xx answer for the ttl; anything else releases the key.
  void FinishAsync(const std::string& subject, const std::string& key, StoredAnswer answer,
                   FinishDone done);
  // The same, waiting (tests).
  Result<Begin> Start(const std::string& subject, const std::string& key,
                      const std::string& request_hash);
  Status Finish(const std::string& subject, const std::string& key, const StoredAnswer& answer);

  // Script runs so far (tests: concurrent steps share them).
  size_t batches() const { return batcher_.batches(); }

  static std::string KeyFor(const std::string& subject, const std::string& key);
  // Hex SHA-256 of method, path and body.
  static std::string RequestHash(std::string_view method, std::string_view path,
                                 std::string_view body);

 private:
  // One queued step: a Start (answer empty) or a Finish.
  struct Step {
    bool finish = false;
    std::string key;  // the Redis key
    std::string hash;
    StoredAnswer answer;
  };
  // A Start's outcome, or for a Finish kNew.
  using StepResult = Begin;
  Result<std::vector<Result<StepResult>>> Run(std::vector<Step>& steps);

  std::chrono::milliseconds ttl_;
  std::chrono::milliseconds pending_ttl_;
  redis::Script script_;
  redis::Connection connection_;              // the batcher thread's only
  redis::Batcher<Step, StepResult> batcher_;  // last: its thread uses the above
};

}  // namespace aftersales::gateway

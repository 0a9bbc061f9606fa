// A thread-safe pool of Redis connections: the one way services talk to Redis.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "services/common/redis/connection.h"
#include "services/common/redis/options.h"
#include "services/common/redis/script.h"

namespace aftersales::redis {

class RedisPool;
using RedisPoolPtr = std::unique_ptr<RedisPool>;

class RedisPool {
 public:
  // A borrowed connection, returned to the pool when the lease goes away. Use
  // it for several commands that must share one connection (WATCH/MULTI).
  class Lease {
   public:
    Lease(RedisPool* pool, ConnectionPtr connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    RedisPool* pool_;
    ConnectionPtr connection_;
  };

  // Validates the options (INVALID_ARGUMENT) and resolves the host name
  // (UNAVAILABLE naming the host), so that a bad configuration fails at start.
  // Connections are opened lazily: Redis itself being down is not an error here.
  static Result<RedisPoolPtr> Create(RedisOptions options);

  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;

  // Waits at most options.borrow_timeout for a free connection, then
  // UNAVAILABLE (REDIS_POOL_EXHAUSTED).
  Result<Lease> Acquire();

  // See Connection::Command / Connection::Pipeline, and connection.h for when
  // a call is sent again on a fresh socket. When a call finds its socket dead,
  // the pool closes every idle socket too: they died together (a restarted
  // Redis), and each would otherwise be found dead by its own next call.
  Result<Reply> Command(const std::vector<std::string>& argv,
                        std::chrono::milliseconds blocking = std::chrono::milliseconds(0));
  Result<std::vector<Reply>> Pipeline(const std::vector<std::vector<std::string>>& commands);
  Result<Reply> Eval(const Script& script, const std::vector<std::string>& keys,
                     const std::vector<std::string>& args);
  // OK when Redis answers PING; for readiness probes.
  Status Ping();

  const RedisOptions& options() const { return options_; }

  struct Stats {
    int created = 0;         // connections made so far (at most pool_size)
    int idle = 0;            // waiting in the pool
    int idle_open = 0;       // of those, holding an open socket
    int64_t dead_found = 0;  // calls that found their socket dead
  };
  Stats CurrentStats();

 private:
  explicit RedisPool(RedisOptions options) : options_(std::move(options)) {}
  void Return(ConnectionPtr connection);

  const RedisOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ConnectionPtr> idle_;
  int created_ = 0;
  int64_t dead_found_ = 0;
};

}  // namespace aftersales::redis

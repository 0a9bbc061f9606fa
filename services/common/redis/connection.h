// One hiredis connection: binary-safe commands, pipelining, timeouts, and
// reconnect-on-next-use after an I/O error. Not thread-safe; RedisPool shares them.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "services/common/redis/options.h"
#include "services/common/redis/reply.h"
#include "services/common/status.h"

struct redisContext;

namespace aftersales::redis {

class Connection {
 public:
  // Does not connect: the first command does.
  explicit Connection(RedisOptions options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one command. Redis error replies become a Status (see
  // ErrorReplyToStatus); an I/O error or timeout is UNAVAILABLE
  // (REDIS_UNAVAILABLE) and drops the socket so that the next call reconnects.
  // `blocking` is how long the command may legitimately block on the server
  // (e.g. XREADGROUP BLOCK); it is added to the command timeout for this call.
  Result<Reply> Command(const std::vector<std::string>& argv,
                        std::chrono::milliseconds blocking = std::chrono::milliseconds(0));

  // Sends all commands, then reads all replies (one round trip). If any reply
  // is an error, every reply is still read (the connection stays in step) and
  // the first error is returned.
  Result<std::vector<Reply>> Pipeline(const std::vector<std::vector<std::string>>& commands);

  // Connects if not connected. Commands call this themselves.
  Status EnsureConnected();
  bool connected() const { return context_ != nullptr; }
  const RedisOptions& options() const { return options_; }
  // "host:port", for messages.
  std::string address() const;

 private:
  Status IoError(const char* what);
  Status SetTimeout(std::chrono::milliseconds timeout);
  void Disconnect();

  RedisOptions options_;
  redisContext* context_ = nullptr;
};

using ConnectionPtr = std::unique_ptr<Connection>;

}  // namespace aftersales::redis

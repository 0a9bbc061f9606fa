// One hiredis connection: binary-safe commands, pipelining, timeouts, and
// reconnect-on-next-use after an I/O error. Not thread-safe; RedisPool shares them.
//
// A connection that sat idle may have died with its server (a restart closes
// every client socket). A call on it is sent again on a fresh connection,
// once, only when that cannot run anything twice:
//  - before sending, an idle socket the server already closed (or that holds
//    bytes nobody asked for) is seen with a zero-time poll and replaced: the
//    call goes out once, on the new socket. This is what a restart gives.
//  - the send itself failed before a whole command reached Redis (a single
//    command, or the first bytes of a pipeline) -> reconnect and send again.
//  - the reply was lost after the call was sent (EOF / ECONNRESET while
//    reading): Redis may have run it. Sent again only when every command is
//    read-only (GET, HGETALL, XRANGE, ... see SafeToRepeat) or SCRIPT LOAD.
//    Writes, EVALSHA and XREADGROUP are not: the caller gets UNAVAILABLE, as
//    for any write whose outcome is unknown.
//  - a timeout, a failed connect, or a failure on a socket opened for this
//    very call is never retried: Redis is slow or down, and the caller must
//    learn it within the command timeout, not after a retry loop.
//  - inside MULTI/WATCH a dead socket is never replaced silently (the commands
//    would run outside the transaction): UNAVAILABLE.
// Sends use MSG_NOSIGNAL: writing to a socket the server reset raises no SIGPIPE.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
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
  // Closes the socket; the next call reconnects.
  void Close() { Disconnect(); }
  // True once after a call found this connection's previous socket dead
  // (closed or reset by the server); RedisPool then drops its other idle
  // sockets, which died with it.
  bool TakeFoundDead() { return std::exchange(found_dead_, false); }
  const RedisOptions& options() const { return options_; }
  // "host:port", for messages.
  std::string address() const;

 private:
  // How a round trip ended; decides whether it may be sent again.
  enum class Fate { kAnswered, kNotSent, kLostAfterSend, kTimedOut };

  // Sends `commands`, reads one reply each; retries as the header says.
  Result<std::vector<Reply>> Call(const std::vector<std::vector<std::string>>& commands,
                                  std::chrono::milliseconds blocking);
  // One attempt on the current socket; on an I/O error the socket is dropped.
  Result<std::vector<Reply>> RoundTrip(const std::vector<std::vector<std::string>>& commands,
                                       std::chrono::milliseconds blocking, Fate& fate);
  // The idle socket was closed by the server, or holds unexpected bytes.
  bool PeerClosed() const;
  void TrackSession(const std::vector<std::string>& argv);
  Status IoError(const char* what);
  Status SetTimeout(std::chrono::milliseconds timeout);
  void Disconnect();

  RedisOptions options_;
  redisContext* context_ = nullptr;
  bool found_dead_ = false;
  // Inside MULTI or after WATCH: the socket carries state a new one lacks.
  bool in_session_ = false;
};

using ConnectionPtr = std::unique_ptr<Connection>;

// True when running `argv` twice leaves Redis as running it once: read-only
// commands and SCRIPT LOAD/EXISTS. Case-insensitive.
bool SafeToRepeat(const std::vector<std::string>& argv);

}  // namespace aftersales::redis

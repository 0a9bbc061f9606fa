#include "services/common/redis/connection.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

namespace aftersales::redis {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

// argv as hiredis wants it: pointers and lengths, so values may hold any byte.
struct ArgvView {
  explicit ArgvView(const std::vector<std::string>& argv) {
    pointers.reserve(argv.size());
    lengths.reserve(argv.size());
    for (const std::string& arg : argv) {
      pointers.push_back(arg.data());
      lengths.push_back(arg.size());
    }
  }
  std::vector<const char*> pointers;
  std::vector<size_t> lengths;
};

std::string CommandName(const std::vector<std::string>& argv) {
  return argv.empty() ? std::string("(empty)") : argv.front();
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Commands that change nothing, so a lost reply may be asked for again.
// Space-separated, with a space at both ends, so " NAME " finds whole names.
constexpr std::string_view kReadOnly =
    " DBSIZE ECHO EXISTS GET GETRANGE HEXISTS HGET HGETALL HKEYS HLEN HMGET HSCAN HSTRLEN"
    " HVALS INFO KEYS LINDEX LLEN LPOS LRANGE MGET PING PTTL SCAN SCARD SISMEMBER SMEMBERS"
    " SMISMEMBER SSCAN STRLEN TIME TTL TYPE XINFO XLEN XPENDING XRANGE XREAD XREVRANGE ZCARD"
    " ZCOUNT ZLEXCOUNT ZMSCORE ZRANGE ZRANGEBYSCORE ZRANK ZREVRANGE ZREVRANGEBYSCORE ZREVRANK"
    " ZSCAN ZSCORE ";

bool IsTimeout(int error) { return error == EAGAIN || error == EWOULDBLOCK || error == ETIMEDOUT; }

}  // namespace

bool SafeToRepeat(const std::vector<std::string>& argv) {
  if (argv.empty()) return false;
  std::string name = Upper(argv.front());
  if (name == "SCRIPT") {
    // Loading a script twice stores the same SHA; EXISTS only looks.
    std::string sub = argv.size() > 1 ? Upper(argv[1]) : std::string();
    return sub == "LOAD" || sub == "EXISTS";
  }
  // XREAD without GROUP only reads; XREADGROUP is not listed (it claims entries).
  if (name.empty() || name.find(' ') != std::string::npos) return false;
  std::string word(" ");
  word += name;
  word += ' ';
  return kReadOnly.find(word) != std::string_view::npos;
}

Connection::Connection(RedisOptions options) : options_(std::move(options)) {}

Connection::~Connection() { Disconnect(); }

std::string Connection::address() const {
  return options_.host + ":" + std::to_string(options_.port);
}

void Connection::Disconnect() {
  if (context_ != nullptr) {
    redisFree(context_);
    context_ = nullptr;
  }
  in_session_ = false;
}

Status Connection::IoError(const char* what) {
  std::string detail = context_ != nullptr && context_->errstr[0] != '\0'
                           ? std::string(context_->errstr)
                           : std::string("connection lost");
  // After an I/O error the context is unusable (hiredis' rule). Whether the
  // call may be sent again on a new socket is Call's decision (connection.h).
  Disconnect();
  return Unavailable("REDIS_UNAVAILABLE", "redis " + address() + " " + what + " failed: " + detail);
}

Status Connection::SetTimeout(std::chrono::milliseconds timeout) {
  if (redisSetTimeout(context_, ToTimeval(timeout)) != REDIS_OK) {
    return IoError("setting the timeout");
  }
  return Status::Ok();
}

Status Connection::EnsureConnected() {
  if (context_ != nullptr) return Status::Ok();
  redisContext* c = redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                            ToTimeval(options_.connect_timeout));
  if (c == nullptr) {
    return Unavailable("REDIS_UNAVAILABLE", "redis " + address() + ": cannot allocate a context");
  }
  if (c->err != 0) {
    std::string detail = c->errstr;
    redisFree(c);
    return Unavailable("REDIS_UNAVAILABLE", "cannot connect to redis " + address() + ": " + detail);
  }
  context_ = c;
  if (Status s = SetTimeout(options_.command_timeout); !s.ok()) return s;
  // Keepalive notices a peer that vanished without closing (node loss).
  redisEnableKeepAlive(context_);
  if (!options_.password.empty()) {
    Fate fate = Fate::kAnswered;
    Result<std::vector<Reply>> auth =
        RoundTrip({{"AUTH", options_.password}}, std::chrono::milliseconds(0), fate);
    Status s = !auth.ok()              ? auth.status()
               : (*auth)[0].is_error() ? ErrorReplyToStatus((*auth)[0].str(), address() + " AUTH")
                                       : Status::Ok();
    if (!s.ok()) {
      Disconnect();
      return s;
    }
  }
  return Status::Ok();
}

bool Connection::PeerClosed() const {
  // Nothing is owed on an idle socket: readable means EOF, a reset, or stray
  // bytes. Any of them makes it unfit for the next call.
  pollfd p{};
  p.fd = context_->fd;
  p.events = POLLIN | POLLRDHUP;
  return poll(&p, 1, 0) > 0;
}

void Connection::TrackSession(const std::vector<std::string>& argv) {
  std::string name = Upper(argv.front());
  if (name == "MULTI" || name == "WATCH") in_session_ = true;
  if (name == "EXEC" || name == "DISCARD" || name == "UNWATCH" || name == "RESET") {
    in_session_ = false;
  }
}

Result<std::vector<Reply>> Connection::RoundTrip(
    const std::vector<std::vector<std::string>>& commands, std::chrono::milliseconds blocking,
    Fate& fate) {
  fate = Fate::kNotSent;
  std::string out;
  for (const auto& argv : commands) {
    ArgvView view(argv);
    char* formatted = nullptr;
    int length = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()),
                                        view.pointers.data(), view.lengths.data());
    if (length < 0) return Internal("REDIS_FORMAT", "cannot format " + CommandName(argv));
    out.append(formatted, static_cast<size_t>(length));
    redisFreeCommand(formatted);
  }
  bool longer = blocking.count() > 0;
  if (longer) {
    if (Status s = SetTimeout(options_.command_timeout + blocking); !s.ok()) return s;
  }
  // Sent here rather than by hiredis: MSG_NOSIGNAL, and knowing how much left.
  size_t sent = 0;
  while (sent < out.size()) {
    ssize_t n = send(context_->fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      // Redis runs only whole commands: a single command cut short never ran;
      // in a pipeline, bytes already out may hold whole commands.
      fate = IsTimeout(error)                    ? Fate::kTimedOut
             : sent == 0 || commands.size() == 1 ? Fate::kNotSent
                                                 : Fate::kLostAfterSend;
      std::string what = "send of " + CommandName(commands.front());
      Disconnect();
      return Unavailable("REDIS_UNAVAILABLE",
                         "redis " + address() + " " + what + " failed: " + std::strerror(error));
    }
    sent += static_cast<size_t>(n);
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    errno = 0;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
      int error = errno;
      fate = context_->err == REDIS_ERR_IO && IsTimeout(error) ? Fate::kTimedOut
                                                               : Fate::kLostAfterSend;
      return IoError(("reply to " + CommandName(commands[i])).c_str());
    }
    replies.emplace_back(static_cast<redisReply*>(raw));
  }
  fate = Fate::kAnswered;
  for (const auto& argv : commands) TrackSession(argv);
  if (longer) {
    if (Status s = SetTimeout(options_.command_timeout); !s.ok()) return s;
  }
  return replies;
}

Result<std::vector<Reply>> Connection::Call(const std::vector<std::vector<std::string>>& commands,
                                            std::chrono::milliseconds blocking) {
  for (int attempt = 0;; ++attempt) {
    // Only a socket that served earlier calls can have died unnoticed.
    bool reused = context_ != nullptr;
    if (reused && PeerClosed()) {
      found_dead_ = true;
      bool was_in_session = in_session_;
      Disconnect();
      if (was_in_session) {
        return Unavailable("REDIS_UNAVAILABLE", "redis " + address() +
                                                    " closed the connection inside a "
                                                    "transaction (MULTI/WATCH)");
      }
      reused = false;
    }
    if (Status s = EnsureConnected(); !s.ok()) return s;
    bool was_in_session = in_session_;
    Fate fate = Fate::kAnswered;
    Result<std::vector<Reply>> replies = RoundTrip(commands, blocking, fate);
    if (fate == Fate::kAnswered || fate == Fate::kTimedOut) return replies;
    if (!reused) return replies;
    found_dead_ = true;
    bool again =
        fate == Fate::kNotSent || std::all_of(commands.begin(), commands.end(), SafeToRepeat);
    if (attempt > 0 || was_in_session || !again) return replies;
  }
}

Result<Reply> Connection::Command(const std::vector<std::string>& argv,
                                  std::chrono::milliseconds blocking) {
  if (argv.empty()) return InvalidArgument("REDIS_EMPTY_COMMAND", "a command needs a name");
  Result<std::vector<Reply>> replies = Call({argv}, blocking);
  if (!replies.ok()) return replies.status();
  Reply reply = std::move((*replies)[0]);
  if (reply.is_error()) return ErrorReplyToStatus(reply.str(), address() + " " + CommandName(argv));
  return reply;
}

Result<std::vector<Reply>> Connection::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  for (const auto& argv : commands) {
    if (argv.empty()) return InvalidArgument("REDIS_EMPTY_COMMAND", "a command needs a name");
  }
  if (commands.empty()) return std::vector<Reply>();
  Result<std::vector<Reply>> replies = Call(commands, std::chrono::milliseconds(0));
  if (!replies.ok()) return replies.status();
  // Every reply was read (the connection stays in step); report the first error.
  for (size_t i = 0; i < replies->size(); ++i) {
    if ((*replies)[i].is_error()) {
      return ErrorReplyToStatus((*replies)[i].str(), address() + " " + CommandName(commands[i]));
    }
  }
  return replies;
}

}  // namespace aftersales::redis

#include "services/common/redis/connection.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

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

}  // namespace

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
}

Status Connection::IoError(const char* what) {
  std::string detail = context_ != nullptr && context_->errstr[0] != '\0'
                           ? std::string(context_->errstr)
                           : std::string("connection lost");
  // After an I/O error the context is unusable (hiredis' rule); the next call
  // reconnects rather than retrying here, because the failed command may or
  // may not have run and only the caller knows whether it is safe to repeat.
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
    Result<Reply> auth = Command({"AUTH", options_.password});
    if (!auth.ok()) {
      Status s = auth.status();
      Disconnect();
      return s;
    }
  }
  return Status::Ok();
}

Result<Reply> Connection::Command(const std::vector<std::string>& argv,
                                  std::chrono::milliseconds blocking) {
  if (argv.empty()) return InvalidArgument("REDIS_EMPTY_COMMAND", "a command needs a name");
  if (Status s = EnsureConnected(); !s.ok()) return s;
  bool longer = blocking.count() > 0;
  if (longer) {
    if (Status s = SetTimeout(options_.command_timeout + blocking); !s.ok()) return s;
  }
  ArgvView view(argv);
  void* raw = redisCommandArgv(context_, static_cast<int>(argv.size()), view.pointers.data(),
                               view.lengths.data());
  if (raw == nullptr) return IoError(argv.front().c_str());
  Reply reply(static_cast<redisReply*>(raw));
  if (longer) {
    if (Status s = SetTimeout(options_.command_timeout); !s.ok()) return s;
  }
  if (reply.is_error()) return ErrorReplyToStatus(reply.str(), address() + " " + CommandName(argv));
  return reply;
}

Result<std::vector<Reply>> Connection::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  for (const auto& argv : commands) {
    if (argv.empty()) return InvalidArgument("REDIS_EMPTY_COMMAND", "a command needs a name");
  }
  if (Status s = EnsureConnected(); !s.ok()) return s;
  for (const auto& argv : commands) {
    ArgvView view(argv);
    if (redisAppendCommandArgv(context_, static_cast<int>(argv.size()), view.pointers.data(),
                               view.lengths.data()) != REDIS_OK) {
      return IoError("pipeline append");
    }
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  Status first_error;
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
      return IoError(("pipeline " + CommandName(commands[i])).c_str());
    }
    Reply reply(static_cast<redisReply*>(raw));
    if (reply.is_error() && first_error.ok()) {
      first_error = ErrorReplyToStatus(reply.str(), address() + " " + CommandName(commands[i]));
    }
    replies.push_back(std::move(reply));
  }
  if (!first_error.ok()) return first_error;
  return replies;
}

}  // namespace aftersales::redis

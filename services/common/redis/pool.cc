#include "services/common/redis/pool.h"

#include <netdb.h>
#include <sys/socket.h>

#include <utility>

namespace aftersales::redis {
namespace {

Status CheckResolvable(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &result);
  if (result != nullptr) freeaddrinfo(result);
  if (rc != 0) {
    return Unavailable("REDIS_UNAVAILABLE",
                       "cannot resolve redis host '" + host + "': " + gai_strerror(rc));
  }
  return Status::Ok();
}

}  // namespace

RedisPool::Lease::~Lease() {
  if (pool_ != nullptr && connection_ != nullptr) pool_->Return(std::move(connection_));
}

Result<RedisPoolPtr> RedisPool::Create(RedisOptions options) {
  if (Status s = ValidateOptions(options); !s.ok()) return s;
  if (Status s = CheckResolvable(options.host); !s.ok()) return s;
  return RedisPoolPtr(new RedisPool(std::move(options)));
}

Result<RedisPool::Lease> RedisPool::Acquire() {
  std::unique_lock lock(mu_);
  bool ready = cv_.wait_for(lock, options_.borrow_timeout,
                            [&] { return !idle_.empty() || created_ < options_.pool_size; });
  if (!ready) {
    return Unavailable("REDIS_POOL_EXHAUSTED", "all " + std::to_string(options_.pool_size) +
                                                   " redis connections stayed busy for " +
                                                   std::to_string(options_.borrow_timeout.count()) +
                                                   " ms");
  }
  if (!idle_.empty()) {
    ConnectionPtr connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(connection));
  }
  ++created_;
  return Lease(this, std::make_unique<Connection>(options_));
}

void RedisPool::Return(ConnectionPtr connection) {
  {
    std::lock_guard lock(mu_);
    if (connection->TakeFoundDead()) {
      ++dead_found_;
      for (ConnectionPtr& idle : idle_) idle->Close();
    }
    idle_.push_back(std::move(connection));
  }
  cv_.notify_one();
}

Result<Reply> RedisPool::Command(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds blocking) {
  Result<Lease> lease = Acquire();
  if (!lease.ok()) return lease.status();
  return (*lease)->Command(argv, blocking);
}

Result<std::vector<Reply>> RedisPool::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  Result<Lease> lease = Acquire();
  if (!lease.ok()) return lease.status();
  return (*lease)->Pipeline(commands);
}

Result<Reply> RedisPool::Eval(const Script& script, const std::vector<std::string>& keys,
                              const std::vector<std::string>& args) {
  Result<Lease> lease = Acquire();
  if (!lease.ok()) return lease.status();
  return script.Eval(**lease, keys, args);
}

RedisPool::Stats RedisPool::CurrentStats() {
  std::lock_guard lock(mu_);
  Stats stats;
  stats.created = created_;
  stats.idle = static_cast<int>(idle_.size());
  for (const ConnectionPtr& idle : idle_) stats.idle_open += idle->connected() ? 1 : 0;
  stats.dead_found = dead_found_;
  return stats;
}

Status RedisPool::Ping() {
  Result<Reply> reply = Command({"PING"});
  if (!reply.ok()) return reply.status();
  if (reply->str() != "PONG") {
    return Internal("REDIS_BAD_PING", "unexpected PING reply " + reply->ToString());
  }
  return Status::Ok();
}

}  // namespace aftersales::redis

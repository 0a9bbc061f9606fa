// A Lua script run by its SHA-1 (EVALSHA), loaded again when Redis lost it.
#pragma once

#include <string>
#include <vector>

#include "services/common/redis/connection.h"

namespace aftersales::redis {

class Script {
 public:
  explicit Script(std::string source);

  const std::string& source() const { return source_; }
  // The SHA-1 Redis names it by, computed locally.
  const std::string& sha() const { return sha_; }

  // EVALSHA; on NOSCRIPT (a restarted Redis, SCRIPT FLUSH, a fresh replica)
  // SCRIPT LOAD and try once more on the same connection.
  Result<Reply> Eval(Connection& connection, const std::vector<std::string>& keys,
                     const std::vector<std::string>& args) const;

 private:
  std::string source_;
  std::string sha_;
};

}  // namespace aftersales::redis

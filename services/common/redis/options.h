// Where Redis is and how long any call to it may take.
#pragma once

#include <chrono>
#include <string>

#include "services/common/status.h"

namespace aftersales::redis {

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::chrono::milliseconds connect_timeout{1000};
  // Bound on every command round trip; a blocking command (XREADGROUP BLOCK)
  // adds its own block time on top.
  std::chrono::milliseconds command_timeout{2000};
  int pool_size = 4;
  // How long a caller waits for a free connection when all are busy.
  std::chrono::milliseconds borrow_timeout{2000};
  // Empty: no AUTH.
  std::string password;
};

// INVALID_ARGUMENT naming every bad field, or OK. Does not touch the network.
Status ValidateOptions(const RedisOptions& options);

}  // namespace aftersales::redis

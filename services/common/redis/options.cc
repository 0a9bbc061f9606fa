#include "services/common/redis/options.h"

namespace aftersales::redis {

Status ValidateOptions(const RedisOptions& options) {
  Validator v;
  v.Check(!options.host.empty(), "host", "must not be empty");
  v.Check(options.port > 0 && options.port <= 65535, "port", "must be in 1..65535");
  v.Check(options.connect_timeout.count() > 0, "connect_timeout", "must be positive");
  v.Check(options.command_timeout.count() > 0, "command_timeout", "must be positive");
  v.Check(options.borrow_timeout.count() > 0, "borrow_timeout", "must be positive");
  v.Check(options.pool_size >= 1 && options.pool_size <= 1024, "pool_size", "must be in 1..1024");
  return v.ToStatus("INVALID_REDIS_OPTIONS");
}

}  // namespace aftersales::redis

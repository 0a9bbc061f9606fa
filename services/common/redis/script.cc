#include "services/common/redis/script.h"

#include <utility>

#include "services/common/redis/sha1.h"

namespace aftersales::redis {

Script::Script(std::string source) : source_(std::move(source)), sha_(Sha1Hex(source_)) {}

Result<Reply> Script::Eval(Connection& connection, const std::vector<std::string>& keys,
                           const std::vector<std::string>& args) const {
  std::vector<std::string> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVALSHA");
  argv.push_back(sha_);
  argv.push_back(std::to_string(keys.size()));
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  Result<Reply> reply = connection.Command(argv);
  if (reply.ok() || reply.status().reason() != "REDIS_NOSCRIPT") return reply;

  Result<Reply> loaded = connection.Command({"SCRIPT", "LOAD", source_});
  if (!loaded.ok()) return loaded.status();
  if (loaded->str() != sha_) {
    return Internal("REDIS_SCRIPT_SHA_MISMATCH",
                    "redis named the script " + loaded->string() + ", expected " + sha_);
  }
  return connection.Command(argv);
}

}  // namespace aftersales::redis

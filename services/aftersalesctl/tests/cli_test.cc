// aftersalesctl as an operator runs it: flags, confirmations, exit codes and
// output; once through the real binary.
#include "services/aftersalesctl/cli.h"

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "services/common/auth/jwt.h"
#include "services/common/redis/pool.h"
#include "tests/support/child_process.h"
#include "tests/support/redis_server.h"

namespace aftersales::ctl {
namespace {

constexpr char kDead[] = "{inventory}:events:dead";

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run Cli(const std::vector<std::string>& args, std::map<std::string, std::string> env_vars) {
  EnvConfig env = EnvConfig::FromMap(std::move(env_vars));
  ManualClock clock;
  clock.Set(std::chrono::system_clock::from_time_t(1'800'000'000));
  std::ostringstream out, err;
  const int code = RunCli(args, env, clock, out, err);
  return {code, out.str(), err.str()};
}

std::string AddDeadLetter(const testing::RedisServer& server) {
  redis::RedisOptions options;
  options.port = server.port();
  auto pool = redis::RedisPool::Create(options);
  REQUIRE(pool.ok());
  auto id = (*pool)->Command({"XADD",
                              kDead,
                              "*",
                              "source_stream",
                              "{inventory}:events",
                              "source_id",
                              "1-0",
                              "group",
                              "followup",
                              "consumer",
                              "f-1",
                              "deliveries",
                              "5",
                              "error",
                              "INTERNAL (X): projection failed",
                              "id",
                              "ev-9",
                              "type",
                              "aftersales.events.v1.StockLow",
                              "aggregate",
                              "P-1",
                              "time",
                              "1700000000000",
                              "payload",
                              "p"});
  REQUIRE(id.ok());
  return id->string();
}

int64_t DeadCount(const testing::RedisServer& server) {
  redis::RedisOptions options;
  options.port = server.port();
  auto pool = redis::RedisPool::Create(options);
  REQUIRE(pool.ok());
  auto n = (*pool)->Command({"XLEN", kDead});
  REQUIRE(n.ok());
  return n->integer().value_or(-1);
}

TEST_CASE("drop refuses without --yes and then deletes the dead letter for good") {
  testing::RedisServer redis;
  const std::string id = AddDeadLetter(redis);
  const std::map<std::string, std::string> env = {
      {"AFTERSALES_REDIS_PORT", std::to_string(redis.port())}};

  Run refused = Cli({"dead-letters", "drop", "--stream", "inventory", "--id", id}, env);
  CHECK(refused.code == kExitUsage);
  CHECK(refused.err.find("--yes") != std::string::npos);
  CHECK(DeadCount(redis) == 1);

  Run dropped = Cli({"dead-letters", "drop", "--stream", "inventory", "--id", id, "--yes"}, env);
  CHECK(dropped.code == kExitOk);
  CHECK(DeadCount(redis) == 0);

  Run gone = Cli({"dead-letters", "drop", "--stream", "inventory", "--id", id, "--yes"}, env);
  CHECK(gone.code == kExitFailed);
  CHECK(gone.err.find("DEAD_LETTER_NOT_FOUND") != std::string::npos);
}

TEST_CASE("replay --all puts every dead letter back and says how many") {
  testing::RedisServer redis;
  AddDeadLetter(redis);
  AddDeadLetter(redis);
  Run r = Cli({"dead-letters", "replay", "--stream", "{inventory}:events", "--all"},
              {{"AFTERSALES_REDIS_PORT", std::to_string(redis.port())}});
  CHECK(r.code == kExitOk);
  CHECK(r.out.find("replayed 2 of 2") != std::string::npos);
  CHECK(DeadCount(redis) == 0);

  Run neither = Cli({"dead-letters", "replay", "--stream", "inventory"},
                    {{"AFTERSALES_REDIS_PORT", std::to_string(redis.port())}});
  CHECK(neither.code == kExitUsage);
}

TEST_CASE("bad usage and bad configuration exit 2 and say what is wrong") {
  CHECK(Cli({}, {}).code == kExitUsage);
  Run unknown = Cli({"dead-letters", "list", "--strem", "x"}, {});
  CHECK(unknown.code == kExitUsage);
  CHECK(unknown.err.find("--strem") != std::string::npos);
  Run bad_port = Cli({"lag"}, {{"AFTERSALES_REDIS_PORT", "70000"}});
  CHECK(bad_port.code == kExitUsage);
  CHECK(bad_port.err.find("AFTERSALES_REDIS_PORT") != std::string::npos);
}

TEST_CASE("Redis down is a failure that names Redis, not a hang") {
  const int port = testing::FreePort();
  Run r = Cli({"lag"}, {{"AFTERSALES_REDIS_PORT", std::to_string(port)},
                        {"AFTERSALES_REDIS_CONNECT_TIMEOUT", "200ms"}});
  CHECK(r.code == kExitFailed);
  CHECK_FALSE(r.err.empty());
}

TEST_CASE("token mints a JWT that verifies with the same secret and carries the claims") {
  const std::map<std::string, std::string> env = {{"AFTERSALES_JWT_SECRET", "s3cret-for-tests"}};
  Run r = Cli(
      {"token", "--role", "customer", "--sub", "user-7", "--customer", "C-42", "--ttl", "1h"}, env);
  REQUIRE(r.code == kExitOk);
  std::string token = r.out.substr(0, r.out.find('\n'));
  const TimePoint now = std::chrono::system_clock::from_time_t(1'800'000'000);
  auto claims = auth::VerifyJwt(token, "s3cret-for-tests", now + std::chrono::minutes(59));
  REQUIRE(claims.ok());
  CHECK(claims->sub == "user-7");
  CHECK(claims->role == "customer");
  CHECK(claims->customer_id == "C-42");
  auto expired = auth::VerifyJwt(token, "s3cret-for-tests", now + std::chrono::minutes(61));
  CHECK(expired.status().reason() == "TOKEN_EXPIRED");
  CHECK_FALSE(auth::VerifyJwt(token, "another-secret", now).ok());

  Run no_customer = Cli({"token", "--role", "customer", "--sub", "user-7"}, env);
  CHECK(no_customer.code == kExitUsage);
  CHECK(no_customer.err.find("customerId") != std::string::npos);
  Run no_secret = Cli({"token", "--role", "admin", "--sub", "ops"}, {});
  CHECK(no_secret.code == kExitUsage);
  CHECK(no_secret.err.find("AFTERSALES_JWT_SECRET") != std::string::npos);
}

TEST_CASE("the aftersalesctl binary lists dead letters from the environment's Redis") {
  testing::RedisServer redis;
  AddDeadLetter(redis);
  const std::string dir = testing::MakeTempDir("aftersalesctl");
  const std::string log = dir + "/out.log";
  testing::ChildProcess ctl(
      {testing::BinDir() + "/aftersalesctl", "dead-letters", "list", "--stream", "inventory"},
      {{"AFTERSALES_REDIS_HOST", "127.0.0.1"},
       {"AFTERSALES_REDIS_PORT", std::to_string(redis.port())}},
      log);
  const int status = ctl.Wait(std::chrono::seconds(10));
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  testing::RemoveTree(dir);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(text.str().find("{inventory}:events:dead: 1 dead letter") != std::string::npos);
  CHECK(text.str().find("aftersales.events.v1.StockLow") != std::string::npos);
  CHECK(text.str().find("projection failed") != std::string::npos);
}

}  // namespace
}  // namespace aftersales::ctl

// The Redis client against a real redis-server.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "services/common/redis/pool.h"
#include "services/common/redis/script.h"
#include "tests/support/redis_server.h"

namespace aftersales::redis {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

RedisOptions OptionsFor(const testing::RedisServer& server) {
  RedisOptions options;
  options.host = server.host();
  options.port = server.port();
  options.connect_timeout = milliseconds(500);
  options.command_timeout = milliseconds(500);
  options.borrow_timeout = milliseconds(500);
  return options;
}

RedisPoolPtr MakePool(const RedisOptions& options) {
  Result<RedisPoolPtr> pool = RedisPool::Create(options);
  REQUIRE(pool.ok());
  return std::move(pool).value();
}

TEST_CASE("commands round-trip binary values") {
  testing::RedisServer server;
  RedisPoolPtr pool = MakePool(OptionsFor(server));
  const std::string value("a\0b\r\n$3\xff", 9);
  const std::string key("k\0\n", 3);
  REQUIRE(pool->Command({"SET", key, value}).ok());
  Result<Reply> got = pool->Command({"GET", key});
  REQUIRE(got.ok());
  CHECK(got->is_string());
  CHECK(got->str() == value);
  Result<Reply> missing = pool->Command({"GET", "nope"});
  REQUIRE(missing.ok());
  CHECK(missing->is_nil());
  CHECK(pool->Ping().ok());
}

TEST_CASE("pipelines return every reply in order") {
  testing::RedisServer server;
  RedisPoolPtr pool = MakePool(OptionsFor(server));
  std::vector<std::vector<std::string>> commands;
  for (int i = 0; i < 100; ++i) commands.push_back({"INCR", "counter"});
  commands.push_back({"GET", "counter"});
  Result<std::vector<Reply>> replies = pool->Pipeline(commands);
  REQUIRE(replies.ok());
  REQUIRE(replies->size() == 101);
  for (int i = 0; i < 100; ++i) CHECK((*replies)[i].integer() == i + 1);
  CHECK((*replies)[100].str() == "100");
}

TEST_CASE("error replies become statuses and leave the connection usable") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.pool_size = 1;  // the same connection serves every call below
  RedisPoolPtr pool = MakePool(options);
  REQUIRE(pool->Command({"LPUSH", "list", "x"}).ok());
  Result<Reply> wrong = pool->Command({"GET", "list"});
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status().code() == Code::kFailedPrecondition);
  CHECK(wrong.status().reason() == "REDIS_WRONGTYPE");

  // A pipeline with an error in the middle still reads every reply.
  Result<std::vector<Reply>> mixed =
      pool->Pipeline({{"SET", "a", "1"}, {"GET", "list"}, {"SET", "b", "2"}});
  REQUIRE_FALSE(mixed.ok());
  CHECK(mixed.status().reason() == "REDIS_WRONGTYPE");
  Result<Reply> b = pool->Command({"GET", "b"});
  REQUIRE(b.ok());
  CHECK(b->str() == "2");
}

TEST_CASE("scripts run by sha and are reloaded after SCRIPT FLUSH") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.pool_size = 1;
  RedisPoolPtr pool = MakePool(options);
  Script script("redis.call('INCRBY', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1])");

  Result<Reply> first = pool->Eval(script, {"n"}, {"5"});
  REQUIRE(first.ok());
  CHECK(first->str() == "5");
  Result<Reply> exists = pool->Command({"SCRIPT", "EXISTS", script.sha()});
  REQUIRE(exists.ok());
  CHECK((*exists)[0].integer() == 1);  // our local SHA-1 is the name Redis uses

  REQUIRE(pool->Command({"SCRIPT", "FLUSH"}).ok());
  Result<Reply> second = pool->Eval(script, {"n"}, {"2"});
  REQUIRE(second.ok());
  CHECK(second->str() == "7");  // ran exactly once after the reload
}

TEST_CASE("a script rejects a change with a domain status") {
  testing::RedisServer server;
  RedisPoolPtr pool = MakePool(OptionsFor(server));
  Script script(
      "if redis.call('EXISTS', KEYS[1]) == 1 then "
      "  return redis.error_reply('ALREADY_EXISTS TICKET_EXISTS ticket ' .. ARGV[1] .. ' exists') "
      "end "
      "redis.call('SET', KEYS[1], ARGV[1]) return 1");
  REQUIRE(pool->Eval(script, {"t"}, {"7"}).ok());
  Result<Reply> again = pool->Eval(script, {"t"}, {"7"});
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == Code::kAlreadyExists);
  CHECK(again.status().reason() == "TICKET_EXISTS");
  CHECK(again.status().message() == "ticket 7 exists");

  Script broken("return redis.call('NOSUCHCOMMAND')");
  Result<Reply> failed = pool->Eval(broken, {}, {});
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().code() == Code::kInternal);
}

TEST_CASE("the pool serves several threads at once") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.pool_size = 3;
  options.borrow_timeout = milliseconds(2000);
  RedisPoolPtr pool = MakePool(options);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string own = "own:" + std::to_string(t);
      for (int i = 0; i < kPerThread; ++i) {
        Result<std::vector<Reply>> r = pool->Pipeline({{"INCR", "shared"}, {"INCR", own}});
        // Each reply must be for this thread's own commands, never another's.
        if (!r.ok() || (*r)[1].integer() != i + 1) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
  Result<Reply> total = pool->Command({"GET", "shared"});
  REQUIRE(total.ok());
  CHECK(total->integer() == kThreads * kPerThread);
}

TEST_CASE("a busy pool makes a caller wait only a bounded time") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.pool_size = 1;
  options.borrow_timeout = milliseconds(100);
  RedisPoolPtr pool = MakePool(options);
  Result<RedisPool::Lease> held = pool->Acquire();
  REQUIRE(held.ok());
  auto start = SteadyClock::now();
  Result<Reply> r = pool->Command({"PING"});
  auto waited = SteadyClock::now() - start;
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kUnavailable);
  CHECK(r.status().reason() == "REDIS_POOL_EXHAUSTED");
  CHECK(waited >= milliseconds(90));
  CHECK(waited < milliseconds(1000));
}

TEST_CASE("a stopped redis is UNAVAILABLE promptly and the pool reconnects") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.pool_size = 1;
  RedisPoolPtr pool = MakePool(options);
  REQUIRE(pool->Command({"SET", "k", "v"}).ok());

  server.Stop();
  auto start = SteadyClock::now();
  Result<Reply> down = pool->Command({"GET", "k"});
  auto took = SteadyClock::now() - start;
  REQUIRE_FALSE(down.ok());
  CHECK(down.status().code() == Code::kUnavailable);
  CHECK(down.status().reason() == "REDIS_UNAVAILABLE");
  CHECK(down.status().message().find("127.0.0.1:" + std::to_string(server.port())) !=
        std::string::npos);
  CHECK(took < milliseconds(1500));
  // Still down: a fresh connect attempt fails the same way.
  CHECK(pool->Ping().code() == Code::kUnavailable);

  server.Start();
  Result<Reply> up = pool->Command({"GET", "k"});
  REQUIRE(up.ok());
  CHECK(up->str() == "v");  // AOF kept it across the restart
}

TEST_CASE("a redis that stops answering times out instead of hanging") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.command_timeout = milliseconds(300);
  RedisPoolPtr pool = MakePool(options);
  REQUIRE(pool->Command({"SET", "k", "v"}).ok());
  // CLIENT PAUSE holds every client's commands: a server that hangs.
  REQUIRE(pool->Command({"CLIENT", "PAUSE", "1500", "ALL"}).ok());
  auto start = SteadyClock::now();
  Result<Reply> stuck = pool->Command({"GET", "k"});
  auto took = SteadyClock::now() - start;
  REQUIRE_FALSE(stuck.ok());
  CHECK(stuck.status().code() == Code::kUnavailable);
  CHECK(took < milliseconds(1000));

  // Once the server answers again the next calls reconnect and succeed.
  bool recovered = false;
  for (int i = 0; i < 40 && !recovered; ++i) {
    recovered = pool->Command({"GET", "k"}).ok();
    if (!recovered) std::this_thread::sleep_for(milliseconds(100));
  }
  CHECK(recovered);
}

TEST_CASE("blocking commands get their block time on top of the command timeout") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.command_timeout = milliseconds(200);
  RedisPoolPtr pool = MakePool(options);
  Result<Reply> r = pool->Command({"BLPOP", "empty", "0.5"}, milliseconds(500));
  REQUIRE(r.ok());
  CHECK(r->is_nil());
  // Without the allowance the same call is cut off by the command timeout.
  Result<Reply> cut = pool->Command({"BLPOP", "empty", "0.5"});
  CHECK(cut.status().code() == Code::kUnavailable);
}

TEST_CASE("an unresolvable host fails at creation, naming the host") {
  RedisOptions options;
  options.host = "no-such-host.invalid";
  Result<RedisPoolPtr> pool = RedisPool::Create(options);
  REQUIRE_FALSE(pool.ok());
  CHECK(pool.status().code() == Code::kUnavailable);
  CHECK(pool.status().message().find("no-such-host.invalid") != std::string::npos);
}

// After a restart on the same port: every pooled connection that served calls
// before serves the next one without an error, for reads, pipelines and
// scripts (whose SHA the new server does not know).
TEST_CASE("after a redis restart every previously used connection serves its next call") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.pool_size = 4;
  RedisPoolPtr pool = MakePool(options);
  Script script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  {
    // Open all four connections, each with the script loaded.
    std::vector<RedisPool::Lease> leases;
    for (int i = 0; i < 4; ++i) {
      Result<RedisPool::Lease> lease = pool->Acquire();
      REQUIRE(lease.ok());
      leases.push_back(std::move(lease).value());
      REQUIRE(script.Eval(*leases.back(), {"n"}, {"1"}).ok());
    }
  }
  REQUIRE(pool->Command({"SET", "k", "v"}).ok());
  REQUIRE(pool->CurrentStats().idle_open == 4);

  server.Restart();

  std::vector<RedisPool::Lease> leases;
  for (int i = 0; i < 4; ++i) {
    Result<RedisPool::Lease> lease = pool->Acquire();
    REQUIRE(lease.ok());
    leases.push_back(std::move(lease).value());
  }
  Result<Reply> read = leases[0]->Command({"GET", "k"});
  REQUIRE(read.ok());
  CHECK(read->str() == "v");  // AOF kept it
  Result<std::vector<Reply>> pipeline = leases[1]->Pipeline({{"GET", "k"}, {"GET", "n"}});
  REQUIRE(pipeline.ok());
  CHECK((*pipeline)[1].str() == "4");
  // Redis 7 keeps no scripts across a restart: the SHA is reloaded.
  Result<Reply> evaluated = script.Eval(*leases[2], {"n"}, {"10"});
  REQUIRE(evaluated.ok());
  CHECK(evaluated->integer() == 14);  // ran once
  Result<Reply> written = leases[3]->Command({"INCR", "n"});
  REQUIRE(written.ok());
  CHECK(written->integer() == 15);  // a write too: the dead socket was seen before sending
  leases.clear();
  CHECK(pool->CurrentStats().dead_found == 4);
}

TEST_CASE("a script whose sha the restarted redis lost is loaded again") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.pool_size = 1;
  RedisPoolPtr pool = MakePool(options);
  Script script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  REQUIRE(pool->Eval(script, {"n"}, {"2"}).ok());

  server.Restart();
  Result<Reply> exists = pool->Command({"SCRIPT", "EXISTS", script.sha()});
  REQUIRE(exists.ok());
  CHECK((*exists)[0].integer() == 0);
  Result<Reply> evaluated = pool->Eval(script, {"n"}, {"3"});
  REQUIRE(evaluated.ok());
  CHECK(evaluated->integer() == 5);
  exists = pool->Command({"SCRIPT", "EXISTS", script.sha()});
  REQUIRE(exists.ok());
  CHECK((*exists)[0].integer() == 1);
}

// One dead socket means the server went away: the pool closes the other idle
// ones at once instead of each next call finding its own.
TEST_CASE("a pool drops every idle socket once one is found dead") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.pool_size = 3;
  RedisPoolPtr pool = MakePool(options);
  {
    std::vector<RedisPool::Lease> leases;
    for (int i = 0; i < 3; ++i) {
      Result<RedisPool::Lease> lease = pool->Acquire();
      REQUIRE(lease.ok());
      leases.push_back(std::move(lease).value());
      REQUIRE(leases.back()->Command({"PING"}).ok());
    }
  }
  REQUIRE(pool->CurrentStats().idle_open == 3);
  server.Restart();
  REQUIRE(pool->Command({"PING"}).ok());
  RedisPool::Stats stats = pool->CurrentStats();
  CHECK(stats.dead_found == 1);
  CHECK(stats.idle == 3);
  CHECK(stats.idle_open == 1);  // only the socket just opened
  REQUIRE(pool->Command({"PING"}).ok());
  REQUIRE(pool->Command({"PING"}).ok());
  CHECK(pool->CurrentStats().dead_found == 1);  // the others were not discovered one by one
}

TEST_CASE("while redis is down every call kind fails promptly, without a retry loop") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.pool_size = 2;
  RedisPoolPtr pool = MakePool(options);
  Script script("return 1");
  REQUIRE(pool->Eval(script, {}, {}).ok());
  server.Stop();

  auto start = SteadyClock::now();
  Result<Reply> read = pool->Command({"GET", "k"});
  Result<std::vector<Reply>> pipeline = pool->Pipeline({{"GET", "k"}, {"GET", "j"}});
  Result<Reply> evaluated = pool->Eval(script, {}, {});
  auto took = SteadyClock::now() - start;
  for (const Status& s : {read.status(), pipeline.status(), evaluated.status()}) {
    CHECK(s.code() == Code::kUnavailable);
    CHECK(s.reason() == "REDIS_UNAVAILABLE");
  }
  // Connection refused comes back at once: three calls well inside one connect timeout.
  CHECK(took < options.connect_timeout);
  server.Start();
  CHECK(pool->Eval(script, {}, {}).ok());
}

TEST_CASE("a write on a connection killed after it ran is run once, not again") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.pool_size = 1;
  RedisPoolPtr pool = MakePool(options);
  REQUIRE(pool->Command({"INCR", "n"}).ok());
  Result<Reply> id = pool->Command({"CLIENT", "ID"});
  REQUIRE(id.ok());

  Connection admin(options);
  REQUIRE(admin.Command({"CLIENT", "KILL", "ID", std::to_string(*id->integer())}).ok());
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    Result<Reply> list = admin.Command({"CLIENT", "LIST"});
    REQUIRE(list.ok());
    gone = list->string().find("id=" + std::to_string(*id->integer()) + " ") == std::string::npos;
    if (!gone) std::this_thread::sleep_for(milliseconds(10));
  }
  REQUIRE(gone);

  Result<Reply> second = pool->Command({"INCR", "n"});
  REQUIRE(second.ok());
  CHECK(second->integer() == 2);
  Result<Reply> n = admin.Command({"GET", "n"});
  REQUIRE(n.ok());
  CHECK(n->str() == "2");
}

TEST_CASE("inside MULTI a killed connection is not replaced behind the transaction") {
  testing::RedisServer server;
  RedisOptions options = OptionsFor(server);
  options.pool_size = 1;
  RedisPoolPtr pool = MakePool(options);
  Result<RedisPool::Lease> lease = pool->Acquire();
  REQUIRE(lease.ok());
  REQUIRE((*lease)->Command({"MULTI"}).ok());
  Connection admin(options);
  REQUIRE(admin.Command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}).ok());
  std::this_thread::sleep_for(milliseconds(50));
  Result<Reply> queued = (*lease)->Command({"INCR", "n"});
  CHECK(queued.status().code() == Code::kUnavailable);
  Result<Reply> n = admin.Command({"GET", "n"});
  REQUIRE(n.ok());
  CHECK(n->is_nil());  // the INCR did not run outside the transaction
}

// A server that answers PING, then takes the next command and closes without
// a reply (it may have run it), then answers anything on a new connection
// with "v". It records every command it was sent.
class ReplyLosingServer {
 public:
  ReplyLosingServer() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    REQUIRE(bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(listen(listener_, 4) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ReplyLosingServer() {
    if (thread_.joinable()) thread_.join();
    close(listener_);
  }
  int port() const { return port_; }
  // Waits for the server's script to end, then what it was sent.
  std::vector<std::string> Received() {
    if (thread_.joinable()) thread_.join();
    return received_;
  }

 private:
  int Accept() {
    pollfd p{listener_, POLLIN, 0};
    if (poll(&p, 1, 400) <= 0) return -1;
    return accept(listener_, nullptr, nullptr);
  }
  // Reads one whole command; its name, or empty on EOF / timeout.
  std::string ReadCommand(int fd) {
    std::string buffer;
    for (int i = 0; i < 50; ++i) {
      Result<Reply> parsed = ParseReply(buffer);
      if (parsed.ok() && parsed->is_array()) return std::string((*parsed)[0].str());
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 400) <= 0) return "";
      char chunk[512];
      ssize_t n = read(fd, chunk, sizeof(chunk));
      if (n <= 0) return "";
      buffer.append(chunk, static_cast<size_t>(n));
    }
    return "";
  }
  // Runs on the server thread, where Catch2's assertions must not be used
  // (they are not thread-safe): a failed write shows in what Received() says.
  void Answer(int fd, std::string_view resp) {
    if (write(fd, resp.data(), resp.size()) != static_cast<ssize_t>(resp.size())) {
      received_.push_back("(answer not written)");
    }
  }
  void Serve() {
    int first = Accept();
    if (first < 0) return;
    if (ReadCommand(first) == "PING") Answer(first, "+PONG\r\n");
    received_.push_back(ReadCommand(first));
    close(first);  // the reply is lost
    int second = Accept();
    if (second < 0) return;
    std::string name = ReadCommand(second);
    received_.push_back(name);
    if (!name.empty()) Answer(second, "$1\r\nv\r\n");
    ReadCommand(second);  // until the client closes or goes quiet
    close(second);
  }

  int listener_ = -1;
  int port_ = 0;
  std::vector<std::string> received_;
  std::thread thread_;
};

RedisOptions OptionsForPort(int port) {
  RedisOptions options;
  options.port = port;
  options.connect_timeout = milliseconds(500);
  options.command_timeout = milliseconds(500);
  options.pool_size = 1;
  return options;
}

TEST_CASE("a read whose reply was lost is asked again on a fresh connection") {
  ReplyLosingServer fake;
  Connection connection(OptionsForPort(fake.port()));
  REQUIRE(connection.Command({"PING"}).ok());
  Result<Reply> got = connection.Command({"GET", "k"});
  REQUIRE(got.ok());
  CHECK(got->str() == "v");
  connection.Close();
  CHECK(fake.Received() == std::vector<std::string>{"GET", "GET"});
}

TEST_CASE("a write whose reply was lost is not sent again and reports UNAVAILABLE") {
  ReplyLosingServer fake;
  RedisPoolPtr pool = MakePool(OptionsForPort(fake.port()));
  REQUIRE(pool->Ping().ok());
  Result<Reply> incr = pool->Command({"INCR", "n"});
  CHECK(incr.status().code() == Code::kUnavailable);
  CHECK(fake.Received() == std::vector<std::string>{"INCR"});
}

TEST_CASE("a script whose reply was lost is not run again") {
  ReplyLosingServer fake;
  RedisPoolPtr pool = MakePool(OptionsForPort(fake.port()));
  REQUIRE(pool->Ping().ok());
  Script script("return redis.call('INCR', KEYS[1])");
  Result<Reply> evaluated = pool->Eval(script, {"n"}, {});
  CHECK(evaluated.status().code() == Code::kUnavailable);
  CHECK(fake.Received() == std::vector<std::string>{"EVALSHA"});
}

TEST_CASE("a read-only pipeline whose replies were lost is sent again, a mixed one is not") {
  {
    ReplyLosingServer fake;
    Connection connection(OptionsForPort(fake.port()));
    REQUIRE(connection.Command({"PING"}).ok());
    Result<std::vector<Reply>> reads = connection.Pipeline({{"GET", "k"}});
    REQUIRE(reads.ok());
    connection.Close();
    CHECK(fake.Received() == std::vector<std::string>{"GET", "GET"});
  }
  {
    ReplyLosingServer fake;
    Connection connection(OptionsForPort(fake.port()));
    REQUIRE(connection.Command({"PING"}).ok());
    Result<std::vector<Reply>> mixed = connection.Pipeline({{"GET", "k"}, {"INCR", "n"}});
    CHECK(mixed.status().code() == Code::kUnavailable);
    CHECK(fake.Received() == std::vector<std::string>{"GET"});
  }
}

}  // namespace
}  // namespace aftersales::redis

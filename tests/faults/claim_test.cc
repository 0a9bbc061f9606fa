// A dispatch replica paused (SIGSTOP) while it holds an on-site request:
// another replica claims the entry once it has been pending for the
// consumer's claim_idle and makes the work order; when the paused replica
// resumes, it does not make a second one. Both replicas run with a 3 s
// claim_idle (AFTERSALES_STREAMS_CLAIM_IDLE; 30 s by default).
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <thread>

#include "tests/faults/fault_support.h"

namespace aftersales::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Entries pending for `consumer` in dispatch's group on {intake}:events.
int PendingFor(int redis_port, const std::string& consumer) {
  const std::string reply = RedisCommand(
      redis_port, {"XPENDING", "{intake}:events", "dispatch", "-", "+", "100", consumer});
  // An array of entries: "*N\r\n".
  if (reply.empty() || reply[0] != '*') return -1;
  return std::atoi(reply.c_str() + 1);
}

// Read from Redis: the gateway's dispatch upstream is the paused replica.
// The key is dispatch's record of the work order made for visit 1
// (services/dispatch/storage/keys.h OnsiteRequest).
bool WorkOrderMade(int redis_port, const std::string& ticket) {
  std::string key = "{dispatch}:onsite:";
  key += ticket;
  key += ":1";
  return RedisCommand(redis_port, {"EXISTS", key}).rfind(":1", 0) == 0;
}

std::string OnsiteTicket(const LoadTarget& t) {
  LoadResult one = RunLoad(t, milliseconds(1), milliseconds(0));
  REQUIRE(one.tickets.size() == 1);
  REQUIRE(one.tickets[0].onsite_status == 200);
  return one.tickets[0].number;
}

TEST_CASE("a paused dispatch replica's on-site request is claimed by another replica") {
  const std::map<std::string, std::string> env = {{"AFTERSALES_RATE_LIMIT", "0"},
                                                  {"AFTERSALES_CONSUMER_NAME", "dispatch-a"},
                                                  {"AFTERSALES_STREAMS_CLAIM_IDLE", "3s"}};
  Platform platform(env);
  INFO("logs in " << platform.log_dir());
  const int redis_port = platform.redis().port();
  LoadTarget target = PrepareLoad(platform);
  OnsiteTicket(target);  // both groups exist and dispatch-a works

  // Replica b: same service, its own ports and consumer name.
  const int grpc_port = FreePort();
  std::map<std::string, std::string> b_env = {
      {"AFTERSALES_REDIS_HOST", "127.0.0.1"},
      {"AFTERSALES_REDIS_PORT", std::to_string(redis_port)},
      {"AFTERSALES_HEALTH_INTERVAL", "100ms"},
      {"AFTERSALES_CONSUMER_NAME", "dispatch-b"},
      {"AFTERSALES_STREAMS_CLAIM_IDLE", "3s"},
      {"AFTERSALES_GRPC_PORT", std::to_string(grpc_port)},
      {"AFTERSALES_METRICS_PORT", std::to_string(FreePort())},
      {"AFTERSALES_INVENTORY_ADDR",
       "127.0.0.1:" + std::to_string(platform.service("inventory").grpc_port)}};
  ChildProcess replica_b({BinDir() + "/dispatch"}, b_env, platform.log_dir() + "/dispatch-b.log");
  REQUIRE(WaitForPort(grpc_port, seconds(20)));
  std::this_thread::sleep_for(milliseconds(500));  // b is reading

  // Pause a while it waits in XREADGROUP; new entries may still be handed
  // to it for the rest of its 2 s block. Try until one is.
  const pid_t a = platform.service("dispatch").process->pid();
  std::vector<std::string> numbers;
  std::string held;
  for (int attempt = 0; attempt < 10 && held.empty(); ++attempt) {
    ::kill(a, SIGSTOP);
    std::this_thread::sleep_for(milliseconds(50));
    numbers.push_back(OnsiteTicket(target));
    std::this_thread::sleep_for(milliseconds(200));
    if (PendingFor(redis_port, "dispatch-a") > 0) {
      held = numbers.back();
    } else {
      ::kill(a, SIGCONT);
      std::this_thread::sleep_for(milliseconds(300));
    }
  }
  INFO("tickets " << numbers.size());
  REQUIRE_FALSE(held.empty());
  const auto paused_at = Clock::now();
  std::printf("[faults] dispatch-a paused holding %d entries (after ticket %s)\n",
              PendingFor(redis_port, "dispatch-a"), held.c_str());

  // b claims a's entries after claim_idle while a is still stopped, and
  // every on-site request gets its work order.
  auto all_made = [&] {
    for (const auto& n : numbers) {
      if (!WorkOrderMade(redis_port, n)) return false;
    }
    return true;
  };
  bool claimed = false, made = false;
  while (Clock::now() - paused_at < seconds(25)) {
    claimed = PendingFor(redis_port, "dispatch-a") == 0;
    made = all_made();
    if (claimed && made) break;
    std::this_thread::sleep_for(milliseconds(250));
  }
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - paused_at);
  std::printf("[faults] dispatch-a's entries claimed by dispatch-b after %lld ms\n",
              static_cast<long long>(took.count()));
  std::fflush(stdout);
  CHECK(claimed);
  CHECK(made);
  CHECK(platform.service("dispatch").process->running());  // still paused, not dead

  // a resumes: it finds the entry already handled, no second work order.
  ::kill(a, SIGCONT);
  std::this_thread::sleep_for(seconds(3));
  for (const auto& n : numbers) {
    INFO("ticket " << n);
    TicketState s = InspectTicket(target, n);
    for (int i = 0; i < 50 && s.work_orders < 0; ++i) {  // a's connections recover
      std::this_thread::sleep_for(milliseconds(100));
      s = InspectTicket(target, n);
    }
    CHECK(s.work_orders == 1);
  }
}

}  // namespace
}  // namespace aftersales::testing

// Faults under a steady ticket load through the gateway (create, respond,
// request on-site): a service SIGKILLed and restarted, Redis killed or
// restarted with either AOF fsync policy, a poison event. After each, what a
// customer would notice: every acknowledged ticket exists and has exactly one
// work order, and no ticket is half-done (an on-site ticket without its work
// order, or a work order for a ticket that never went on site).
#include <algorithm>
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

// A 3 s claim_idle (30 s in production) so that a handler that failed while
// Redis was away is retried within seconds.
const std::map<std::string, std::string> kEnv = {{"AFTERSALES_RATE_LIMIT", "0"},
                                                 {"AFTERSALES_STREAMS_CLAIM_IDLE", "3s"}};

bool OnSite(const std::string& status) {
  return status == "AWAITING_ONSITE" || status == "ONSITE_IN_PROGRESS" || status == "RESOLVED" ||
         status == "CLOSED";
}

struct Verdict {
  int acked = 0;          // on-site request answered 2xx
  int acked_missing = 0;  // ... whose ticket is gone
  int acked_without_wo = 0;
  int duplicates = 0;  // tickets with more than one work order
  int half_done = 0;   // state and work orders disagree
  int tickets_seen = 0;
  std::string transient;  // failed reads while judging, retried
  int late = 0;           // work order appeared only after > 5 s of waiting
  milliseconds max_wait{0};
  std::string late_detail;
  std::string detail;
};

// Waits (bounded) for dispatch to catch up, then judges every ticket the load
// created or the customer's list shows. `must_exist(t)` says which acked
// tickets have to survive (all, or those older than a durability bound).
template <typename MustExist>
Verdict Judge(const LoadTarget& target, const LoadResult& load, MustExist must_exist) {
  Verdict v;
  std::map<std::string, const LoadResult::Ticket*> by_number;
  for (const auto& t : load.tickets) {
    if (!t.number.empty()) by_number[t.number] = &t;
  }
  std::vector<std::string> numbers = ListTicketNumbers(target);
  for (const auto& [n, t] : by_number) {
    if (std::find(numbers.begin(), numbers.end(), n) == numbers.end()) numbers.push_back(n);
  }
  v.tickets_seen = static_cast<int>(numbers.size());
  // A handler that failed because Redis went away is retried only once its
  // entry has been pending for the consumer's claim_idle (3 s here, see
  // kEnv), checked every claim_idle / 2: a few seconds, bounded at 30.
  const auto deadline = Clock::now() + seconds(30);
  for (const auto& number : numbers) {
    auto it = by_number.find(number);
    const LoadResult::Ticket* t = it == by_number.end() ? nullptr : it->second;
    const bool acked = t && t->onsite_status == 200;
    if (acked) ++v.acked;
    TicketState s = InspectTicket(target, number);
    const auto judged_from = Clock::now();
    // Dispatch works from a stream: give it time to catch up after a fault.
    // A failed list (work_orders -1) is retried too, and reported.
    while (Clock::now() < deadline &&
           (s.get_status != 200 || s.work_orders < 0 || (OnSite(s.status) && s.work_orders == 0))) {
      if (s.get_status != 200 && s.get_status != 404) v.transient += s.error + "\n";
      if (s.work_orders < 0 && s.get_status == 200) v.transient += s.error + "\n";
      if (s.get_status == 404) break;
      std::this_thread::sleep_for(milliseconds(100));
      s = InspectTicket(target, number);
    }
    const auto waited = std::chrono::duration_cast<milliseconds>(Clock::now() - judged_from);
    if (waited > seconds(5)) {
      ++v.late;
      v.max_wait = std::max(v.max_wait, waited);
      v.late_detail += number + " got its work order only after " + std::to_string(waited.count()) +
                       " ms of judging\n";
    }
    std::string line = number;
    line += " create=";
    line += std::to_string(t ? t->create_status : -1);
    line += " onsite=";
    line += std::to_string(t ? t->onsite_status : -1);
    line += " get=";
    line += std::to_string(s.get_status);
    line += " status=";
    line += s.status;
    line += " workOrders=";
    line += std::to_string(s.work_orders);
    line += '\n';
    if (s.get_status == 404) {
      if (acked && must_exist(*t)) {
        ++v.acked_missing;
        v.detail += "LOST " + line;
      }
      continue;
    }
    if (s.get_status != 200) {
      v.detail += "UNREADABLE " + line;
      ++v.half_done;
      continue;
    }
    if (s.work_orders > 1) {
      ++v.duplicates;
      v.detail += "DUPLICATE " + line;
    }
    if (acked && s.work_orders != 1) {
      ++v.acked_without_wo;
      v.detail += "NO-WORK-ORDER " + line;
    }
    if (OnSite(s.status) != (s.work_orders >= 1)) {
      ++v.half_done;
      v.detail += "HALF-DONE " + line;
    }
  }
  return v;
}

void Report(const std::string& what, const LoadResult& load, const Verdict& v) {
  int created = 0, onsite_errors = 0;
  for (const auto& t : load.tickets) {
    if (t.create_status == 201) ++created;
    if (t.create_status == 201 && t.onsite_status != 200) ++onsite_errors;
  }
  std::printf(
      "[faults] %s: %zu attempts, %d created, %d create errors, %d on-site errors, %d acked, "
      "%d tickets judged, lost %d, acked without work order %d, duplicates %d, half-done %d\n",
      what.c_str(), load.tickets.size(), created, load.create_errors, onsite_errors, v.acked,
      v.tickets_seen, v.acked_missing, v.acked_without_wo, v.duplicates, v.half_done);
  if (!v.detail.empty()) std::printf("%s", v.detail.c_str());
  if (v.late > 0) {
    std::printf("[faults] %d tickets waited > 5 s for their work order (max %lld ms):\n%s", v.late,
                static_cast<long long>(v.max_wait.count()), v.late_detail.c_str());
  }
  std::fflush(stdout);
  if (!v.transient.empty()) {
    std::printf("[faults] failed reads while judging (retried):\n%s",
                v.transient.substr(0, 2000).c_str());
  }
}

void SigkillDuringLoad(const std::string& name) {
  Platform platform(kEnv);
  INFO("logs in " << platform.log_dir());
  LoadTarget target = PrepareLoad(platform);
  LoadResult load;
  std::thread loader([&] { load = RunLoad(target, milliseconds(6000)); });
  std::this_thread::sleep_for(milliseconds(2000));
  KillService(platform, name, SIGKILL);
  std::this_thread::sleep_for(milliseconds(1000));
  StartServiceAgain(platform, name, kEnv);
  loader.join();

  // The restarted process serves again.
  LoadResult after = RunLoad(target, milliseconds(1));
  REQUIRE(after.tickets.size() == 1);
  CHECK(after.tickets[0].onsite_status == 200);

  Verdict v = Judge(target, load, [](const LoadResult::Ticket&) { return true; });
  Report("SIGKILL " + name, load, v);
  INFO(v.detail);
  CHECK(v.acked > 0);
  CHECK(v.acked_missing == 0);
  CHECK(v.acked_without_wo == 0);
  CHECK(v.duplicates == 0);
  CHECK(v.half_done == 0);
  if (name == "intake" || name == "gateway") CHECK(load.create_errors > 0);  // the kill did bite
}

TEST_CASE("SIGKILL of intake during the load loses nothing acknowledged") {
  SigkillDuringLoad("intake");
}
TEST_CASE("SIGKILL of dispatch during the load loses nothing acknowledged") {
  SigkillDuringLoad("dispatch");
}
TEST_CASE("SIGKILL of inventory during the load loses nothing acknowledged") {
  SigkillDuringLoad("inventory");
}
TEST_CASE("SIGKILL of followup during the load loses nothing acknowledged") {
  SigkillDuringLoad("followup");
}
TEST_CASE("SIGKILL of the gateway during the load loses nothing acknowledged") {
  SigkillDuringLoad("gateway");
}

enum class RedisFault { kKill, kRestart };

// Returns the steady time of the fault.
Clock::time_point RedisFaultDuringLoad(Platform& platform, const LoadTarget& target,
                                       RedisFault fault, LoadResult& load) {
  std::thread loader([&] { load = RunLoad(target, milliseconds(7000)); });
  std::this_thread::sleep_for(milliseconds(3000));
  const auto at = Clock::now();
  if (fault == RedisFault::kKill) {
    platform.redis().Kill();
  } else {
    platform.redis().Stop();
  }
  std::this_thread::sleep_for(milliseconds(300));
  platform.redis().Start();
  loader.join();
  return at;
}

// Waits for the services to be back on Redis: a full ticket goes through.
void WaitForRecovery(const LoadTarget& target) {
  const auto end = Clock::now() + seconds(15);
  while (Clock::now() < end) {
    LoadResult probe = RunLoad(target, milliseconds(1), milliseconds(0));
    if (!probe.tickets.empty() && probe.tickets[0].onsite_status == 200) return;
    std::this_thread::sleep_for(milliseconds(200));
  }
  FAIL("the platform did not recover after the Redis fault");
}

TEST_CASE("Redis SIGKILLed with appendfsync always loses no acknowledged ticket") {
  Platform platform(kEnv);
  INFO("logs in " << platform.log_dir());
  const std::string set =
      RedisCommand(platform.redis().port(), {"CONFIG", "SET", "appendfsync", "always"});
  REQUIRE(set.rfind("+OK", 0) == 0);
  LoadTarget target = PrepareLoad(platform);
  LoadResult load;
  RedisFaultDuringLoad(platform, target, RedisFault::kKill, load);
  WaitForRecovery(target);
  Verdict v = Judge(target, load, [](const LoadResult::Ticket&) { return true; });
  Report("redis SIGKILL, appendfsync always", load, v);
  INFO(v.detail);
  CHECK(v.acked > 0);
  CHECK(v.acked_missing == 0);
  CHECK(v.acked_without_wo == 0);
  CHECK(v.duplicates == 0);
  CHECK(v.half_done == 0);
}

TEST_CASE("Redis restarted cleanly with appendfsync everysec loses no acknowledged ticket") {
  Platform platform(kEnv);
  INFO("logs in " << platform.log_dir());
  LoadTarget target = PrepareLoad(platform);
  LoadResult load;
  RedisFaultDuringLoad(platform, target, RedisFault::kRestart, load);
  WaitForRecovery(target);
  Verdict v = Judge(target, load, [](const LoadResult::Ticket&) { return true; });
  Report("redis SIGTERM restart, appendfsync everysec", load, v);
  INFO(v.detail);
  CHECK(v.acked > 0);
  CHECK(v.acked_missing == 0);
  CHECK(v.acked_without_wo == 0);
  CHECK(v.duplicates == 0);
  CHECK(v.half_done == 0);
}

// everysec: a crash of Redis (not of the host: the kernel still has the
// page cache) can lose what was written since the last fsync, up to about a
// second (two, if an fsync is slow). Acknowledged tickets older than 2 s
// before the kill must all be there, and what survives must be consistent.
TEST_CASE("Redis SIGKILLed with appendfsync everysec keeps what was acknowledged 2 s before") {
  Platform platform(kEnv);
  INFO("logs in " << platform.log_dir());
  LoadTarget target = PrepareLoad(platform);
  LoadResult load;
  const auto killed_at = RedisFaultDuringLoad(platform, target, RedisFault::kKill, load);
  WaitForRecovery(target);
  const auto bound = killed_at - seconds(2);
  Verdict v = Judge(target, load, [&](const LoadResult::Ticket& t) { return t.acked_at < bound; });
  int lost_recent = 0;
  for (const auto& t : load.tickets) {
    if (t.onsite_status == 200 && t.acked_at >= bound && t.acked_at < killed_at &&
        InspectTicket(target, t.number).get_status == 404) {
      ++lost_recent;
    }
  }
  Report("redis SIGKILL, appendfsync everysec", load, v);
  std::printf("[faults] everysec: %d acknowledged tickets of the last 2 s before the kill lost\n",
              lost_recent);
  INFO(v.detail);
  CHECK(v.acked > 0);
  CHECK(v.acked_missing == 0);
  CHECK(v.duplicates == 0);
  CHECK(v.half_done == 0);
}

TEST_CASE("a poison event is dead-lettered, listed and replayed by aftersalesctl") {
  Platform platform(kEnv);
  INFO("logs in " << platform.log_dir());
  const int redis_port = platform.redis().port();
  // Make sure the consumer groups exist and work: one ticket goes on site.
  LoadTarget target = PrepareLoad(platform);
  LoadResult first = RunLoad(target, milliseconds(1));
  REQUIRE(first.tickets.at(0).onsite_status == 200);

  // No id/type/payload fields: nothing can parse it.
  std::string added = RedisCommand(redis_port, {"XADD", "{intake}:events", "*", "poison",
                                                "\xff\xfe not an event", "type", "garbage"});
  REQUIRE(added.rfind("$", 0) == 0);
  const std::string poison_id =
      added.substr(added.find("\r\n") + 2, added.rfind("\r\n") - added.find("\r\n") - 2);
  INFO("poison entry " << poison_id);

  std::string dead;
  const auto end = Clock::now() + seconds(15);
  while (Clock::now() < end) {
    dead = RedisCommand(redis_port, {"XRANGE", "{intake}:events:dead", "-", "+"});
    if (dead.find(poison_id) != std::string::npos) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  INFO("dead letters: " << dead);
  CHECK(dead.find(poison_id) != std::string::npos);

  // RunToExit passes no arguments: run the CLI through popen.
  auto ctl = [&](const std::string& args, int& exit_status) {
    std::string full = "AFTERSALES_REDIS_HOST=127.0.0.1 AFTERSALES_REDIS_PORT=";
    full += std::to_string(redis_port);
    full += ' ';
    full += BinDir();
    full += "/aftersalesctl ";
    full += args;
    full += " 2>&1";
    std::string output;
    FILE* pipe = popen(full.c_str(), "r");
    if (!pipe) return output;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
    exit_status = pclose(pipe);
    return output;
  };
  int exit_status = -1;
  const std::string output = ctl("dead-letters list --stream '{intake}:events'", exit_status);
  std::printf("[faults] aftersalesctl dead-letters list:\n%s\n", output.c_str());
  INFO("aftersalesctl said:\n" << output);
  CHECK(exit_status == 0);
  CHECK(output.find(poison_id) != std::string::npos);

  // Replayed, the poison goes back on the stream and, still poison, is
  // dead-lettered again: nothing crashes, nothing is lost.
  auto xlen = [&](const std::string& key) {
    const std::string r = RedisCommand(redis_port, {"XLEN", key});
    return r.size() > 1 ? std::atoi(r.c_str() + 1) : -1;
  };
  const int stream_before = xlen("{intake}:events");
  const std::string replayed =
      ctl("dead-letters replay --stream '{intake}:events' --all", exit_status);
  std::printf("[faults] aftersalesctl dead-letters replay --all:\n%s\n", replayed.c_str());
  INFO("replay said:\n" << replayed);
  CHECK(exit_status == 0);
  CHECK(xlen("{intake}:events") > stream_before);
  int dead_again = 0;
  for (int i = 0; i < 100 && dead_again < 1; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    dead_again = xlen("{intake}:events:dead");
  }
  CHECK(dead_again >= 1);

  // The platform goes on: a ticket after the poison still gets its work order.
  LoadResult after = RunLoad(target, milliseconds(1));
  REQUIRE(after.tickets.at(0).onsite_status == 200);
  TicketState s = InspectTicket(target, after.tickets[0].number);
  for (int i = 0; i < 100 && s.work_orders < 1; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    s = InspectTicket(target, after.tickets[0].number);
  }
  CHECK(s.work_orders == 1);
}

}  // namespace
}  // namespace aftersales::testing

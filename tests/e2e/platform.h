// The whole platform as real processes for e2e tests: one redis-server, the
// four services and the gateway, each on free 127.0.0.1 ports, logs in a
// temporary directory that is printed when a test fails.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "services/common/host/test_clock.h"
#include "tests/support/child_process.h"
#include "tests/support/redis_server.h"

namespace aftersales::testing {

// The gateway's AFTERSALES_JWT_SECRET unless extra_env sets another; sign
// test tokens with it (auth::SignJwt).
inline constexpr char kPlatformJwtSecret[] = "e2e-platform-secret-0123456789abcdef";

struct ServiceProcess {
  std::string name;
  int grpc_port = 0;  // 0 for the gateway
  int http_port = 0;  // metrics port of a service, API port of the gateway
  std::unique_ptr<ChildProcess> process;
};

// Whose time the services read. kTest: a test clock file in the platform's
// directory, given to the four services with AFTERSALES_TEST_MODE=true; the
// test moves it with AdvanceClock. The gateway and redis keep real time
// (tokens, rate limits, key expiry, stream ids).
enum class PlatformClock { kSystem, kTest };

class Platform {
 public:
  // extra_env goes to every process (e.g. AFTERSALES_JWT_SECRET).
  explicit Platform(std::map<std::string, std::string> extra_env = {},
                    PlatformClock clock = PlatformClock::kSystem);
  ~Platform();

  // The services' business time: system time plus what AdvanceClock added.
  TimePoint Now() const;
  // Moves the services' time forward by `d` at once (kTest only; throws
  // otherwise). Real time keeps flowing, so the services' periodic loops
  // (watchdogs, scans, due workers) act on it at their next round.
  void AdvanceClock(std::chrono::milliseconds d);
  // The test clock file ("" on kSystem), e.g. for a process started by hand.
  std::string clock_file() const { return clock_ ? clock_->path() : std::string(); }

  RedisServer& redis() { return redis_; }
  ServiceProcess& service(const std::string& name);
  ServiceProcess& gateway() { return service("gateway"); }
  // In start order: dispatch calls inventory, so inventory comes first.
  std::vector<std::string> service_names() const {
    return {"intake", "inventory", "dispatch", "followup"};
  }
  std::string log_dir() const { return dir_; }
  std::string Log(const std::string& name) const;
  // The first line of that log holding `needle`, or "".
  std::string LogLine(const std::string& name, const std::string& needle) const;

 private:
  void ReportExitedServices();
  void StartService(const std::string& name);

  std::map<std::string, std::string> extra_env_;
  RedisServer redis_;
  std::string dir_;
  std::optional<TestClockFile> clock_;
  std::map<std::string, ServiceProcess> processes_;
};

// Runs a binary with the given extra environment and waits for it to exit;
// returns {exit status as waitpid gives it or -1 on time-out, its output}.
std::pair<int, std::string> RunToExit(const std::string& binary,
                                      const std::map<std::string, std::string>& env,
                                      std::chrono::milliseconds timeout);

}  // namespace aftersales::testing

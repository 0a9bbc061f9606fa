// Several replicas of every service and of the gateway against one
// redis-server, as real processes on free 127.0.0.1 ports: what
// `./dev run --replicas N` runs, for the e2e test that SIGKILLs replicas
// mid-load. Callers reach a service's replicas over one gRPC channel with a
// multi-address target (round robin), as the gateways do. Dispatch replica i
// calls inventory replica i (see replica_platform.cc).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/platform.h"
#include "tests/support/child_process.h"
#include "tests/support/redis_server.h"

namespace aftersales::testing {

class ReplicaPlatform {
 public:
  // extra_env goes to every process; replicas >= 1.
  explicit ReplicaPlatform(int replicas, std::map<std::string, std::string> extra_env = {});
  ~ReplicaPlatform();

  RedisServer& redis() { return redis_; }
  int replicas() const { return replicas_; }
  // name: intake, inventory, dispatch, followup or gateway; i < replicas().
  ServiceProcess& replica(const std::string& name, int i);
  // "ipv4:127.0.0.1:p1,127.0.0.1:p2": every replica of a service, for a
  // round-robin channel (grpcx::MakeChannel).
  std::string Target(const std::string& name) const;
  std::vector<std::string> service_names() const {
    return {"intake", "inventory", "dispatch", "followup"};
  }
  std::string Log(const std::string& name, int i) const;
  // The last `tail` bytes of every process' log, for a failing test's INFO.
  std::string Logs(size_t tail = 3000) const;

 private:
  void Start(const std::string& name, int i);
  static std::string Key(const std::string& name, int i) {
    std::string k = name;
    k += '-';
    k += std::to_string(i);
    return k;
  }

  int replicas_;
  std::map<std::string, std::string> extra_env_;
  RedisServer redis_;
  std::string dir_;
  std::map<std::string, ServiceProcess> processes_;
};

}  // namespace aftersales::testing

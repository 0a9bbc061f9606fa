// A real redis-server for integration tests: a free port, a temporary
// directory, AOF on; stopped and deleted when the fixture goes away.
#pragma once

#include <memory>
#include <string>

#include "tests/support/child_process.h"

namespace aftersales::testing {

class RedisServer {
 public:
  explicit RedisServer(bool appendonly = true);
  ~RedisServer();

  int port() const { return port_; }
  std::string host() const { return "127.0.0.1"; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  const std::string& dir() const { return dir_; }

  // Stops the server (SIGTERM, so AOF is flushed) and starts it again on the
  // same port and data directory.
  void Stop();
  void Start();
  void Restart() {
    Stop();
    Start();
  }
  // SIGKILL: what a crash loses.
  void Kill();

 private:
  bool TryStart();

  int port_;
  bool appendonly_;
  bool restartable_ = false;
  std::string dir_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace aftersales::testing

#include "tests/support/redis_server.h"

#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace aftersales::testing {

RedisServer::RedisServer(bool appendonly)
    : port_(FreePort()), appendonly_(appendonly), dir_(MakeTempDir("aftersales-redis")) {
  Start();
}

RedisServer::~RedisServer() {
  if (process_) process_->Stop(SIGKILL, std::chrono::seconds(5));
  RemoveTree(dir_);
}

namespace {

// Another process may grab a "free" port between FreePort() and the bind, and
// then the port answers but is not ours. Our own log saying "Ready" is proof.
bool WaitUntilReady(const std::string& log_path, ChildProcess& process, size_t log_offset) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < end) {
    if (!process.running()) return false;
    std::ifstream in(log_path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    if (text.size() > log_offset &&
        text.find("Ready to accept connections", log_offset) != std::string::npos) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

size_t FileSize(const std::string& path) {
  std::ifstream in(path, std::ios::ate | std::ios::binary);
  return in ? static_cast<size_t>(in.tellg()) : 0;
}

}  // namespace

void RedisServer::Start() {
  if (process_ && process_->running()) return;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (TryStart()) return;
    if (!restartable_) port_ = FreePort();  // lost the race for the port: take another
  }
  throw std::runtime_error("redis-server did not start (see " + dir_ + "/redis.log)");
}

bool RedisServer::TryStart() {
  const std::string log_path = dir_ + "/redis.log";
  const size_t offset = FileSize(log_path);
  process_ = std::make_unique<ChildProcess>(std::vector<std::string>{
      "/usr/bin/redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "--dir",
      dir_, "--appendonly", appendonly_ ? "yes" : "no", "--save", "", "--daemonize", "no",
      "--logfile", log_path});
  if (WaitUntilReady(log_path, *process_, offset)) {
    restartable_ = true;  // from now on the port is part of the test's setup
    return true;
  }
  process_->Stop(SIGKILL, std::chrono::seconds(5));
  return false;
}

void RedisServer::Stop() {
  if (process_) process_->Stop(SIGTERM, std::chrono::seconds(10));
}

void RedisServer::Kill() {
  if (process_) process_->Stop(SIGKILL, std::chrono::seconds(5));
}

}  // namespace aftersales::testing

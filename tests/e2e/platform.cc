#include "tests/e2e/platform.h"

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace aftersales::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Platform::Platform(std::map<std::string, std::string> extra_env, PlatformClock clock)
    : extra_env_(std::move(extra_env)), dir_(MakeTempDir("aftersales-e2e")) {
  if (clock == PlatformClock::kTest) {
    Result<TestClockFile> file = TestClockFile::Create(dir_ + "/test-clock");
    if (!file.ok()) {
      RemoveTree(dir_);
      throw std::runtime_error(file.status().ToString());
    }
    clock_.emplace(std::move(file).value());
  }
  for (const auto& name : service_names()) StartService(name);
  StartService("gateway");
}

Platform::~Platform() {
  ReportExitedServices();
  processes_.clear();  // kills whatever still runs
  RemoveTree(dir_);
}

// A service that died during a test explains most failures that follow (a 503
// from the gateway, a refused connection), and its log goes with the temporary
// directory: put its end on stderr, which ctest shows when the test fails.
void Platform::ReportExitedServices() {
  for (auto& [name, p] : processes_) {
    if (!p.process || p.process->running()) continue;
    const int status = p.process->exit_status();
    std::string how = WIFSIGNALED(status) ? "killed by signal " : "exited with code ";
    how += std::to_string(WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    const std::string log = Log(name);
    size_t from = log.size();
    for (int lines = 0; lines < 40 && from > 0; ++lines) {
      const size_t nl = log.rfind('\n', from - 1);
      if (nl == std::string::npos) {
        from = 0;
        break;
      }
      from = nl;
    }
    std::fprintf(stderr,
                 "platform: %s was not running at the end of the test (%s); its log ends:\n%s\n",
                 name.c_str(), how.c_str(), log.substr(from).c_str());
  }
}

void Platform::StartService(const std::string& name) {
  ServiceProcess p;
  p.name = name;
  std::map<std::string, std::string> env = {
      {"AFTERSALES_REDIS_HOST", "127.0.0.1"},
      {"AFTERSALES_REDIS_PORT", std::to_string(redis_.port())},
      {"AFTERSALES_HEALTH_INTERVAL", "100ms"},
      {"AFTERSALES_SHUTDOWN_GRACE", "5s"},
      // The gateway refuses to start without one; extra_env may override it.
      {"AFTERSALES_JWT_SECRET", std::string(kPlatformJwtSecret)},
  };
  if (clock_ && name != "gateway") {
    env["AFTERSALES_TEST_MODE"] = "true";
    env["AFTERSALES_TEST_CLOCK_FILE"] = clock_->path();
  }
  for (const auto& [k, v] : extra_env_) env[k] = v;
  if (name == "gateway") {
    p.http_port = FreePort();
    env["AFTERSALES_HTTP_PORT"] = std::to_string(p.http_port);
    for (const auto& svc : service_names()) {
      std::string var = "AFTERSALES_" + svc + "_ADDR";
      for (auto& c : var) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      env[var] = "127.0.0.1:" + std::to_string(processes_.at(svc).grpc_port);
    }
  } else {
    if (name == "dispatch") {
      env["AFTERSALES_INVENTORY_ADDR"] =
          "127.0.0.1:" + std::to_string(processes_.at("inventory").grpc_port);
      env["AFTERSALES_INTAKE_ADDR"] =
          "127.0.0.1:" + std::to_string(processes_.at("intake").grpc_port);
    }
    p.grpc_port = FreePort();
    p.http_port = FreePort();
    env["AFTERSALES_GRPC_PORT"] = std::to_string(p.grpc_port);
    env["AFTERSALES_METRICS_PORT"] = std::to_string(p.http_port);
  }
  p.process = std::make_unique<ChildProcess>(std::vector<std::string>{BinDir() + "/" + name}, env,
                                             dir_ + "/" + name + ".log");
  const int port = p.grpc_port ? p.grpc_port : p.http_port;
  if (!WaitForPort(port, std::chrono::seconds(20)) || !p.process->running()) {
    throw std::runtime_error(name + " did not start; its log:\n" + Log(name));
  }
  processes_[name] = std::move(p);
}

ServiceProcess& Platform::service(const std::string& name) { return processes_.at(name); }

TimePoint Platform::Now() const {
  return clock_ ? clock_->Now() : TimePoint(std::chrono::system_clock::now());
}

void Platform::AdvanceClock(std::chrono::milliseconds d) {
  if (!clock_) throw std::logic_error("AdvanceClock needs a Platform on PlatformClock::kTest");
  clock_->Advance(d);
}

std::string Platform::Log(const std::string& name) const {
  return ReadFile(dir_ + "/" + name + ".log");
}

std::string Platform::LogLine(const std::string& name, const std::string& needle) const {
  const std::string log = Log(name);
  const size_t at = log.find(needle);
  if (at == std::string::npos) return "";
  size_t begin = log.rfind('\n', at);
  begin = begin == std::string::npos ? 0 : begin + 1;
  const size_t end = log.find('\n', at);
  return log.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

std::pair<int, std::string> RunToExit(const std::string& binary,
                                      const std::map<std::string, std::string>& env,
                                      std::chrono::milliseconds timeout) {
  std::string dir = MakeTempDir("aftersales-run");
  std::string log = dir + "/out.log";
  int status;
  {
    ChildProcess p({binary}, env, log);
    status = p.Wait(timeout);
  }
  std::string out = ReadFile(log);
  RemoveTree(dir);
  return {status, out};
}

}  // namespace aftersales::testing

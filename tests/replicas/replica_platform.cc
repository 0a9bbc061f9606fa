#include "tests/replicas/replica_platform.h"

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

std::string AddrVar(const std::string& service) {
  std::string var = "AFTERSALES_" + service + "_ADDR";
  for (auto& c : var) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return var;
}

}  // namespace

ReplicaPlatform::ReplicaPlatform(int replicas, std::map<std::string, std::string> extra_env)
    : replicas_(replicas), extra_env_(std::move(extra_env)), dir_(MakeTempDir("aftersales-rep")) {
  // dispatch calls inventory, so inventory's replicas come first.
  for (const auto& name : service_names()) {
    for (int i = 0; i < replicas_; ++i) Start(name, i);
  }
  for (int i = 0; i < replicas_; ++i) Start("gateway", i);
}

ReplicaPlatform::~ReplicaPlatform() {
  processes_.clear();  // kills whatever still runs
  RemoveTree(dir_);
}

std::string ReplicaPlatform::Target(const std::string& name) const {
  std::string target = "ipv4:";
  for (int i = 0; i < replicas_; ++i) {
    if (i > 0) target += ',';
    target += "127.0.0.1:";
    target += std::to_string(processes_.at(Key(name, i)).grpc_port);
  }
  return target;
}

void ReplicaPlatform::Start(const std::string& name, int i) {
  ServiceProcess p;
  p.name = Key(name, i);
  std::map<std::string, std::string> env = {
      {"AFTERSALES_REDIS_HOST", "127.0.0.1"},
      {"AFTERSALES_REDIS_PORT", std::to_string(redis_.port())},
      {"AFTERSALES_HEALTH_INTERVAL", "100ms"},
      {"AFTERSALES_SHUTDOWN_GRACE", "5s"},
      {"AFTERSALES_JWT_SECRET", std::string(kPlatformJwtSecret)},
      // Each replica reads its share of the streams under its own name; a
      // dead one's pending entries are claimed by name-independent XAUTOCLAIM.
      {"AFTERSALES_CONSUMER_NAME", p.name},
  };
  for (const auto& [k, v] : extra_env_) env[k] = v;
  if (name == "gateway") {
    p.http_port = FreePort();
    env["AFTERSALES_HTTP_PORT"] = std::to_string(p.http_port);
    for (const auto& svc : service_names()) env[AddrVar(svc)] = Target(svc);
  } else {
    if (name == "dispatch") {
      // dispatch reads AFTERSALES_INVENTORY_ADDR as one host:port (EnvConfig::
      // HostPortValue refuses a multi-address target), so each dispatch
      // replica is paired with the inventory replica of the same index.
      env[AddrVar("inventory")] =
          "127.0.0.1:" + std::to_string(processes_.at(Key("inventory", i)).grpc_port);
    }
    p.grpc_port = FreePort();
    p.http_port = FreePort();
    env["AFTERSALES_GRPC_PORT"] = std::to_string(p.grpc_port);
    env["AFTERSALES_METRICS_PORT"] = std::to_string(p.http_port);
  }
  p.process = std::make_unique<ChildProcess>(std::vector<std::string>{BinDir() + "/" + name}, env,
                                             dir_ + "/" + p.name + ".log");
  const int port = p.grpc_port ? p.grpc_port : p.http_port;
  if (!WaitForPort(port, std::chrono::seconds(20)) || !p.process->running()) {
    throw std::runtime_error(p.name + " did not start; its log:\n" +
                             ReadFile(dir_ + "/" + p.name + ".log"));
  }
  processes_[p.name] = std::move(p);
}

ServiceProcess& ReplicaPlatform::replica(const std::string& name, int i) {
  return processes_.at(Key(name, i));
}

std::string ReplicaPlatform::Log(const std::string& name, int i) const {
  return ReadFile(dir_ + "/" + Key(name, i) + ".log");
}

std::string ReplicaPlatform::Logs(size_t tail) const {
  std::string out;
  for (const auto& [key, p] : processes_) {
    std::string log = ReadFile(dir_ + "/" + key + ".log");
    if (log.size() > tail) log = log.substr(log.size() - tail);
    out += "==== " + key + " ====\n" + log + "\n";
  }
  return out;
}

}  // namespace aftersales::testing

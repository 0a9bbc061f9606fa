#include "services/common/host/service_host.h"

#include <atomic>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "services/common/grpc/server.h"
#include "services/common/host/test_clock.h"
#include "services/common/http/http_router.h"
#include "services/common/http/http_server.h"
#include "services/common/metrics/metrics.h"
#include "services/common/runtime/log.h"

namespace aftersales {
namespace {

constexpr char kTestModeVar[] = "AFTERSALES_TEST_MODE";
constexpr char kTestClockVar[] = "AFTERSALES_TEST_CLOCK_FILE";

// Reads through to the system clock or to the test clock Run installed. The
// clocks it ever pointed at are kept for the life of the process: domain
// objects hold a reference to this one and may read it from any thread.
class ProcessClock final : public Clock {
 public:
  TimePoint Now() const override { return current_.load(std::memory_order_acquire)->Now(); }

  void Use(std::unique_ptr<Clock> clock) {
    std::lock_guard lock(mu_);
    if (clock == nullptr) {
      current_.store(&system_, std::memory_order_release);
      return;
    }
    owned_.push_back(std::move(clock));
    current_.store(owned_.back().get(), std::memory_order_release);
  }

 private:
  SystemClock system_;
  std::atomic<const Clock*> current_{&system_};
  std::mutex mu_;
  std::vector<std::unique_ptr<Clock>> owned_;
};

ProcessClock& TheProcessClock() {
  static ProcessClock* clock = new ProcessClock();  // never destroyed: threads may outlive main
  return *clock;
}

}  // namespace

const Clock& ServiceClock() { return TheProcessClock(); }

Result<std::unique_ptr<TestClock>> OpenConfiguredTestClock(bool test_mode,
                                                           const std::string& clock_file) {
  if (clock_file.empty()) return std::unique_ptr<TestClock>();
  std::string setting = kTestClockVar;
  setting += "=\"";
  setting += clock_file;
  setting += "\"";
  if (!test_mode) {
    std::string message = setting;
    message += " is refused: a test clock moves the service's time and is accepted only with ";
    message += kTestModeVar;
    message += "=true (never in production)";
    return InvalidArgument("INVALID_CONFIG", message,
                           {{kTestClockVar, "is refused without " + std::string(kTestModeVar)}});
  }
  Result<TestClock> clock = TestClock::Open(clock_file);
  if (!clock.ok()) {
    std::string message = setting;
    message += ": ";
    message += clock.status().message();
    return InvalidArgument("INVALID_CONFIG", message, {{kTestClockVar, clock.status().message()}});
  }
  return std::make_unique<TestClock>(std::move(clock).value());
}

ServiceHost::ServiceHost(ServiceDefaults defaults, EnvConfig& env)
    : defaults_(std::move(defaults)), env_(env) {}

const Clock& ServiceHost::clock() const { return ServiceClock(); }

int ServiceHost::Run(const ServiceFactory& factory, ShutdownSignal& shutdown) {
  using std::chrono::milliseconds;
  const std::string listen_host = env_.String("AFTERSALES_LISTEN_HOST", "127.0.0.1");
  const int grpc_port = env_.Port("AFTERSALES_GRPC_PORT", defaults_.grpc_port);
  const int metrics_port = env_.Port("AFTERSALES_METRICS_PORT", defaults_.metrics_port);
  redis::RedisOptions redis_options;
  redis_options.host = env_.String("AFTERSALES_REDIS_HOST", "127.0.0.1");
  redis_options.port = env_.Port("AFTERSALES_REDIS_PORT", 6379);
  redis_options.password = env_.String("AFTERSALES_REDIS_PASSWORD", "");
  redis_options.connect_timeout =
      env_.Duration("AFTERSALES_REDIS_CONNECT_TIMEOUT", milliseconds(1000), milliseconds(1));
  redis_options.command_timeout =
      env_.Duration("AFTERSALES_REDIS_COMMAND_TIMEOUT", milliseconds(2000), milliseconds(1));
  redis_options.pool_size = env_.Int("AFTERSALES_REDIS_POOL_SIZE", 8, 1, 1024);
  grpcx::GrpcServerOptions grpc_options;
  grpc_options.address = listen_host + ":" + std::to_string(grpc_port);
  grpc_options.shutdown_grace = env_.Duration("AFTERSALES_SHUTDOWN_GRACE", milliseconds(10'000),
                                              milliseconds(0), milliseconds(120'000));
  grpc_options.max_connection_age = env_.Duration("AFTERSALES_GRPC_MAX_CONNECTION_AGE",
                                                  milliseconds(300'000), milliseconds(1000));
  const milliseconds health_interval =
      env_.Duration("AFTERSALES_HEALTH_INTERVAL", milliseconds(1000), milliseconds(10));
  const bool test_mode = env_.Bool(kTestModeVar, false);
  const std::string test_clock_file = env_.String(kTestClockVar, "");

  const Status env_status = env_.Finish();
  Result<std::unique_ptr<TestClock>> test_clock =
      OpenConfiguredTestClock(test_mode, test_clock_file);
  if (!env_status.ok() || !test_clock.ok()) {
    // One list in EnvConfig's layout, the clock's refusal as one more line.
    std::cerr << defaults_.name << ": bad configuration:\n"
              << (env_status.ok() ? std::string("invalid configuration:") : env_status.message())
              << "\n";
    if (!test_clock.ok()) std::cerr << "  " << test_clock.status().message() << "\n";
    std::cerr << std::flush;
    return 2;
  }
  const int64_t test_offset_ms = *test_clock ? (*test_clock)->offset().count() : 0;
  TheProcessClock().Use(std::move(test_clock).value());
  if (test_mode) {
    // Loud on purpose: a replica in test mode in a real deployment is a
    // mistake someone must see in the first screen of logs.
    log::Warn("TEST MODE: this process is configured for tests, not for production",
              {{"var", kTestModeVar}});
  }
  if (!test_clock_file.empty()) {
    log::Warn(
        "TEST CLOCK: business time is system time plus the offset in the test clock file, "
        "moved by the test; deadlines, due dates and records follow it",
        {{"var", kTestClockVar}, {"file", test_clock_file}, {"offset_ms", test_offset_ms}});
  }
  auto pool = redis::RedisPool::Create(redis_options);
  if (!pool.ok()) {
    std::cerr << defaults_.name << ": bad configuration: AFTERSALES_REDIS_HOST=\""
              << redis_options.host << "\": " << pool.status().message() << std::endl;
    return 2;
  }
  redis_ = std::move(pool).value();

  auto parts = factory(*this);
  if (!parts.ok()) {
    // A service's own settings are read in its factory; a bad one is a
    // configuration error like the host's, with the same exit code.
    if (parts.status().reason() == "INVALID_CONFIG") {
      std::cerr << defaults_.name << ": bad configuration:\n"
                << parts.status().message() << std::endl;
      return 2;
    }
    log::Error("service failed to start", {{"error", parts.status().ToString()}});
    return 1;
  }

  std::atomic<bool> redis_up{false};
  auto& up_gauge = metrics::DefaultRegistry().Gauge(
      "aftersales_redis_up", "1 when the last Redis ping succeeded", {{"service", name()}});

  HttpRouter router;
  InstallHealthRoutes(router, [&] { return redis_up.load(); });
  InstallMetricsRoute(router);
  HttpServerOptions http_options;
  http_options.address = listen_host;
  http_options.port = metrics_port;
  http_options.worker_threads = 1;
  HttpServer http(http_options, router.AsHandler());
  if (Status s = http.Start(); !s.ok()) {
    log::Error("metrics port failed", {{"error", s.ToString()}, {"port", metrics_port}});
    return 1;
  }

  std::vector<grpcx::NamedService> services;
  for (auto& s : parts->grpc_services) services.push_back({s.full_name, s.service.get()});
  grpcx::GrpcServer server(grpc_options, services);
  if (Status s = server.Start(); !s.ok()) {
    log::Error("grpc server failed", {{"error", s.ToString()}});
    http.Shutdown(milliseconds(1000));
    return 1;
  }

  // Health follows Redis: a replica that cannot reach its state stops getting
  // traffic, and gets it back once Redis answers again.
  std::jthread readiness([&](std::stop_token stop) {
    bool last = false;
    bool first = true;
    while (!stop.stop_requested()) {
      const Status ping = redis_->Ping();
      const bool ok = ping.ok();
      if (ok != last || first) {
        server.SetServing(ok);
        redis_up.store(ok);
        up_gauge.Set(ok ? 1 : 0);
        if (ok) {
          log::Info("redis reachable: serving");
        } else {
          log::Warn("redis unreachable: not serving", {{"error", ping.ToString()}});
        }
        last = ok;
        first = false;
      }
      std::mutex mu;
      std::condition_variable_any wakeup;
      std::unique_lock lock(mu);
      wakeup.wait_for(lock, stop, health_interval, [] { return false; });
    }
  });

  std::vector<std::jthread> workers;
  for (auto& work : parts->workers) workers.emplace_back(work);

  log::Info("started", {{"grpc_port", server.port()},
                        {"metrics_port", http.port()},
                        {"redis", redis_options.host + ":" + std::to_string(redis_options.port)}});
  const int sig = shutdown.Wait();
  log::Info("shutting down", {{"signal", SignalName(sig)}});

  server.SetServing(false);
  readiness.request_stop();
  readiness.join();
  for (auto& w : workers) w.request_stop();
  server.Shutdown();
  for (auto& w : workers) w.join();
  for (auto& stop : parts->on_stop) stop();
  http.Shutdown(milliseconds(2000));
  log::Info("stopped");
  return 0;
}

int RunService(ServiceDefaults defaults, const ServiceFactory& factory) {
  // Debian's Abseil is built with mutex deadlock detection on: every
  // absl::Mutex operation (gRPC takes several per call) then updates a
  // process-wide lock graph, 3-5% of a gRPC service's CPU. It is a debugging
  // aid; set before any server thread takes a mutex.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Before any thread starts, so that every thread inherits the blocked mask.
  ShutdownSignal shutdown;
  EnvConfig env;
  LogLevel level = LogLevel::kInfo;
  const std::string level_text = env.String("AFTERSALES_LOG_LEVEL", "info");
  if (!ParseLogLevel(level_text, level)) {
    std::cerr << defaults.name << ": bad configuration: AFTERSALES_LOG_LEVEL=\"" << level_text
              << "\" is not one of debug, info, warn, error" << std::endl;
    return 2;
  }
  SetDefaultLogger(std::make_shared<Logger>(LoggerOptions{defaults.name, level, nullptr}));
  ServiceHost host(std::move(defaults), env);
  return host.Run(factory, shutdown);
}

std::chrono::milliseconds StreamClaimIdle(EnvConfig& env) {
  return env.Duration("AFTERSALES_STREAMS_CLAIM_IDLE", std::chrono::seconds(30),
                      std::chrono::milliseconds(100), std::chrono::hours(1));
}

}  // namespace aftersales

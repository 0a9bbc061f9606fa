// intake-bench: CreateTicket over gRPC with many concurrent clients, next to a
// bare echo of the same RPC measured in the same run with the same client
// machinery; then Redis memory per stored ticket. Prints figures and ratios;
// asserts nothing.
//
//   intake-bench [--seconds S] [--clients C] [--channels K] [--rounds R] [--tickets N]
//                [--echo 0] [--create 0] [--batch 0]
// --echo 0 / --create 0 run one side only (to profile it with perf); --batch 0
// serves CreateTicket without the batch writer (each call its own script).
// Besides throughput and latency it prints CPU per call (this process: client
// and servers; redis-server: per ticket, and the script's own share), which
// moves far less with the neighbours' load than throughput does.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "aftersales/intake/v1/intake.grpc.pb.h"
#include "services/common/clock.h"
#include "services/common/grpc/client.h"
#include "services/common/grpc/server.h"
#include "services/common/redis/pool.h"
#include "services/intake/rpc/intake_service.h"
#include "services/intake/storage/batch_writer.h"
#include "services/intake/storage/intake_store.h"
#include "services/intake/storage/keys.h"
#include "services/intake/tickets/ticket_desk.h"
#include "tests/support/redis_server.h"

namespace aftersales::intake {
namespace {

namespace pb = ::aftersales::common::v1;
using Stub = v1::IntakeService::Stub;

// The baseline: the same RPC answered at once, with a ticket shaped like the
// real one, so that only intake's own work differs.
class EchoService final : public v1::IntakeService::CallbackService {
  grpc::ServerUnaryReactor* CreateTicket(grpc::CallbackServerContext* ctx,
                                         const v1::CreateTicketRequest* req,
                                         v1::Ticket* resp) override {
    resp->set_number("00000001");
    resp->set_customer_id(req->customer_id());
    resp->set_site_id(req->site_id());
    resp->set_symptoms(req->symptoms());
    resp->set_contact_name(req->contact_name());
    resp->set_contact_phone(req->contact_phone());
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

struct Options {
  int seconds = 5;
  int clients = 32;
  int channels = 4;
  int tickets = 10000;
  int rounds = 3;
  bool echo = true;    // --echo 0: CreateTicket only (for profiling)
  bool batch = true;   // --batch 0: each call writes its own ticket
  bool create = true;  // --create 0: echo only (for profiling)
};

struct Figures {
  double throughput = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  int64_t calls = 0;
  int64_t errors = 0;
  double cpu_us_per_call = 0;  // this process (server and client) per call
};

// CPU seconds (user + sys) this process has used so far.
double ProcessCpu() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

// `clients` threads, each a blocking caller on one of `channels` channels,
// for `seconds`; a short warm-up is not counted.
Figures Drive(int port, const Options& o, const v1::CreateTicketRequest& request) {
  std::vector<std::unique_ptr<Stub>> stubs;
  for (int c = 0; c < o.channels; ++c) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", c);  // distinct channels, not one shared subchannel
    stubs.push_back(v1::IntakeService::NewStub(grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials(), args)));
  }
  std::atomic<bool> measuring{false}, stop{false};
  std::atomic<int64_t> errors{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(o.clients));
  std::vector<std::thread> threads;
  for (int t = 0; t < o.clients; ++t) {
    threads.emplace_back([&, t] {
      Stub& stub = *stubs[static_cast<size_t>(t % o.channels)];
      auto& mine = latencies[static_cast<size_t>(t)];
      while (!stop.load()) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        ctx.AddMetadata("x-caller-role", "agent");
        ctx.AddMetadata("x-caller-subject", "bench");
        v1::Ticket resp;
        const auto start = std::chrono::steady_clock::now();
        grpc::Status s = stub.CreateTicket(&ctx, request, &resp);
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
        if (!measuring.load()) continue;
        if (!s.ok()) {
          errors.fetch_add(1);
          continue;
        }
        mine.push_back(ms);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // warm-up
  measuring.store(true);
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = ProcessCpu();
  std::this_thread::sleep_for(std::chrono::seconds(o.seconds));
  measuring.store(false);
  const double cpu = ProcessCpu() - cpu_start;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stop.store(true);
  for (auto& t : threads) t.join();
  std::vector<double> all;
  for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  Figures f;
  f.calls = static_cast<int64_t>(all.size());
  f.errors = errors.load();
  f.throughput = static_cast<double>(all.size()) / elapsed;
  f.p50_ms = Percentile(all, 0.50);
  f.p99_ms = Percentile(all, 0.99);
  f.cpu_us_per_call = all.empty() ? 0.0 : 1e6 * cpu / static_cast<double>(all.size());
  return f;
}

void Print(const char* name, const Figures& f) {
  std::printf(
      "%-14s %10.0f calls/s   p50 %7.3f ms   p99 %7.3f ms   (%lld calls, %lld errors, "
      "%.0f us CPU per call in the bench process)\n",
      name, f.throughput, f.p50_ms, f.p99_ms, static_cast<long long>(f.calls),
      static_cast<long long>(f.errors), f.cpu_us_per_call);
}

// Redis' own CPU seconds so far (user + sys): how much of a call is Redis'.
double RedisCpu(redis::RedisPool& pool) {
  auto info = pool.Command({"INFO", "cpu"});
  if (!info.ok()) return 0;
  const std::string text = info->string();
  double total = 0;
  for (const char* field : {"used_cpu_sys:", "used_cpu_user:"}) {
    const auto at = text.find(field);
    if (at != std::string::npos) total += std::atof(text.c_str() + at + std::strlen(field));
  }
  return total;
}

// EVALSHA calls Redis has run so far and the microseconds they took
// (INFO commandstats: the scripts' own time, without reading the commands).
struct ScriptStats {
  int64_t calls = 0;
  int64_t usec = 0;
};
ScriptStats Scripts(redis::RedisPool& pool) {
  ScriptStats out;
  auto info = pool.Command({"INFO", "commandstats"});
  if (!info.ok()) return out;
  const std::string text = info->string();
  const auto at = text.find("cmdstat_evalsha:calls=");
  if (at == std::string::npos) return out;
  out.calls = std::atoll(text.c_str() + at + std::strlen("cmdstat_evalsha:calls="));
  const auto usec = text.find("usec=", at);
  if (usec != std::string::npos) out.usec = std::atoll(text.c_str() + usec + std::strlen("usec="));
  return out;
}

int64_t UsedMemory(redis::RedisPool& pool) {
  auto info = pool.Command({"INFO", "memory"});
  if (!info.ok()) return -1;
  const std::string text = info->string();
  const auto at = text.find("used_memory:");
  if (at == std::string::npos) return -1;
  return std::atoll(text.c_str() + at + std::strlen("used_memory:"));
}

template <typename Req, typename Resp, typename Method>
Resp MustCall(Stub& stub, Method method, const Req& req) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  Resp resp;
  grpc::Status s = (stub.*method)(&ctx, req, &resp);
  if (!s.ok()) {
    std::fprintf(stderr, "setup call failed: %s\n", s.error_message().c_str());
    std::exit(1);
  }
  return resp;
}

int Run(const Options& o) {
  aftersales::testing::RedisServer redis_server(/*appendonly=*/false);
  redis::RedisOptions ro;
  ro.port = redis_server.port();
  ro.pool_size = 16;
  auto pool = std::move(redis::RedisPool::Create(ro).value());
  SystemClock clock;
  IntakeStore store(*pool);
  TicketDesk desk(store, clock);
  BatchTicketWriter writer(store);
  IntakeService intake(desk, o.batch ? &writer : nullptr);
  EchoService echo;
  grpcx::GrpcServer intake_server({}, {{v1::IntakeService::service_full_name(), &intake}});
  grpcx::GrpcServer echo_server({}, {{v1::IntakeService::service_full_name(), &echo}});
  if (!intake_server.Start().ok() || !echo_server.Start().ok()) {
    std::fprintf(stderr, "servers did not start\n");
    return 1;
  }

  // An install base for the reports.
  auto setup = v1::IntakeService::NewStub(
      grpcx::MakeChannel("127.0.0.1:" + std::to_string(intake_server.port())));
  v1::CreateCustomerRequest cc;
  cc.set_name("上海停车场管理有限公司");
  cc.set_contact_phone("+86 21 5555 0100");
  auto customer =
      MustCall<v1::CreateCustomerRequest, v1::Customer>(*setup, &Stub::CreateCustomer, cc);
  v1::CreateSiteRequest cs;
  cs.set_customer_id(customer.id());
  cs.set_name("浦东停车场");
  cs.set_zone(pb::CITY);
  cs.set_branch("shanghai");
  cs.set_latitude(31.2);
  cs.set_longitude(121.5);
  auto site = MustCall<v1::CreateSiteRequest, v1::Site>(*setup, &Stub::CreateSite, cs);
  v1::CreateAssetRequest ca;
  ca.set_serial_number("SN-BENCH");
  ca.set_model("PK-9000");
  ca.set_category(pb::MAINFRAME);
  ca.set_site_id(site.id());
  ca.set_accepted_on("2025-06-01");
  MustCall<v1::CreateAssetRequest, v1::Asset>(*setup, &Stub::CreateAsset, ca);

  v1::CreateTicketRequest report;
  report.set_customer_id(customer.id());
  report.set_site_id(site.id());
  report.set_asset_serial("SN-BENCH");
  report.set_kind(pb::FAULT);
  report.set_channel(v1::HOTLINE);
  report.set_contact_name("王伟");
  report.set_contact_phone("13800138000");
  report.set_symptoms("出口道闸不抬杆，地感线圈无反应");
  report.set_impact(v1::COMMON_DEVICE_DOWN);

  {
    // What each answers: the baseline's ticket is a shell of the real one.
    auto echo_stub = v1::IntakeService::NewStub(
        grpcx::MakeChannel("127.0.0.1:" + std::to_string(echo_server.port())));
    const auto real =
        MustCall<v1::CreateTicketRequest, v1::Ticket>(*setup, &Stub::CreateTicket, report);
    const auto shell =
        MustCall<v1::CreateTicketRequest, v1::Ticket>(*echo_stub, &Stub::CreateTicket, report);
    std::printf("request %zu bytes; response: CreateTicket %zu bytes, echo %zu bytes\n",
                report.ByteSizeLong(), real.ByteSizeLong(), shell.ByteSizeLong());
  }
  std::printf(
      "CreateTicket over gRPC: %d clients on %d channels, %d rounds of %d s each, "
      "echo and CreateTicket alternating, same client for both\n",
      o.clients, o.channels, o.rounds, o.seconds);
  // Alternating rounds: a neighbour's load that comes and goes hits both.
  std::vector<double> ratios, cpu_ratios;
  for (int round = 1; round <= o.rounds; ++round) {
    const Figures e = o.echo ? Drive(echo_server.port(), o, report) : Figures{};
    const double cpu_before = RedisCpu(*pool);
    const ScriptStats scripts_before = Scripts(*pool);
    const int64_t tickets_before =
        pool->Command({"ZCARD", keys::TicketsAll()})->integer().value_or(0);
    const Figures c = o.create ? Drive(intake_server.port(), o, report) : Figures{};
    const double redis_cpu = RedisCpu(*pool) - cpu_before;
    const ScriptStats scripts_after = Scripts(*pool);
    const int64_t runs = scripts_after.calls - scripts_before.calls;
    const int64_t script_usec = scripts_after.usec - scripts_before.usec;
    const int64_t written =
        pool->Command({"ZCARD", keys::TicketsAll()})->integer().value_or(0) - tickets_before;
    std::printf("round %d\n", round);
    Print("  echo", e);
    Print("  CreateTicket", c);
    std::printf(
        "  redis-server CPU %.2f s (%.0f us per ticket, of which the script %.0f us), %.1f "
        "tickets per script run\n",
        redis_cpu, written > 0 ? 1e6 * redis_cpu / static_cast<double>(written) : 0.0,
        written > 0 ? static_cast<double>(script_usec) / static_cast<double>(written) : 0.0,
        runs > 0 ? static_cast<double>(written) / static_cast<double>(runs) : 0.0);
    const double ratio = e.throughput > 0 ? 100.0 * c.throughput / e.throughput : 0.0;
    std::printf("  ratio CreateTicket/echo: throughput %.1f%%, p50 x%.2f, p99 x%.2f\n", ratio,
                e.p50_ms > 0 ? c.p50_ms / e.p50_ms : 0.0, e.p99_ms > 0 ? c.p99_ms / e.p99_ms : 0.0);
    ratios.push_back(ratio);
    // The machine is CPU-bound (two cores for the client, the server and
    // Redis), so CPU per call predicts the throughput ratio a quiet machine
    // would show; unlike throughput it barely moves with a neighbour's load.
    const double redis_us = written > 0 ? 1e6 * redis_cpu / static_cast<double>(written) : 0.0;
    const double cpu_ratio =
        c.calls > 0 ? 100.0 * e.cpu_us_per_call / (c.cpu_us_per_call + redis_us) : 0.0;
    std::printf("  CPU per call: echo %.0f us, CreateTicket %.0f + %.0f (redis) us: ratio %.1f%%\n",
                e.cpu_us_per_call, c.cpu_us_per_call, redis_us, cpu_ratio);
    cpu_ratios.push_back(cpu_ratio);
  }
  std::sort(cpu_ratios.begin(), cpu_ratios.end());
  std::printf("median CPU-per-call ratio over %d rounds: %.1f%%\n", o.rounds,
              cpu_ratios[cpu_ratios.size() / 2]);
  std::sort(ratios.begin(), ratios.end());
  std::printf("median throughput ratio over %d rounds: %.1f%% (target >= 60%%)\n", o.rounds,
              ratios[ratios.size() / 2]);

  // Memory: fresh keyspace but the install base, then N tickets each created
  // with a request id and responded to (two history lines, four clocks, three
  // index entries, its schedule entry, its request-id key).
  echo_server.Shutdown();
  intake_server.Shutdown();
  (void)pool->Command({"DEL", keys::Events(), keys::TicketsAll()});
  for (const char* s : {"OPEN", "RESPONDED"}) {
    for (const char* v : {"EMERGENCY", "MAJOR", "MINOR", "NOTICE"}) {
      (void)pool->Command({"DEL", keys::TicketsByState(s, v)});
    }
  }
  (void)pool->Command({"DEL", keys::TicketsByCustomer(customer.id()), keys::ClockSchedule()});
  {
    // Drop the throughput phase's tickets and request keys.
    std::string cursor = "0";
    for (int guard = 0; guard < 100000; ++guard) {
      auto r = pool->Command({"SCAN", cursor, "MATCH", "{intake}:ticket:*", "COUNT", "1000"});
      if (!r.ok()) break;
      cursor = (*r)[0].string();
      for (size_t i = 0; i < (*r)[1].size(); ++i) (void)pool->Command({"DEL", (*r)[1][i].string()});
      if (cursor == "0") break;
    }
  }
  const int64_t before = UsedMemory(*pool);
  const Caller agent{"agent", "bench", ""};
  NewTicket nt;
  nt.customer_id = customer.id();
  nt.site_id = site.id();
  nt.asset_id = "SN-BENCH";
  nt.contact_name = "王伟";
  nt.contact_phone = "13800138000";
  nt.symptoms = "出口道闸不抬杆，地感线圈无反应";
  nt.impact = "COMMON_DEVICE_DOWN";
  for (int i = 0; i < o.tickets; ++i) {
    std::string rid = "bench-";
    rid += std::to_string(i);
    Result<StoredTicket> t = desk.Create(nt, agent, rid);
    if (!t.ok()) {
      std::fprintf(stderr, "create failed: %s\n", t.status().ToString().c_str());
      return 1;
    }
    if (!desk.Respond(t->record.number, agent, "", "called back").ok()) return 1;
  }
  const int64_t with_events = UsedMemory(*pool);
  (void)pool->Command({"DEL", keys::Events()});
  const int64_t after = UsedMemory(*pool);
  std::printf(
      "memory: %d tickets (2 history lines, 4 clocks, 3 index entries, schedule, request id)\n",
      o.tickets);
  std::printf("  used_memory before %lld, after %lld bytes\n", static_cast<long long>(before),
              static_cast<long long>(after));
  std::printf(
      "  per ticket: %.0f bytes (target < 2048); with its 2 outbox events still on the "
      "stream: %.0f bytes\n",
      static_cast<double>(after - before) / o.tickets,
      static_cast<double>(with_events - before) / o.tickets);
  return 0;
}

}  // namespace
}  // namespace aftersales::intake

int main(int argc, char** argv) {
  // As every service's host does (services/common/host): Debian's Abseil has
  // mutex deadlock detection on, which costs each gRPC call (echo included).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  aftersales::intake::Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (value < 0 || (value == 0 && flag != "--echo" && flag != "--batch" && flag != "--create")) {
      std::fprintf(stderr, "%s needs a positive number\n", flag.c_str());
      return 2;
    }
    if (flag == "--seconds")
      o.seconds = value;
    else if (flag == "--clients")
      o.clients = value;
    else if (flag == "--channels")
      o.channels = value;
    else if (flag == "--tickets")
      o.tickets = value;
    else if (flag == "--rounds")
      o.rounds = value;
    else if (flag == "--echo")
      o.echo = value != 0;
    else if (flag == "--batch")
      o.batch = value != 0;
    else if (flag == "--create")
      o.create = value != 0;
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  return aftersales::intake::Run(o);
}

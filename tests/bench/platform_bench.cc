// platform-bench: the whole platform as real processes (redis-server, four
// services, gateway) on 127.0.0.1, each figure next to a baseline measured in
// the same run:
//   1. POST /v1/tickets through the gateway (wrk) next to the same
//      CreateTicket directly over gRPC;
//   2. event append: a bare XADD of an event-sized entry (redis-benchmark)
//      next to the platform's outbox append (its Lua prelude, same client)
//      and to the events CreateTicket appended over gRPC in part 1;
//   3. on-site requested -> work order assigned at a steady, open-loop ticket
//      rate: create, respond and request on site over gRPC, the latency read
//      from the two events' stream entry ids (Redis server time: one clock);
//      then Redis memory per on-site ticket across all services.
// Prints figures and ratios; asserts nothing.
//
//   platform-bench [--seconds S] [--clients C] [--rate R] [--duration D]
//                  [--engineers E] [--max-jobs J] [--requests N]
//                  [--create-only 1]   (part 1 only)
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "aftersales/dispatch/v1/dispatch.grpc.pb.h"
#include "aftersales/events/v1/dispatch_events.pb.h"
#include "aftersales/events/v1/intake_events.pb.h"
#include "aftersales/intake/v1/intake.grpc.pb.h"
#include "services/common/auth/jwt.h"
#include "services/common/grpc/client.h"
#include "services/common/redis/pool.h"
#include "services/common/streams/outbox.h"
#include "tests/bench/bench_support.h"
#include "tests/e2e/platform.h"
#include "tests/support/http_client.h"

namespace aftersales {
namespace {

namespace pb = ::aftersales::common::v1;
using IntakeStub = intake::v1::IntakeService::Stub;
using DispatchStub = dispatch::v1::DispatchService::Stub;
using Stopwatch = std::chrono::steady_clock;
using bench::Figures;
using bench::Percentile;
using bench::Shell;
using google::protobuf::util::TimeUtil;

constexpr char kSecret[] = "platform-bench-secret-0123456789abcdef";
constexpr char kSkill[] = "parking";
constexpr double kSiteLat = 31.2, kSiteLng = 121.5;

struct Options {
  int seconds = 5;       // each throughput phase
  int clients = 32;      // gRPC callers = wrk connections = gateway HTTP workers
  int rate = 500;        // tickets per second, phase 3
  int duration = 20;     // seconds, phase 3
  int engineers = 2000;  // on duty in phase 3
  int max_jobs = 6;      // each engineer's job limit
  int requests = 50000;  // per redis-benchmark run
  int create_only = 0;   // 1: part 1 only (the gateway's POST against direct gRPC)
};

double Ratio(double a, double b) { return b > 0 ? a / b : 0; }

std::string Token() {
  auth::Claims c;
  c.sub = "bench";
  c.role = "admin";
  c.exp = std::chrono::system_clock::now() + std::chrono::hours(2);
  return auth::SignJwt(c, kSecret);
}

// What the gateway puts on its calls for this token.
void AsCaller(grpc::ClientContext& ctx) {
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ctx.AddMetadata("x-caller-role", "admin");
  ctx.AddMetadata("x-caller-subject", "bench");
}

template <typename Stub, typename Req, typename Resp, typename Method>
Resp MustCall(Stub& stub, Method method, const Req& req) {
  grpc::ClientContext ctx;
  AsCaller(ctx);
  Resp resp;
  grpc::Status s = (stub.*method)(&ctx, req, &resp);
  if (!s.ok()) {
    // Thrown, not exited: unwinding stops the platform's processes.
    throw std::runtime_error("setup call failed: " + s.error_message());
  }
  return resp;
}

// Several distinct channels (not one shared subchannel), as intake-bench does.
template <typename Service>
std::vector<std::unique_ptr<typename Service::Stub>> Stubs(int port, int channels) {
  std::vector<std::unique_ptr<typename Service::Stub>> stubs;
  for (int c = 0; c < channels; ++c) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", c);
    stubs.push_back(Service::NewStub(grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials(), args)));
  }
  return stubs;
}

// ---------------------------------------------------------------- install base

struct InstallBase {
  std::string customer_id;
  std::string site_id;
  std::string asset_serial = "SN-BENCH";
};

InstallBase SeedInstallBase(IntakeStub& stub) {
  InstallBase b;
  intake::v1::CreateCustomerRequest cc;
  cc.set_name("上海停车场管理有限公司");
  cc.set_contact_name("王伟");
  cc.set_contact_phone("+86 21 5555 0100");
  b.customer_id = MustCall<IntakeStub, intake::v1::CreateCustomerRequest, intake::v1::Customer>(
                      stub, &IntakeStub::CreateCustomer, cc)
                      .id();
  intake::v1::CreateSiteRequest cs;
  cs.set_customer_id(b.customer_id);
  cs.set_name("浦东停车场");
  cs.set_address("上海市浦东新区世纪大道 1 号");
  cs.set_zone(pb::CITY);
  cs.set_branch("shanghai");
  cs.set_latitude(kSiteLat);
  cs.set_longitude(kSiteLng);
  b.site_id = MustCall<IntakeStub, intake::v1::CreateSiteRequest, intake::v1::Site>(
                  stub, &IntakeStub::CreateSite, cs)
                  .id();
  intake::v1::CreateAssetRequest ca;
  ca.set_serial_number(b.asset_serial);
  ca.set_model("PK-9000");
  ca.set_category(pb::MAINFRAME);
  ca.set_site_id(b.site_id);
  ca.set_accepted_on("2025-06-01");
  MustCall<IntakeStub, intake::v1::CreateAssetRequest, intake::v1::Asset>(
      stub, &IntakeStub::CreateAsset, ca);
  return b;
}

intake::v1::CreateTicketRequest Report(const InstallBase& b) {
  intake::v1::CreateTicketRequest r;
  r.set_customer_id(b.customer_id);
  r.set_site_id(b.site_id);
  r.set_asset_serial(b.asset_serial);
  r.set_kind(pb::FAULT);
  r.set_channel(intake::v1::HOTLINE);
  r.set_contact_name("王伟");
  r.set_contact_phone("13800138000");
  r.set_symptoms("出口道闸不抬杆，地感线圈无反应");
  r.set_impact(intake::v1::COMMON_DEVICE_DOWN);
  *r.mutable_started_at() = TimeUtil::SecondsToTimestamp(1795000000);
  return r;
}

// The same report as the gateway's JSON body.
std::string ReportJson(const InstallBase& b) {
  return R"({"customerId":")" + b.customer_id + R"(","siteId":")" + b.site_id +
         R"(","assetSerial":")" + b.asset_serial +
         R"(","kind":"FAULT","channel":"HOTLINE","contactName":"王伟","contactPhone":"13800138000",)"
         R"("symptoms":"出口道闸不抬杆，地感线圈无反应","impact":"COMMON_DEVICE_DOWN",)"
         R"("startedAt":"2026-11-18T08:26:40Z"})";
}

// Engineers on duty around the site, with the skill and zone every bench
// ticket needs; several seeding threads, as the set-up is not measured.
void SeedEngineers(int port, int count, int max_jobs) {
  auto stubs = Stubs<dispatch::v1::DispatchService>(port, 4);
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<uint64_t>(t) + 1);
      std::uniform_real_distribution<double> d(-0.05, 0.05);
      DispatchStub& stub = *stubs[static_cast<size_t>(t % 4)];
      for (int i = next++; i < count; i = next++) {
        dispatch::v1::CreateEngineerRequest c;
        std::string name = "Engineer ";
        name += std::to_string(i);
        c.set_name(name);
        c.set_phone("13900139000");
        c.set_branch("shanghai");
        c.add_skills(kSkill);
        c.add_zones(pb::CITY);
        c.set_max_concurrent_jobs(max_jobs);
        auto e =
            MustCall<DispatchStub, dispatch::v1::CreateEngineerRequest, dispatch::v1::Engineer>(
                stub, &DispatchStub::CreateEngineer, c);
        dispatch::v1::SetEngineerStatusRequest on;
        on.set_engineer_id(e.id());
        on.set_state(dispatch::v1::Engineer::AVAILABLE);
        on.set_latitude(kSiteLat + d(rng));
        on.set_longitude(kSiteLng + d(rng));
        MustCall<DispatchStub, dispatch::v1::SetEngineerStatusRequest,
                 dispatch::v1::SetEngineerStatusResponse>(stub, &DispatchStub::SetEngineerStatus,
                                                          on);
      }
    });
  }
  for (auto& t : threads) t.join();
}

// ---------------------------------------------------------------- Redis probes

std::string Info(redis::RedisPool& pool, const std::string& section) {
  auto r = pool.Command({"INFO", section});
  return r.ok() ? r->string() : "";
}

int64_t InfoNumber(const std::string& text, const std::string& field) {
  const auto at = text.find(field);
  return at == std::string::npos ? -1 : std::atoll(text.c_str() + at + field.size());
}

// Starts an AOF rewrite (or joins a running one) and waits until none is
// running or scheduled; false when that takes longer than `limit`.
bool CompactAof(redis::RedisPool& pool, std::chrono::seconds limit) {
  (void)pool.Command({"BGREWRITEAOF"});  // "already in progress" is fine too
  const auto until = Stopwatch::now() + limit;
  while (Stopwatch::now() < until) {
    const std::string text = Info(pool, "persistence");
    if (InfoNumber(text, "aof_rewrite_in_progress:") == 0 &&
        InfoNumber(text, "aof_rewrite_scheduled:") == 0) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

int64_t StreamLength(redis::RedisPool& pool, const std::string& key) {
  auto r = pool.Command({"XLEN", key});
  return r.ok() ? r->integer().value_or(0) : 0;
}

// The newest entry id of a stream, "0-0" when it has none.
std::string LastId(redis::RedisPool& pool, const std::string& key) {
  auto r = pool.Command({"XREVRANGE", key, "+", "-", "COUNT", "1"});
  if (!r.ok() || !r->is_array() || r->size() == 0) return "0-0";
  return (*r)[0][0].string();
}

// Waits (bounded) until every consumer group of `stream` has read and
// acknowledged everything, so that a measurement does not start behind the
// backlog an earlier one left; returns the seconds waited, -1 on time-out.
double WaitForConsumers(redis::RedisPool& pool, const std::string& stream,
                        std::chrono::seconds timeout) {
  const auto start = Stopwatch::now();
  while (Stopwatch::now() - start < timeout) {
    auto r = pool.Command({"XINFO", "GROUPS", stream});
    bool idle = r.ok() && r->is_array();
    for (size_t g = 0; idle && g < r->size(); ++g) {
      const auto group = (*r)[g];
      for (size_t f = 0; f + 1 < group.size(); f += 2) {
        const std::string name = group[f].string();
        if ((name == "pending" || name == "lag") && group[f + 1].integer().value_or(1) != 0) {
          idle = false;  // a nil lag (unknown) counts as not caught up
        }
      }
    }
    if (idle) return std::chrono::duration<double>(Stopwatch::now() - start).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return -1;
}

int64_t IdMillis(const std::string& id) { return std::atoll(id.c_str()); }

// Reads a stream forward from an id, a page at a time: entries are read after
// the run rather than tailed, since retention is set far beyond the run.
class StreamReader {
 public:
  struct Entry {
    std::string id;
    std::map<std::string, std::string> fields;
    std::string Field(const std::string& name) const {
      auto it = fields.find(name);
      return it == fields.end() ? "" : it->second;
    }
  };
  StreamReader(redis::RedisPool& pool, std::string key, std::string after)
      : pool_(pool), key_(std::move(key)), after_(std::move(after)) {}

  std::vector<Entry> Next() {
    std::vector<Entry> out;
    auto r = pool_.Command({"XRANGE", key_, "(" + after_, "+", "COUNT", "2000"});
    if (!r.ok() || !r->is_array()) return out;
    for (size_t i = 0; i < r->size(); ++i) {
      Entry e;
      e.id = (*r)[i][0].string();
      const auto fields = (*r)[i][1];
      for (size_t f = 0; f + 1 < fields.size(); f += 2) {
        e.fields[fields[f].string()] = fields[f + 1].string();
      }
      after_ = e.id;
      out.push_back(std::move(e));
    }
    return out;
  }

 private:
  redis::RedisPool& pool_;
  std::string key_;
  std::string after_;
};

// ------------------------------------------------- 1. CreateTicket: gRPC, HTTP

// `clients` blocking callers for `seconds` after a short warm-up, each ticket
// with its own request id.
Figures DriveCreateTicket(int port, const Options& o, const intake::v1::CreateTicketRequest& report,
                          const std::string& run) {
  auto stubs = Stubs<intake::v1::IntakeService>(port, 4);
  std::atomic<bool> measuring{false}, stop{false};
  std::atomic<int64_t> errors{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(o.clients));
  std::vector<std::thread> threads;
  for (int t = 0; t < o.clients; ++t) {
    threads.emplace_back([&, t] {
      IntakeStub& stub = *stubs[static_cast<size_t>(t) % stubs.size()];
      intake::v1::CreateTicketRequest req = report;
      for (int64_t n = 0; !stop.load(); ++n) {
        std::string rid = run;
        rid += '-';
        rid += std::to_string(t);
        rid += '-';
        rid += std::to_string(n);
        req.set_request_id(rid);
        grpc::ClientContext ctx;
        AsCaller(ctx);
        intake::v1::Ticket resp;
        const auto start = Stopwatch::now();
        grpc::Status s = stub.CreateTicket(&ctx, req, &resp);
        const double ms =
            std::chrono::duration<double, std::milli>(Stopwatch::now() - start).count();
        if (!measuring.load()) continue;
        if (!s.ok()) {
          errors.fetch_add(1);
          continue;
        }
        latencies[static_cast<size_t>(t)].push_back(ms);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  measuring = true;
  const auto start = Stopwatch::now();
  std::this_thread::sleep_for(std::chrono::seconds(o.seconds));
  measuring = false;
  const double elapsed = std::chrono::duration<double>(Stopwatch::now() - start).count();
  stop = true;
  for (auto& t : threads) t.join();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  Figures f;
  f.calls = static_cast<int64_t>(all.size());
  f.errors = errors.load();
  f.rps = static_cast<double>(all.size()) / elapsed;
  f.p50_ms = Percentile(all, 0.50);
  f.p99_ms = Percentile(all, 0.99);
  return f;
}

// wrk POSTing the report with a fresh Idempotency-Key (and X-Request-Id) on
// every request, so each one creates a ticket.
Figures WrkPostTickets(int port, const Options& o, const std::string& body,
                       const std::string& run) {
  const std::string script = "/tmp/platform_bench_" + std::to_string(::getpid()) + ".lua";
  std::ofstream(script) << "local token = \"" << Token() << "\"\n"
                        << "local body = [==[" << body << "]==]\n"
                        << "next_thread = 0\n"
                        << "function setup(thread)\n"
                        << "  thread:set(\"thread_no\", next_thread)\n"
                        << "  next_thread = next_thread + 1\n"
                        << "end\n"
                        << "sent = 0\n"
                        << "function request()\n"
                        << "  sent = sent + 1\n"
                        << "  local key = \"" << run << "-\" .. thread_no .. \"-\" .. sent\n"
                        << "  return wrk.format(\"POST\", \"/v1/tickets\", {\n"
                        << "    [\"Authorization\"] = \"Bearer \" .. token,\n"
                        << "    [\"Content-Type\"] = \"application/json\",\n"
                        << "    [\"Idempotency-Key\"] = key,\n"
                        << "    [\"X-Request-Id\"] = key,\n"
                        << "  }, body)\n"
                        << "end\n";
  const std::string out =
      Shell("wrk -t2 -c" + std::to_string(o.clients) + " -d" + std::to_string(o.seconds) +
            "s --latency -s " + script + " http://127.0.0.1:" + std::to_string(port) + " 2>&1");
  std::remove(script.c_str());
  std::cout << out;
  return bench::ParseWrk(out);
}

void PrintRow(const char* what, const Figures& f) {
  std::printf("%-40s %10.0f %9.2f %9.2f %9lld %7lld\n", what, f.rps, f.p50_ms, f.p99_ms,
              static_cast<long long>(f.calls), static_cast<long long>(f.errors));
}

void PrintHeader() {
  std::printf("%-40s %10s %9s %9s %9s %7s\n", "", "per s", "p50 ms", "p99 ms", "calls", "errors");
}

// ------------------------------------------------------------ 2. event append

Figures RedisBenchmark(int port, int clients, int requests, const std::string& command) {
  const std::string out = Shell("redis-benchmark -h 127.0.0.1 -p " + std::to_string(port) + " -c " +
                                std::to_string(clients) + " -n " + std::to_string(requests) +
                                " --csv " + command + " 2>&1");
  Figures f = bench::ParseRedisBenchmarkCsv(out);
  if (f.rps <= 0) std::cout << "redis-benchmark gave no figures:\n" << out;
  f.calls = requests;
  return f;
}

// Medians over alternating rounds: a neighbour's load that comes and goes
// hits both.
struct AppendFigures {
  Figures xadd, outbox;
  double xadd_server_us = 0, outbox_server_us = 0;
  double throughput_ratio = 0;  // outbox / bare, median of the rounds' ratios
};

double Median(std::vector<double> v) { return Percentile(std::move(v), 0.5); }

// One real TicketReported entry's fields shape both runs: same field names,
// same value sizes, so only the way of appending differs.
AppendFigures MeasureAppend(redis::RedisPool& pool, int port, const Options& o) {
  std::map<std::string, std::string> shape;
  auto last = pool.Command({"XREVRANGE", "{intake}:events", "+", "-", "COUNT", "50"});
  for (size_t i = 0; last.ok() && i < last->size(); ++i) {
    std::map<std::string, std::string> entry;
    const auto f = (*last)[i][1];
    for (size_t k = 0; k + 1 < f.size(); k += 2) entry[f[k].string()] = f[k + 1].string();
    if (entry["type"] == events::v1::TicketReported::descriptor()->full_name()) {
      shape = entry;
      break;
    }
  }
  const size_t payload = shape.count("payload") ? shape["payload"].size() : 400;
  shape["payload"] = std::string(payload, 'x');  // same size, shell-safe
  const std::map<std::string, std::string> fallback = {
      {"id", "00000000-0000-0000-0000-000000000000"},
      {"type", events::v1::TicketReported::descriptor()->full_name()},
      {"aggregate", "2611220001"},
      {"time", "1795000000000"}};
  std::string fields, values;  // "id 'v' type 'v' ..." for XADD, "'v' 'v' ..." for ARGV
  for (const char* name : {"id", "type", "aggregate", "time", "payload"}) {
    const std::string v = shape.count(name) ? shape[name] : fallback.at(name);
    fields += std::string(" ") + name + " '" + v + "'";
    values += " '" + v + "'";
  }
  std::printf(
      "entry: 5 fields as TicketReported's (payload %zu bytes); %d connections, %d "
      "requests each run, 3 rounds alternating\n",
      payload, o.clients, o.requests);

  auto server_us = [&](const std::string& cmd, int64_t& calls, int64_t& usec) {
    const std::string text = Info(pool, "commandstats");
    calls = InfoNumber(text, "cmdstat_" + cmd + ":calls=");
    usec = InfoNumber(text, "cmdstat_" + cmd + ":calls=" + std::to_string(calls) + ",usec=");
  };
  const redis::Script outbox(streams::OutboxScript("return aftersales_emit_argv(KEYS[1], 1)\n"));
  (void)pool.Command({"SCRIPT", "LOAD", outbox.source()});
  std::vector<double> x_rps, x_p50, x_p99, x_us, o_rps, o_p50, o_p99, o_us, ratios;
  for (int round = 1; round <= 3; ++round) {
    int64_t c0, u0, c1, u1;
    server_us("xadd", c0, u0);
    const Figures x = RedisBenchmark(port, o.clients, o.requests, "XADD bench:xadd '*'" + fields);
    server_us("xadd", c1, u1);
    x_us.push_back(Ratio(static_cast<double>(u1 - u0), static_cast<double>(c1 - c0)));
    server_us("evalsha", c0, u0);
    const Figures e = RedisBenchmark(port, o.clients, o.requests,
                                     "EVALSHA " + outbox.sha() + " 1 bench:outbox" + values);
    server_us("evalsha", c1, u1);
    o_us.push_back(Ratio(static_cast<double>(u1 - u0), static_cast<double>(c1 - c0)));
    std::printf(
        "round %d: bare XADD %.0f/s (redis %.1f us/call), outbox append %.0f/s (redis "
        "%.1f us/call)\n",
        round, x.rps, x_us.back(), e.rps, o_us.back());
    x_rps.push_back(x.rps), x_p50.push_back(x.p50_ms), x_p99.push_back(x.p99_ms);
    o_rps.push_back(e.rps), o_p50.push_back(e.p50_ms), o_p99.push_back(e.p99_ms);
    ratios.push_back(Ratio(e.rps, x.rps));
    (void)pool.Command({"DEL", "bench:xadd", "bench:outbox"});
  }
  AppendFigures a;
  a.xadd = {Median(x_rps), Median(x_p50), Median(x_p99), o.requests, 0};
  a.outbox = {Median(o_rps), Median(o_p50), Median(o_p99), o.requests, 0};
  a.xadd_server_us = Median(x_us);
  a.outbox_server_us = Median(o_us);
  a.throughput_ratio = Median(ratios);
  return a;
}

// ---------------------------------------------- 3. on-site requested -> assigned

struct OnsiteRun {
  int requested = 0;             // RequestOnsite answered OK
  int errors = 0;                // any of the three calls failed
  double drive_s = 0;            // first scheduled start to last call answered
  std::vector<double> lag_ms;    // actual start - scheduled start
  std::vector<double> chain_ms;  // create + respond + request on site, client side
  std::set<std::string> numbers;
};

// Ticket k starts at t0 + k/rate whatever happened to the others (open loop):
// enough callers that none is late unless the platform itself is.
OnsiteRun DriveOnsite(int port, int rate, int duration,
                      const intake::v1::CreateTicketRequest& report, const std::string& run) {
  const int total = rate * duration;
  // A chain takes a few ms when the platform keeps up; half a second's worth
  // of callers keeps the schedule even when it takes hundreds.
  const int callers = std::max(16, rate / 2);
  auto stubs = Stubs<intake::v1::IntakeService>(port, 4);
  OnsiteRun r;
  std::mutex mu;
  std::atomic<int> next{0};
  const auto period = std::chrono::nanoseconds(1000000000LL / rate);
  const auto t0 = Stopwatch::now() + std::chrono::milliseconds(100);
  std::vector<std::thread> threads;
  for (int t = 0; t < callers; ++t) {
    threads.emplace_back([&, t] {
      IntakeStub& stub = *stubs[static_cast<size_t>(t) % stubs.size()];
      intake::v1::CreateTicketRequest create = report;
      for (int k = next++; k < total; k = next++) {
        const auto due = t0 + period * k;
        std::this_thread::sleep_until(due);
        const auto start = Stopwatch::now();
        std::string rid = run;
        rid += '-';
        rid += std::to_string(k);
        create.set_request_id(rid + "-c");
        intake::v1::Ticket ticket;
        grpc::Status s;
        {
          grpc::ClientContext ctx;
          AsCaller(ctx);
          s = stub.CreateTicket(&ctx, create, &ticket);
        }
        if (s.ok()) {
          intake::v1::RespondTicketRequest respond;
          respond.set_ticket_number(ticket.number());
          respond.set_note("called back, engineer needed");
          respond.set_request_id(rid + "-r");
          intake::v1::RespondTicketResponse responded;
          grpc::ClientContext ctx;
          AsCaller(ctx);
          s = stub.RespondTicket(&ctx, respond, &responded);
        }
        if (s.ok()) {
          intake::v1::RequestOnsiteRequest onsite;
          onsite.set_ticket_number(ticket.number());
          onsite.set_required_skill(kSkill);
          onsite.set_note("barrier needs a technician");
          onsite.set_request_id(rid + "-o");
          intake::v1::RequestOnsiteResponse requested;
          grpc::ClientContext ctx;
          AsCaller(ctx);
          s = stub.RequestOnsite(&ctx, onsite, &requested);
        }
        const auto end = Stopwatch::now();
        std::lock_guard lock(mu);
        r.lag_ms.push_back(std::chrono::duration<double, std::milli>(start - due).count());
        if (!s.ok()) {
          if (r.errors++ == 0) {
            std::printf("first failed call: %d %s\n", static_cast<int>(s.error_code()),
                        s.error_message().c_str());
          }
          continue;
        }
        ++r.requested;
        r.numbers.insert(ticket.number());
        r.chain_ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
        r.drive_s = std::max(r.drive_s, std::chrono::duration<double>(end - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  return r;
}

struct Latencies {
  std::vector<double> ms;  // per assigned ticket
  int requested_events = 0;
  int64_t first_request_ms = 0, last_request_ms = 0;
  int64_t first_assign_ms = 0, last_assign_ms = 0;
  int64_t intake_entries = 0;  // every entry on intake's stream meanwhile
};

// Pairs each bench ticket's TicketOnsiteRequested entry with its first
// WorkOrderAssigned entry; waits (bounded) for dispatch to catch up.
Latencies CollectLatencies(redis::RedisPool& pool, const std::string& intake_from,
                           const std::string& dispatch_from, const OnsiteRun& run) {
  StreamReader requests(pool, "{intake}:events", intake_from);
  StreamReader assignments(pool, "{dispatch}:events", dispatch_from);
  std::map<std::string, int64_t> requested_at, assigned_at;
  const auto deadline = Stopwatch::now() + std::chrono::seconds(30);
  int64_t intake_entries = 0;
  while (true) {
    for (bool more = true; more;) {
      const std::vector<StreamReader::Entry> batch = requests.Next();
      more = !batch.empty();
      intake_entries += static_cast<int64_t>(batch.size());
      for (const auto& e : batch) {
        if (e.Field("type") != events::v1::TicketOnsiteRequested::descriptor()->full_name())
          continue;
        if (!run.numbers.count(e.Field("aggregate"))) continue;
        requested_at.emplace(e.Field("aggregate"), IdMillis(e.id));
      }
    }
    for (bool more = true; more;) {
      const std::vector<StreamReader::Entry> batch = assignments.Next();
      more = !batch.empty();
      for (const auto& e : batch) {
        if (e.Field("type") != events::v1::WorkOrderAssigned::descriptor()->full_name()) continue;
        events::v1::WorkOrderAssigned a;
        if (!a.ParseFromString(e.Field("payload"))) continue;
        if (!run.numbers.count(a.ticket_number())) continue;
        assigned_at.emplace(a.ticket_number(), IdMillis(e.id));
      }
    }
    if (static_cast<int>(assigned_at.size()) >= run.requested || Stopwatch::now() > deadline) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  Latencies l;
  l.intake_entries = intake_entries;
  l.requested_events = static_cast<int>(requested_at.size());
  for (const auto& [number, at] : requested_at) {
    if (l.first_request_ms == 0 || at < l.first_request_ms) l.first_request_ms = at;
    l.last_request_ms = std::max(l.last_request_ms, at);
    auto it = assigned_at.find(number);
    if (it == assigned_at.end()) continue;
    l.ms.push_back(static_cast<double>(it->second - at));
    if (l.first_assign_ms == 0 || it->second < l.first_assign_ms) l.first_assign_ms = it->second;
    l.last_assign_ms = std::max(l.last_assign_ms, it->second);
  }
  return l;
}

struct OnsitePass {
  int rate = 0;
  OnsiteRun run;
  Latencies lat;
  double p50 = 0, p99 = 0, max = 0;
  int64_t memory_growth = 0;  // Redis used_memory, all services
  int64_t aof_rewrites = 0;   // AOF rewrites (a fork) that started during the pass
};

OnsitePass RunOnsitePass(redis::RedisPool& pool, int intake_port, int rate, int duration,
                         const intake::v1::CreateTicketRequest& report, const std::string& run) {
  OnsitePass p;
  p.rate = rate;
  const std::string intake_from = LastId(pool, "{intake}:events");
  const std::string dispatch_from = LastId(pool, "{dispatch}:events");
  const int64_t memory_before = InfoNumber(Info(pool, "memory"), "used_memory:");
  const int64_t rewrites_before = InfoNumber(Info(pool, "persistence"), "aof_rewrites:");
  p.run = DriveOnsite(intake_port, rate, duration, report, run);
  p.aof_rewrites = InfoNumber(Info(pool, "persistence"), "aof_rewrites:") - rewrites_before;
  p.lat = CollectLatencies(pool, intake_from, dispatch_from, p.run);
  p.memory_growth = InfoNumber(Info(pool, "memory"), "used_memory:") - memory_before;
  p.p50 = Percentile(p.lat.ms, 0.50);
  p.p99 = Percentile(p.lat.ms, 0.99);
  p.max = p.lat.ms.empty() ? 0 : *std::max_element(p.lat.ms.begin(), p.lat.ms.end());
  return p;
}

void PrintOnsite(const char* what, const OnsitePass& p) {
  const double span_s = static_cast<double>(p.lat.last_request_ms - p.lat.first_request_ms) / 1000;
  const double lag_max =
      p.run.lag_ms.empty() ? 0 : *std::max_element(p.run.lag_ms.begin(), p.run.lag_ms.end());
  const double assign_span_s =
      static_cast<double>(p.lat.last_assign_ms - p.lat.first_assign_ms) / 1000;
  std::printf("%-22s %6d %8.0f %8.0f %8d %8zu %6d | %8.1f %8.1f | %6.0f %6.0f %6.0f\n", what,
              p.rate, Ratio(p.lat.requested_events - 1, span_s),
              Ratio(static_cast<double>(p.lat.ms.size()) - 1, assign_span_s), p.run.requested,
              p.lat.ms.size(), p.run.errors, Percentile(p.run.lag_ms, 0.99), lag_max, p.p50, p.p99,
              p.max);
}

// ------------------------------------------------------------------------ main

int Run(const Options& o) {
  bench::FindPlatformBinaries();
  const std::string workers = std::to_string(o.clients);
  testing::Platform platform({{"AFTERSALES_JWT_SECRET", kSecret},
                              {"AFTERSALES_RATE_LIMIT", "0"},
                              {"AFTERSALES_HTTP_WORKERS", workers},
                              {"AFTERSALES_LOG_LEVEL", "warn"},
                              // Entries stay on the streams until read below.
                              {"AFTERSALES_INTAKE_EVENT_RETENTION", "3600s"},
                              {"AFTERSALES_DISPATCH_EVENT_RETENTION", "3600s"}});
  const int http_port = platform.gateway().http_port;
  const int intake_port = platform.service("intake").grpc_port;
  for (int i = 0; i < 100 && testing::HttpGet(http_port, "/readyz").status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  redis::RedisOptions ro;
  ro.port = platform.redis().port();
  ro.pool_size = 4;
  auto pool = std::move(redis::RedisPool::Create(ro).value());
  const std::string run = "pb" + std::to_string(::getpid());

  auto setup = intake::v1::IntakeService::NewStub(
      grpcx::MakeChannel("127.0.0.1:" + std::to_string(intake_port)));
  const InstallBase base = SeedInstallBase(*setup);
  const intake::v1::CreateTicketRequest report = Report(base);
  const std::string body = ReportJson(base);
  const auto probe = testing::HttpRequest(
      http_port, "POST", "/v1/tickets", body,
      {{"Authorization", "Bearer " + Token()}, {"Idempotency-Key", run + "-probe"}});
  std::printf(
      "platform-bench: real platform on 127.0.0.1 (redis-server with AOF, 4 services, "
      "gateway with %s HTTP workers, rate limiting off)\n",
      workers.c_str());
  std::printf("probe POST /v1/tickets answers %d\n\n", probe.status);

  // 1. CreateTicket, direct and through the gateway. Redis figures around the
  // direct run feed the event-append comparison below.
  std::printf(
      "== CreateTicket: %d gRPC callers on 4 channels vs wrk with %d connections, "
      "%d s each, a new request id per call\n",
      o.clients, o.clients, o.seconds);
  const int64_t events_before = StreamLength(*pool, "{intake}:events");
  const auto direct_start = Stopwatch::now();
  const Figures direct = DriveCreateTicket(intake_port, o, report, run + "-g");
  const double direct_elapsed =
      std::chrono::duration<double>(Stopwatch::now() - direct_start).count();
  const int64_t events_appended = StreamLength(*pool, "{intake}:events") - events_before;
  const Figures http = WrkPostTickets(http_port, o, body, run + "-h");
  std::printf("\n");
  PrintHeader();
  PrintRow("direct gRPC CreateTicket", direct);
  PrintRow("gateway POST /v1/tickets (HTTP/JSON)", http);
  std::printf("ratio gateway/direct: throughput %.2f (target >= 0.50), p50 x%.2f, p99 x%.2f\n\n",
              Ratio(http.rps, direct.rps), Ratio(http.p50_ms, direct.p50_ms),
              Ratio(http.p99_ms, direct.p99_ms));
  if (o.create_only) return 0;

  // 2. Event append.
  std::printf("== event append: redis-benchmark on the platform's redis-server\n");
  const AppendFigures append = MeasureAppend(*pool, platform.redis().port(), o);
  Figures create_events;
  create_events.rps = static_cast<double>(events_appended) / direct_elapsed;
  create_events.p50_ms = direct.p50_ms;
  create_events.p99_ms = direct.p99_ms;
  create_events.calls = events_appended;
  PrintHeader();
  PrintRow("bare XADD (redis-benchmark, median)", append.xadd);
  PrintRow("outbox append: EVALSHA prelude + XADD", append.outbox);
  PrintRow("events appended by CreateTicket (gRPC)", create_events);
  std::printf("redis-server time per call (median): XADD %.1f us, outbox EVALSHA %.1f us, x%.1f\n",
              append.xadd_server_us, append.outbox_server_us,
              Ratio(append.outbox_server_us, append.xadd_server_us));
  std::printf(
      "ratio outbox append/bare XADD: throughput %.2f (median of 3 rounds), p50 x%.2f, "
      "p99 x%.2f\n",
      append.throughput_ratio, Ratio(append.outbox.p50_ms, append.xadd.p50_ms),
      Ratio(append.outbox.p99_ms, append.xadd.p99_ms));
  std::printf("ratio CreateTicket events/bare XADD: throughput %.2f\n\n",
              Ratio(create_events.rps, append.xadd.rps));

  // 3. On-site requested -> assigned: a light pass (no queueing anywhere)
  // as the baseline, then the steady rate.
  std::printf(
      "== on-site requested -> work order assigned: create, respond, request on site "
      "over gRPC, open loop; %d engineers on duty (skill %s, zone CITY, %d jobs each)\n",
      o.engineers, kSkill, o.max_jobs);
  const auto seed_start = Stopwatch::now();
  SeedEngineers(platform.service("dispatch").grpc_port, o.engineers, o.max_jobs);
  std::printf("engineers seeded in %.1f s\n",
              std::chrono::duration<double>(Stopwatch::now() - seed_start).count());
  std::this_thread::sleep_for(std::chrono::seconds(1));  // dispatch's index picks them up
  const double caught_up = WaitForConsumers(*pool, "{intake}:events", std::chrono::seconds(60));
  std::printf("consumers of intake's events caught up with the earlier parts' backlog: %s\n",
              caught_up < 0
                  ? "no, after 60 s (the figures below start behind it)"
                  : ("after " + std::to_string(static_cast<int>(caught_up)) + " s").c_str());
  // Parts 1 and 2 grew the AOF by hundreds of MB; left alone, Redis forks to
  // rewrite it in the middle of this part and bills their traffic to it.
  std::printf("AOF of the earlier parts compacted (BGREWRITEAOF): %s\n",
              CompactAof(*pool, std::chrono::seconds(120)) ? "done" : "not finished after 120 s");
  const int light_rate = std::max(1, o.rate / 10);
  const OnsitePass light = RunOnsitePass(*pool, intake_port, light_rate, 4, report, run + "-l");
  const OnsitePass steady =
      RunOnsitePass(*pool, intake_port, o.rate, o.duration, report, run + "-s");
  std::printf("%-22s %6s %8s %8s %8s %8s %6s | %8s %8s | %6s %6s %6s\n", "", "rate/s", "achieved",
              "assign/s", "tickets", "assigned", "failed", "lag p99", "lag max", "p50", "p99",
              "max");
  PrintOnsite("light load (baseline)", light);
  PrintOnsite("steady load", steady);
  std::printf(
      "(rate/s: scheduled; achieved: TicketOnsiteRequested entries per second of stream "
      "time; assign/s: first WorkOrderAssigned entries per second of stream time; lag: how late "
      "callers started behind the schedule, ms; p50/p99/max: on-site "
      "requested -> assigned in ms from the two events' stream entry ids, 1 ms steps)\n");
  std::printf(
      "steady load: %.1f entries on intake's stream per on-site ticket (dispatch's "
      "consumer group reads every one)\n",
      Ratio(static_cast<double>(steady.lat.intake_entries), steady.run.requested));
  const bool all_assigned =
      steady.lat.ms.size() == static_cast<size_t>(steady.run.requested) && steady.run.errors == 0;
  std::printf("AOF rewrites (redis-server forks) during the steady pass: %lld\n",
              static_cast<long long>(steady.aof_rewrites));
  std::printf("ratio steady p99/target 50 ms: %.2f (%s)%s; steady/light p99: x%.1f\n",
              steady.p99 / 50.0, all_assigned && steady.p99 <= 50.0 ? "met" : "missed",
              all_assigned ? "" : ", not every ticket was assigned", Ratio(steady.p99, light.p99));
  if (steady.run.requested > 0) {
    std::printf(
        "redis memory per on-site ticket, all services (ticket, work order, events, "
        "indexes, markers): %.0f bytes\n",
        static_cast<double>(steady.memory_growth) / steady.run.requested);
  }
  return 0;
}

}  // namespace
}  // namespace aftersales

int main(int argc, char** argv) {
  aftersales::Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    int* target = flag == "--seconds"       ? &o.seconds
                  : flag == "--clients"     ? &o.clients
                  : flag == "--rate"        ? &o.rate
                  : flag == "--duration"    ? &o.duration
                  : flag == "--engineers"   ? &o.engineers
                  : flag == "--max-jobs"    ? &o.max_jobs
                  : flag == "--requests"    ? &o.requests
                  : flag == "--create-only" ? &o.create_only
                                            : nullptr;
    if (target == nullptr) {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
    if (value <= 0) {
      std::fprintf(stderr, "%s needs a positive number\n", flag.c_str());
      return 2;
    }
    *target = value;
  }
  if (argc % 2 == 0) {
    std::fprintf(stderr, "usage: platform-bench [--FLAG N]...\n");
    return 2;
  }
  try {
    return aftersales::Run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "platform-bench: %s\n", e.what());
    return 1;
  }
}

// dispatch-assignment-bench: one on-site request handled end to end by the
// service's desk (plan over the cached index, commit through Redis, refresh
// of the changed engineers) among 10,000 engineers on a real redis-server,
// against a baseline measured in the same run: a bare Redis round trip.
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "aftersales/events/v1/intake_events.pb.h"
#include "services/common/clock.h"
#include "services/common/redis/pool.h"
#include "services/dispatch/desk/dispatch_desk.h"
#include "tests/support/redis_server.h"

namespace {

using namespace aftersales;
using namespace aftersales::dispatch;
namespace cv1 = ::aftersales::common::v1;
using google::protobuf::util::TimeUtil;
using Stopwatch = std::chrono::steady_clock;

double Micros(Stopwatch::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

struct Figures {
  double p50, p99, mean;
};
Figures Summarise(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 99 / 100)], sum / v.size()};
}

}  // namespace

int main(int argc, char** argv) {
  const int engineers = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int decisions = argc > 2 ? std::atoi(argv[2]) : 1000;
  ::aftersales::testing::RedisServer redis(/*appendonly=*/false);
  redis::RedisOptions options;
  options.port = redis.port();
  auto pool = std::move(redis::RedisPool::Create(options).value());
  ManualClock clock(FromUnixMillis(1772445600000));
  DispatchDesk desk(*pool, clock, nullptr);
  std::mt19937_64 rng(20261121);
  std::uniform_real_distribution<double> lat(30.9, 31.5), lng(121.2, 121.8);
  const char* skills[] = {"parking", "fire-alarm", "network"};

  const auto setup_start = Stopwatch::now();
  for (int i = 0; i < engineers; ++i) {
    v1::CreateEngineerRequest c;
    c.set_name("Engineer " + std::to_string(i));
    c.set_phone("13800138000");
    c.set_branch("shanghai");
    c.add_skills(skills[i % 3]);
    c.add_zones(cv1::CITY);
    if (i % 2 == 0) c.add_zones(cv1::SUBURB);
    c.set_max_concurrent_jobs(3);
    auto e = desk.CreateEngineer(c);
    if (!e.ok()) return std::fprintf(stderr, "%s\n", e.status().ToString().c_str()), 1;
    v1::SetEngineerStatusRequest on;
    on.set_engineer_id(e->id());
    on.set_state(v1::Engineer::AVAILABLE);
    on.set_latitude(lat(rng));
    on.set_longitude(lng(rng));
    if (auto s = desk.SetEngineerStatus(Caller{"dispatcher", "bench", ""}, on); !s.ok()) {
      return std::fprintf(stderr, "%s\n", s.status().ToString().c_str()), 1;
    }
  }
  const double setup_s = Micros(Stopwatch::now() - setup_start) / 1e6;

  std::vector<double> ping, decide;
  int assigned = 0;
  double first_us = 0;
  for (int i = 0; i < decisions; ++i) {
    const auto p0 = Stopwatch::now();
    (void)pool->Ping();
    ping.push_back(Micros(Stopwatch::now() - p0));

    events::v1::TicketOnsiteRequested e;
    e.set_ticket_number("B-" + std::to_string(i));
    e.set_zone(i % 4 == 0 ? cv1::SUBURB : cv1::CITY);
    e.mutable_site_position()->set_latitude(lat(rng));
    e.mutable_site_position()->set_longitude(lng(rng));
    e.set_required_skill(skills[i % 3]);
    e.set_severity(i % 10 == 0 ? cv1::EMERGENCY : cv1::MAJOR);
    e.set_asset_category(cv1::MAINFRAME);
    *e.mutable_report_time() = TimeUtil::MillisecondsToTimestamp(ToUnixMillis(clock.Now()));
    *e.mutable_onsite_due() =
        TimeUtil::MillisecondsToTimestamp(ToUnixMillis(clock.Now() + std::chrono::hours(2)));
    e.set_visit(1);
    streams::MarkHandledArgs handled{"{dispatch}:handled:bench:" + std::to_string(i), "600"};
    const auto d0 = Stopwatch::now();
    Status s = desk.OnTicketOnsiteRequested(e, handled);
    const double us = Micros(Stopwatch::now() - d0);
    if (!s.ok()) return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
    if (i == 0) {
      first_us = us;  // builds the whole planning index from Redis
    } else {
      decide.push_back(us);
    }
    clock.Advance(std::chrono::seconds(30));
  }
  auto queued = pool->Command({"ZCARD", "{dispatch}:queue"});
  assigned = decisions - static_cast<int>(queued.ok() ? queued->integer().value_or(0) : 0);

  const Figures p = Summarise(ping), d = Summarise(decide);
  std::printf("dispatch-assignment-bench: %d engineers (set up in %.1f s), %d on-site requests\n",
              engineers, setup_s, decisions);
  std::printf("%-44s %10s %10s %10s\n", "(microseconds)", "p50", "p99", "mean");
  std::printf("%-44s %10.1f %10.1f %10.1f\n", "baseline: Redis PING round trip", p.p50, p.p99,
              p.mean);
  std::printf("%-44s %10.1f %10.1f %10.1f\n", "request -> assigned work order (+ events)", d.p50,
              d.p99, d.mean);
  std::printf("%-44s %9.1fx %9.1fx %9.1fx\n", "ratio decision / round trip", d.p50 / p.p50,
              d.p99 / p.p99, d.mean / p.mean);
  std::printf("first request (builds the index from Redis): %.1f ms\n", first_us / 1000.0);
  std::printf("assigned %d of %d (the rest wait in the queue)\n", assigned, decisions);
  return 0;
}

// The service report over generated event streams: the live projection, a
// rebuild by replay, and figures computed independently here.
#include <random>

#include "services/followup/tests/followup_fixture.h"

using namespace aftersales;
using namespace aftersales::followup;
using namespace aftersales::followup::testing;
using namespace std::chrono_literals;
namespace ev = aftersales::events::v1;

namespace {

struct Published {
  TimePoint time;
  std::string stream;
  std::shared_ptr<google::protobuf::Message> message;
  std::string aggregate;
};

// What the month should add up to, tallied while generating it.
struct Expected {
  int64_t respond_n = 0, respond_ms = 0, arrive_n = 0, arrive_ms = 0, repair_n = 0, repair_ms = 0;
  int64_t visits = 0, first_visits = 0, first_fixed = 0, repeats = 0;
  std::map<std::tuple<int, int, std::string>, int64_t> deadlines;  // clock, sev, met/breached
  std::map<int, int64_t> scores;
  int64_t complaints_opened = 0, complaints_resolved = 0, overdue = 0;
  std::map<std::string, int64_t> parts;
};

struct Month {
  std::vector<Published> events;
  Expected all;
  Expected north_parking;
};

template <typename M>
std::shared_ptr<M> Make() {
  return std::make_shared<M>();
}

Month Generate(unsigned seed, int tickets) {
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Month month;
  const TimePoint start = Day("2026-01-01");
  struct Done {
    TimePoint time;
    std::string asset, line;
    bool counts_north_parking;
  };
  std::vector<Done> dones;
  for (int i = 0; i < tickets; ++i) {
    const std::string ticket = "T-" + std::to_string(i);
    const std::string wo = "WO-" + std::to_string(i);
    const std::string branch = pick(0, 1) ? "north" : "south";
    const std::string line = pick(0, 1) ? "parking" : "access";
    const std::string asset = "SN-" + std::to_string(pick(0, 11));
    const auto severity = static_cast<common::v1::Severity>(pick(1, 4));
    const TimePoint t0 = start + 24h * pick(0, 26) + 1min * pick(0, 600);
    std::vector<Expected*> tallies = {&month.all};
    if (branch == "north" && line == "parking") tallies.push_back(&month.north_parking);
    auto tally = [&](auto f) {
      for (Expected* e : tallies) f(*e);
    };
    auto emit = [&](TimePoint at, const char* stream, std::shared_ptr<google::protobuf::Message> m,
                    const std::string& aggregate) {
      month.events.push_back({at, stream, std::move(m), aggregate});
    };

    auto reported = Make<ev::TicketReported>();
    reported->set_ticket_number(ticket);
    reported->set_branch(branch);
    reported->set_severity(severity);
    reported->set_customer_id("C-" + std::to_string(i % 7));
    reported->set_asset_serial(asset);
    *reported->mutable_report_time() = Ts(t0);
    emit(t0, kIntakeEvents, reported, ticket);

    auto onsite = Make<ev::TicketOnsiteRequested>();
    onsite->set_ticket_number(ticket);
    onsite->set_branch(branch);
    onsite->set_required_skill(line);
    *onsite->mutable_report_time() = Ts(t0);
    *onsite->mutable_request_time() = Ts(t0 + 5min);
    emit(t0 + 5min, kIntakeEvents, onsite, ticket);

    const auto respond_after = 1min * pick(10, 90);
    if (respond_after > 60min) {
      auto breach = Make<ev::ClockBreached>();
      breach->set_ticket_number(ticket);
      breach->set_clock(common::v1::FIRST_RESPONSE);
      breach->set_severity(severity);
      breach->set_branch(branch);
      *breach->mutable_breach_time() = Ts(t0 + 60min);
      emit(t0 + 60min, kIntakeEvents, breach, ticket);
    }
    auto responded = Make<ev::TicketResponded>();
    responded->set_ticket_number(ticket);
    responded->set_branch(branch);
    responded->set_severity(severity);
    *responded->mutable_report_time() = Ts(t0);
    *responded->mutable_respond_time() = Ts(t0 + respond_after);
    emit(t0 + respond_after, kIntakeEvents, responded, ticket);
    tally([&](Expected& e) {
      e.respond_n += 1;
      e.respond_ms += std::chrono::duration_cast<std::chrono::milliseconds>(respond_after).count();
      e.deadlines[{1, severity, respond_after > 60min ? "breached" : "met"}] += 1;
    });

    auto assigned = Make<ev::WorkOrderAssigned>();
    assigned->set_work_order_id(wo);
    assigned->set_ticket_number(ticket);
    assigned->set_branch(branch);
    assigned->set_severity(severity);
    *assigned->mutable_assign_time() = Ts(t0 + 95min);
    emit(t0 + 95min, kDispatchEvents, assigned, wo);

    const auto arrive_after = 1h * pick(2, 8);
    const TimePoint arrived_at = t0 + arrive_after;
    const bool onsite_met = arrive_after <= 4h;
    if (!onsite_met) {
      auto breach = Make<ev::WorkOrderClockBreached>();
      breach->set_work_order_id(wo);
      breach->set_ticket_number(ticket);
      breach->set_clock(common::v1::ONSITE_ARRIVAL);
      breach->set_severity(severity);
      breach->set_branch(branch);
      *breach->mutable_breach_time() = Ts(t0 + 4h);
      emit(t0 + 4h, kDispatchEvents, breach, wo);
    }
    auto arrived = Make<ev::WorkOrderArrived>();
    arrived->set_work_order_id(wo);
    arrived->set_ticket_number(ticket);
    arrived->set_onsite_met(onsite_met);
    *arrived->mutable_arrive_time() = Ts(arrived_at);
    emit(arrived_at, kDispatchEvents, arrived, wo);
    tally([&](Expected& e) {
      e.arrive_n += 1;
      e.arrive_ms += std::chrono::duration_cast<std::chrono::milliseconds>(arrive_after).count();
      e.deadlines[{4, severity, onsite_met ? "met" : "breached"}] += 1;
    });

    const int visits = pick(0, 9) < 7 ? 1 : 2;  // 70% fixed on the first visit
    for (int visit = 1; visit <= visits; ++visit) {
      const TimePoint arrive = visit == 1 ? arrived_at : arrived_at + 24h;
      const auto repair = 1h * pick(1, 6);
      const TimePoint done_at = arrive + repair;
      const bool fixed = visit == visits;
      if (repair > 4h) {
        auto breach = Make<ev::WorkOrderClockBreached>();
        breach->set_work_order_id(wo);
        breach->set_ticket_number(ticket);
        breach->set_clock(common::v1::REPAIR);
        breach->set_severity(severity);
        breach->set_branch(branch);
        *breach->mutable_breach_time() = Ts(arrive + 4h);
        emit(arrive + 4h, kDispatchEvents, breach, wo);
      }
      auto done = Make<ev::WorkOrderDone>();
      done->set_work_order_id(wo + "-" + std::to_string(visit));
      done->set_ticket_number(ticket);
      done->set_branch(branch);
      done->set_required_skill(line);
      done->set_asset_serial(asset);
      done->set_severity(severity);
      done->set_fixed(fixed);
      done->set_visit(visit);
      *done->mutable_arrive_time() = Ts(arrive);
      *done->mutable_repair_due() = Ts(arrive + 4h);
      *done->mutable_complete_time() = Ts(done_at);
      const std::string sku = pick(0, 1) ? "GATE-ARM" : "CARD-READER";
      const int qty = pick(0, 2);
      if (qty > 0) {
        auto* p = done->add_parts_used();
        p->set_sku(sku);
        p->set_quantity(qty);
      }
      emit(done_at, kDispatchEvents, done, wo);
      tally([&](Expected& e) {
        e.visits += 1;
        e.repair_n += 1;
        e.repair_ms += std::chrono::duration_cast<std::chrono::milliseconds>(repair).count();
        if (visit == 1) {
          e.first_visits += 1;
          if (fixed) e.first_fixed += 1;
        }
        e.deadlines[{5, severity, repair <= 4h ? "met" : "breached"}] += 1;
        if (qty > 0) e.parts[sku] += qty;
      });
      dones.push_back({done_at, asset, line, tallies.size() == 2});
    }

    if (pick(0, 3) == 0) {
      auto overdue = Make<ev::ReturnOverdue>();
      overdue->set_advance_replacement_id("AR-" + std::to_string(i));
      overdue->set_ticket_number(ticket);
      *overdue->mutable_detect_time() = Ts(t0 + 48h);
      emit(t0 + 48h, kInventoryEvents, overdue, "AR");
      tally([&](Expected& e) { e.overdue += 1; });
    }
    if (pick(0, 4) != 0) {
      const int score = pick(1, 5);
      const TimePoint answered = arrived_at + 50h;
      auto survey = Make<ev::FollowupCompleted>();
      survey->set_followup_id("F-" + std::to_string(i));
      survey->set_kind("RETURN_VISIT");
      survey->set_ticket_number(ticket);
      survey->set_satisfaction(score);
      *survey->mutable_complete_time() = Ts(answered);
      emit(answered, kFollowupEvents, survey, "F");
      tally([&](Expected& e) { e.scores[score] += 1; });
      if (score <= 2) {
        auto opened = Make<ev::ComplaintOpened>();
        opened->set_complaint_id("K-" + std::to_string(i));
        opened->set_ticket_number(ticket);
        *opened->mutable_open_time() = Ts(answered);
        emit(answered, kFollowupEvents, opened, "K");
        tally([&](Expected& e) { e.complaints_opened += 1; });
        if (score == 2) {
          auto resolved = Make<ev::ComplaintAdvanced>();
          resolved->set_complaint_id("K-" + std::to_string(i));
          resolved->set_ticket_number(ticket);
          resolved->set_status("RESOLVED");
          *resolved->mutable_advance_time() = Ts(answered + 5h);
          emit(answered + 5h, kFollowupEvents, resolved, "K");
          tally([&](Expected& e) { e.complaints_resolved += 1; });
        }
      }
    }
  }
  // Repeat visits: same asset, same fault family, within 30 days of the last.
  std::stable_sort(dones.begin(), dones.end(),
                   [](const Done& a, const Done& b) { return a.time < b.time; });
  std::map<std::pair<std::string, std::string>, TimePoint> last;
  for (const Done& d : dones) {
    auto it = last.find({d.asset, d.line});
    if (it != last.end() && d.time - it->second <= 24h * 30) {
      month.all.repeats += 1;
      if (d.counts_north_parking) month.north_parking.repeats += 1;
    }
    last[{d.asset, d.line}] = d.time;
  }
  // Streams carry events in the order they happened.
  std::stable_sort(month.events.begin(), month.events.end(),
                   [](const Published& a, const Published& b) { return a.time < b.time; });
  return month;
}

void RequireMatches(const ReportFigures& f, const Expected& e) {
  CHECK(f.respond_count == e.respond_n);
  CHECK(f.respond_ms_total == e.respond_ms);
  CHECK(f.arrive_count == e.arrive_n);
  CHECK(f.arrive_ms_total == e.arrive_ms);
  CHECK(f.repair_count == e.repair_n);
  CHECK(f.repair_ms_total == e.repair_ms);
  CHECK(f.visits == e.visits);
  CHECK(f.first_visits == e.first_visits);
  CHECK(f.first_visits_fixed == e.first_fixed);
  CHECK(f.repeat_visits == e.repeats);
  CHECK(f.complaints_opened == e.complaints_opened);
  CHECK(f.complaints_resolved == e.complaints_resolved);
  CHECK(f.overdue_returns == e.overdue);
  CHECK(f.parts_used == e.parts);
  int64_t surveys = 0, total = 0;
  for (int s = 1; s <= 5; ++s) {
    const int64_t n = e.scores.count(s) ? e.scores.at(s) : 0;
    CHECK(f.satisfaction.at(s) == n);
    surveys += n;
    total += s * n;
  }
  CHECK(f.surveys == surveys);
  CHECK(f.satisfaction_average == Approx(surveys ? static_cast<double>(total) / surveys : 0.0));
  std::map<std::tuple<int, int, std::string>, int64_t> got;
  for (const auto& d : f.deadlines) {
    if (d.met) got[{d.clock, d.severity, "met"}] = d.met;
    if (d.breached) got[{d.clock, d.severity, "breached"}] = d.breached;
  }
  CHECK(got == e.deadlines);
}

void PublishAll(Fixture& fx, const Month& month) {
  for (const auto& p : month.events) fx.Publish(p.stream, *p.message, p.aggregate, p.time);
}

// Each stream drained in turn: intake's facts are in before dispatch's events
// that use them, as they are in production once consumers have caught up.
void DrainInOrder(Fixture& fx) {
  for (auto& c : fx.consumers) {
    for (int round = 0; round < 1000; ++round) {
      const int64_t before = c->counters().handled + c->counters().duplicates;
      REQUIRE(c->RunOnce().ok());
      if (c->counters().handled + c->counters().duplicates == before) break;
    }
  }
}

ReportFigures Figures(Fixture& fx, const std::string& branch = "", const std::string& line = "") {
  auto f = fx.store->Report(DayOf(Day("2026-01-01")), DayOf(Day("2026-02-01")), branch, line);
  REQUIRE(f.ok());
  return *f;
}

}  // namespace

TEST_CASE("a report over a generated month matches figures computed independently") {
  Fixture fx;
  Month month = Generate(20260101, 120);
  PublishAll(fx, month);
  DrainInOrder(fx);
  ReportFigures all = Figures(fx);
  REQUIRE(all.visits > 100);
  REQUIRE(all.repeat_visits > 0);
  {
    INFO("all branches and product lines");
    RequireMatches(all, month.all);
  }
  {
    INFO("north, parking");
    REQUIRE(month.north_parking.visits > 0);
    RequireMatches(Figures(fx, "north", "parking"), month.north_parking);
  }
  // A period is days: the first week holds less than the month.
  auto week = fx.store->Report(DayOf(Day("2026-01-01")), DayOf(Day("2026-01-08")), "", "");
  REQUIRE(week.ok());
  CHECK(week->visits < all.visits);
  CHECK(week->visits > 0);
}

TEST_CASE("replaying all events twice gives the same report as once") {
  Fixture fx;
  Month month = Generate(7, 60);
  PublishAll(fx, month);
  DrainInOrder(fx);
  const ReportFigures live = Figures(fx);

  auto rebuilt = RebuildReport(*fx.pool, *fx.store);
  REQUIRE(rebuilt.ok());
  CHECK(*rebuilt == static_cast<int64_t>(month.events.size()));
  const ReportFigures once = Figures(fx);
  // Replaying again over the rebuilt projection (no clearing) counts nothing twice.
  REQUIRE(RebuildReport(*fx.pool, *fx.store, /*clear=*/false).ok());
  const ReportFigures twice = Figures(fx);
  for (const ReportFigures* f : {&once, &twice}) {
    RequireMatches(*f, month.all);
    CHECK(f->visits == live.visits);
    CHECK(f->repeat_visits == live.repeat_visits);
    CHECK(f->respond_ms_total == live.respond_ms_total);
    CHECK(f->satisfaction == live.satisfaction);
  }
  RequireMatches(live, month.all);
}

#include "services/followup/domain/report.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace aftersales::followup {

namespace counter {
namespace {
std::string Deadline(int clock, int severity, const char* what) {
  std::string s = "dl:";
  s += std::to_string(clock);
  s += ':';
  s += std::to_string(severity);
  s += ':';
  s += what;
  return s;
}
}  // namespace
std::string DeadlineMet(int clock, int severity) { return Deadline(clock, severity, "met"); }
std::string DeadlineBreached(int clock, int severity) {
  return Deadline(clock, severity, "breached");
}
std::string Satisfaction(int score) {
  std::string s = "sat:";
  s += std::to_string(score);
  return s;
}
std::string Part(const std::string& sku) {
  std::string s = "part:";
  s += sku;
  return s;
}
}  // namespace counter

int64_t DayOf(TimePoint t) {
  const int64_t ms = ToUnixMillis(t);
  return ms >= 0 ? ms / 86'400'000 : (ms - 86'399'999) / 86'400'000;
}

ReportDelta FoldReport(const ReportEvent& e, const ReportFactsView& facts) {
  using K = ReportEvent::Kind;
  ReportDelta d;
  d.day = DayOf(e.time);
  std::optional<TicketFacts> ticket = e.ticket.empty() ? std::nullopt : facts.Ticket(e.ticket);
  TicketFacts tf = ticket.value_or(TicketFacts{});
  // Where a count goes: the event's own branch/line, else the ticket's.
  d.branch = !e.branch.empty() ? e.branch : tf.branch;
  d.product_line = !e.product_line.empty() ? e.product_line : tf.product_line;
  auto& inc = d.increments;

  switch (e.kind) {
    case K::kTicketReported:
      if (!e.branch.empty()) tf.branch = e.branch;
      tf.report_ms = ToUnixMillis(e.time);
      d.ticket = {e.ticket, tf};
      break;
    case K::kTicketOnsiteRequested:
      if (!e.branch.empty()) tf.branch = e.branch;
      if (!e.product_line.empty()) tf.product_line = e.product_line;
      if (tf.report_ms == 0) tf.report_ms = ToUnixMillis(e.start);
      d.ticket = {e.ticket, tf};
      break;
    case K::kTicketResponded: {
      inc["respond_n"] += 1;
      inc["respond_ms"] += ToUnixMillis(e.time) - ToUnixMillis(e.start);
      const bool breached = tf.breached_clocks.count(kClockFirstResponse) > 0;
      // A breach was counted when it happened; a response in time is a met clock.
      if (!breached) inc[counter::DeadlineMet(kClockFirstResponse, e.severity)] += 1;
      break;
    }
    case K::kClockBreached:
    case K::kWorkOrderClockBreached: {
      int severity = e.severity;
      if (e.kind == K::kWorkOrderClockBreached && severity == 0) {
        if (auto wo = facts.WorkOrder(e.work_order)) severity = wo->severity;
      }
      inc[counter::DeadlineBreached(e.clock, severity)] += 1;
      if (!e.ticket.empty()) {
        tf.breached_clocks.insert(e.clock);
        d.ticket = {e.ticket, tf};
      }
      break;
    }
    case K::kWorkOrderAssigned:
      d.work_order = {e.work_order, WorkOrderFacts{e.ticket, e.branch, e.severity}};
      break;
    case K::kWorkOrderArrived: {
      auto wo = facts.WorkOrder(e.work_order).value_or(WorkOrderFacts{});
      if (d.branch.empty()) d.branch = wo.branch;
      if (tf.report_ms != 0) {
        inc["arrive_n"] += 1;
        inc["arrive_ms"] += ToUnixMillis(e.time) - tf.report_ms;
      }
      if (e.met) inc[counter::DeadlineMet(kClockOnsiteArrival, wo.severity)] += 1;
      break;
    }
    case K::kWorkOrderDone: {
      inc["visits"] += 1;
      if (e.start.time_since_epoch().count() != 0) {
        inc["repair_n"] += 1;
        inc["repair_ms"] += ToUnixMillis(e.time) - ToUnixMillis(e.start);
      }
      if (e.visit <= 1) {
        inc["first_visits"] += 1;
        if (e.met) inc["first_fixed"] += 1;
      }
      if (e.due && *e.due >= e.time) inc[counter::DeadlineMet(kClockRepair, e.severity)] += 1;
      if (!e.asset.empty()) {
        const int64_t now_ms = ToUnixMillis(e.time);
        auto last = facts.LastDone(e.asset, d.product_line);
        if (last && now_ms - *last <= kRepeatWindowMs && now_ms >= *last) inc["repeat"] += 1;
        d.last_done = std::make_tuple(e.asset, d.product_line, now_ms);
      }
      for (const auto& [sku, qty] : e.parts) {
        if (qty > 0) inc[counter::Part(sku)] += qty;
      }
      if (!e.ticket.empty() && !e.product_line.empty() && tf.product_line.empty()) {
        tf.product_line = e.product_line;
        d.ticket = {e.ticket, tf};
      }
      break;
    }
    case K::kReturnOverdue:
      inc["overdue_returns"] += 1;
      break;
    case K::kSurveyAnswered:
      if (e.score >= 1 && e.score <= 5) inc[counter::Satisfaction(e.score)] += 1;
      break;
    case K::kComplaintOpened:
      inc["complaints_opened"] += 1;
      break;
    case K::kComplaintResolved:
      inc["complaints_resolved"] += 1;
      break;
  }
  return d;
}

ReportFigures Summarize(const std::vector<Counters>& buckets) {
  ReportFigures f;
  std::map<std::pair<int, int>, DeadlineFigure> deadlines;
  for (int s = 1; s <= 5; ++s) f.satisfaction[s] = 0;
  for (const Counters& b : buckets) {
    for (const auto& [name, value] : b) {
      if (name.rfind("dl:", 0) == 0) {
        int clock = 0, severity = 0;
        char what[16] = {};
        if (std::sscanf(name.c_str(), "dl:%d:%d:%15s", &clock, &severity, what) != 3) continue;
        DeadlineFigure& df = deadlines[{clock, severity}];
        df.clock = clock;
        df.severity = severity;
        (std::string(what) == "met" ? df.met : df.breached) += value;
      } else if (name.rfind("sat:", 0) == 0) {
        const int score = std::atoi(name.c_str() + 4);
        if (score >= 1 && score <= 5) f.satisfaction[score] += value;
      } else if (name.rfind("part:", 0) == 0) {
        f.parts_used[name.substr(5)] += value;
      } else if (name == "respond_n") {
        f.respond_count += value;
      } else if (name == "respond_ms") {
        f.respond_ms_total += value;
      } else if (name == "arrive_n") {
        f.arrive_count += value;
      } else if (name == "arrive_ms") {
        f.arrive_ms_total += value;
      } else if (name == "repair_n") {
        f.repair_count += value;
      } else if (name == "repair_ms") {
        f.repair_ms_total += value;
      } else if (name == "visits") {
        f.visits += value;
      } else if (name == "first_visits") {
        f.first_visits += value;
      } else if (name == "first_fixed") {
        f.first_visits_fixed += value;
      } else if (name == "repeat") {
        f.repeat_visits += value;
      } else if (name == "complaints_opened") {
        f.complaints_opened += value;
      } else if (name == "complaints_resolved") {
        f.complaints_resolved += value;
      } else if (name == "overdue_returns") {
        f.overdue_returns += value;
      }
    }
  }
  for (auto& [key, df] : deadlines) f.deadlines.push_back(df);
  int64_t total = 0;
  for (const auto& [score, count] : f.satisfaction) {
    f.surveys += count;
    total += score * count;
  }
  f.satisfaction_average =
      f.surveys == 0 ? 0.0 : static_cast<double>(total) / static_cast<double>(f.surveys);
  return f;
}

void InMemoryReport::Apply(const ReportEvent& event) {
  ReportDelta d = FoldReport(event, *this);
  if (!d.increments.empty()) {
    Counters& b = buckets_[{d.day, d.branch, d.product_line}];
    for (const auto& [k, v] : d.increments) b[k] += v;
  }
  if (d.ticket) tickets_[d.ticket->first] = d.ticket->second;
  if (d.work_order) work_orders_[d.work_order->first] = d.work_order->second;
  if (d.last_done) {
    last_done_[{std::get<0>(*d.last_done), std::get<1>(*d.last_done)}] = std::get<2>(*d.last_done);
  }
}

ReportFigures InMemoryReport::Figures(int64_t from_day, int64_t to_day, const std::string& branch,
                                      const std::string& product_line) const {
  std::vector<Counters> selected;
  for (const auto& [key, counters] : buckets_) {
    const auto& [day, b, line] = key;
    if (day < from_day || day >= to_day) continue;
    if (!branch.empty() && b != branch) continue;
    if (!product_line.empty() && line != product_line) continue;
    selected.push_back(counters);
  }
  return Summarize(selected);
}

std::optional<TicketFacts> InMemoryReport::Ticket(const std::string& ticket) const {
  auto it = tickets_.find(ticket);
  if (it == tickets_.end()) return std::nullopt;
  return it->second;
}
std::optional<WorkOrderFacts> InMemoryReport::WorkOrder(const std::string& work_order) const {
  auto it = work_orders_.find(work_order);
  if (it == work_orders_.end()) return std::nullopt;
  return it->second;
}
std::optional<int64_t> InMemoryReport::LastDone(const std::string& asset,
                                                const std::string& fault) const {
  auto it = last_done_.find({asset, fault});
  if (it == last_done_.end()) return std::nullopt;
  return it->second;
}

}  // namespace aftersales::followup

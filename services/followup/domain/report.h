// The service report as a pure fold over events: each event, with the facts
// earlier events left behind, yields counter increments in one day bucket
// (UTC day, branch, product line) and fact updates. Applying the same events
// in the same order from scratch gives the same counters, so the projection
// can be rebuilt by replaying the streams.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "services/common/clock.h"

namespace aftersales::followup {

// What one event tells the report (converted from the proto by the caller).
struct ReportEvent {
  enum class Kind {
    kTicketReported,          // ticket, branch, time = report time
    kTicketOnsiteRequested,   // ticket, branch, product_line, start = report time
    kTicketResponded,         // ticket, branch, severity, start = report time, time = respond
    kClockBreached,           // ticket, branch, severity, clock, time = breach
    kWorkOrderAssigned,       // work_order, ticket, branch, severity
    kWorkOrderArrived,        // work_order, ticket, met = onsite met, time = arrival
    kWorkOrderClockBreached,  // work_order, ticket, branch, severity, clock, time
    kWorkOrderDone,           // everything of WorkOrderDone; start = arrival, due = repair due
    kReturnOverdue,           // ticket, time = detection
    kSurveyAnswered,          // ticket, score, time
    kComplaintOpened,         // ticket, time
    kComplaintResolved,       // ticket, time
  };
  Kind kind = Kind::kTicketReported;
  TimePoint time{};
  TimePoint start{};
  std::optional<TimePoint> due;
  std::string ticket;
  std::string work_order;
  std::string branch;
  std::string product_line;
  std::string asset;
  int severity = 0;
  int clock = 0;
  bool met = false;  // onsite met / fixed
  int visit = 0;
  int score = 0;
  std::vector<std::pair<std::string, int64_t>> parts;
};

// Counter names (the fields of a bucket).
namespace counter {
std::string DeadlineMet(int clock, int severity);       // "dl:<clock>:<sev>:met"
std::string DeadlineBreached(int clock, int severity);  // "dl:<clock>:<sev>:breached"
std::string Satisfaction(int score);                    // "sat:<score>"
std::string Part(const std::string& sku);               // "part:<sku>"
}  // namespace counter

// Clock numbers as in common.v1.DeadlineClock.
inline constexpr int kClockFirstResponse = 1;
inline constexpr int kClockOnsiteArrival = 4;
inline constexpr int kClockRepair = 5;

// Per ticket: where it is reported from, since when, which clocks broke.
struct TicketFacts {
  std::string branch;
  std::string product_line;
  int64_t report_ms = 0;
  std::set<int> breached_clocks;
};
struct WorkOrderFacts {
  std::string ticket;
  std::string branch;
  int severity = 0;
};

// What the fold reads from earlier events.
class ReportFactsView {
 public:
  virtual ~ReportFactsView() = default;
  virtual std::optional<TicketFacts> Ticket(const std::string& ticket) const = 0;
  virtual std::optional<WorkOrderFacts> WorkOrder(const std::string& work_order) const = 0;
  // When this asset last had a visit done for this fault family (unix ms).
  virtual std::optional<int64_t> LastDone(const std::string& asset,
                                          const std::string& fault) const = 0;
};

struct ReportDelta {
  // Empty bucket: nothing to count (only facts change).
  int64_t day = 0;
  std::string branch;
  std::string product_line;
  std::map<std::string, int64_t> increments;
  // Full replacement values for the facts this event changes.
  std::optional<std::pair<std::string, TicketFacts>> ticket;
  std::optional<std::pair<std::string, WorkOrderFacts>> work_order;
  std::optional<std::tuple<std::string, std::string, int64_t>> last_done;  // asset, fault, ms
};

// Repeat visits: same asset, same fault, within this window. The v1 events
// carry no fault code, so the "fault" is the fault family the visit needed:
// the work order's required skill (its product line).
inline constexpr int64_t kRepeatWindowMs = 30LL * 24 * 3600 * 1000;

ReportDelta FoldReport(const ReportEvent& event, const ReportFactsView& facts);

// One bucket's counters.
using Counters = std::map<std::string, int64_t>;

struct DeadlineFigure {
  int clock = 0;
  int severity = 0;
  int64_t met = 0;
  int64_t breached = 0;
};

struct ReportFigures {
  std::vector<DeadlineFigure> deadlines;  // by clock, then severity
  int64_t respond_count = 0, respond_ms_total = 0;
  int64_t arrive_count = 0, arrive_ms_total = 0;
  int64_t repair_count = 0, repair_ms_total = 0;
  int64_t visits = 0;
  int64_t first_visits = 0;
  int64_t first_visits_fixed = 0;
  int64_t repeat_visits = 0;
  std::map<int, int64_t> satisfaction;  // score -> count, 1..5 always present
  int64_t surveys = 0;
  double satisfaction_average = 0;
  int64_t complaints_opened = 0;
  int64_t complaints_resolved = 0;
  std::map<std::string, int64_t> parts_used;
  int64_t overdue_returns = 0;

  double FirstTimeFixRate() const {
    return first_visits == 0
               ? 0.0
               : static_cast<double>(first_visits_fixed) / static_cast<double>(first_visits);
  }
  int64_t MeanMs(int64_t total, int64_t count) const { return count == 0 ? 0 : total / count; }
};

// Adds buckets up into the report's figures.
ReportFigures Summarize(const std::vector<Counters>& buckets);

// The fold kept in memory (tests, tools): facts and buckets in maps.
class InMemoryReport final : public ReportFactsView {
 public:
  void Apply(const ReportEvent& event);
  // Days [from_day, to_day); empty branch / line: all.
  ReportFigures Figures(int64_t from_day, int64_t to_day, const std::string& branch,
                        const std::string& product_line) const;

  std::optional<TicketFacts> Ticket(const std::string& ticket) const override;
  std::optional<WorkOrderFacts> WorkOrder(const std::string& work_order) const override;
  std::optional<int64_t> LastDone(const std::string& asset,
                                  const std::string& fault) const override;

 private:
  std::map<std::string, TicketFacts> tickets_;
  std::map<std::string, WorkOrderFacts> work_orders_;
  std::map<std::pair<std::string, std::string>, int64_t> last_done_;
  std::map<std::tuple<int64_t, std::string, std::string>, Counters> buckets_;
};

int64_t DayOf(TimePoint t);

}  // namespace aftersales::followup

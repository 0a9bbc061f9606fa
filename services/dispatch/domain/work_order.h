// A work order: one engineer's visit for one ticket, from assignment to the
// customer's sign-off, with its on-site and repair clocks and its history.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/common/clock.h"
#include "services/common/status.h"
#include "services/dispatch/domain/geo.h"
#include "services/dispatch/domain/onsite_request.h"

namespace aftersales::dispatch {

enum class WorkOrderStatus {
  kUnspecified = 0,
  kAssigned = 1,
  kAccepted = 2,
  kDeclined = 3,
  kTravelling = 4,
  kOnSite = 5,
  kWorkDone = 6,
  kSignedOff = 7,
  kCancelled = 8,
};
const char* WorkOrderStatusName(WorkOrderStatus status);

enum class AssetCategory {
  kUnspecified = 0,
  kMainframe = 1,
  kController = 2,
  kTerminal = 3,
  kAccessory = 4,
  kConsumable = 5,
};

// How long a repair may take after arrival, per asset category. A category
// without an entry gets no REPAIR clock.
struct RepairPolicy {
  std::map<AssetCategory, Duration> repair_time = {
      {AssetCategory::kMainframe, std::chrono::hours(72)},
      {AssetCategory::kController, std::chrono::hours(72)},
      {AssetCategory::kTerminal, std::chrono::hours(72)},
      {AssetCategory::kAccessory, std::chrono::hours(24)},
  };
};

enum class ClockKind { kOnsiteArrival = 1, kRepair = 2 };
enum class ClockState { kRunning = 1, kMet = 2, kBreached = 3, kCancelled = 4 };

struct DeadlineClock {
  ClockKind kind = ClockKind::kOnsiteArrival;
  TimePoint start;
  TimePoint due;
  ClockState state = ClockState::kRunning;
  std::optional<TimePoint> stopped_at;
};

struct Money {
  std::string currency;  // ISO 4217, e.g. "CNY"
  int64_t minor_units = 0;
  bool operator==(const Money&) const = default;
};

struct PartUsed {
  std::string sku;
  int quantity = 1;
  std::string location;    // stock location the part came from (van, branch...)
  std::string serial_in;   // the part fitted
  std::string serial_out;  // the part removed
};

struct EquipmentTaken {
  std::string description;
  std::string serial;
};

struct FeeLine {
  std::string description;
  Money amount;
};

enum class ExclusionKind {
  kUnspecified = 0,
  kMisuse = 1,
  kAccidentOrDisaster = 2,
  kCustomerRepaired = 3,
  kUnauthorisedInstaller = 4,
  kMixedVendor = 5,
  kWarrantyExpired = 6,
};

// Why warranty does not cover this work, decided at diagnosis.
struct WarrantyExclusion {
  ExclusionKind kind = ExclusionKind::kUnspecified;
  std::string reason;
};

enum class NotFixedOutcome {
  kUnspecified = 0,
  kWaitingForParts = 1,
  kEscalated = 2,
  kSecondVisit = 3,
};

struct CompletionReport {
  std::string findings;
  std::string actions;
  bool fixed = false;
  std::vector<PartUsed> parts_used;
  std::vector<EquipmentTaken> equipment_taken;
  std::string receipt_number;  // given to the customer for equipment taken away
  std::vector<FeeLine> fees;
  // Recorded at diagnosis on site; makes fees possible on warranty work.
  std::optional<WarrantyExclusion> exclusion;
  NotFixedOutcome outcome = NotFixedOutcome::kUnspecified;  // required when not fixed
};

struct CustomerSignOff {
  std::string signed_by;
  int satisfaction = 0;  // 1..5 from the feedback form
  std::string feedback;
};

struct HistoryEntry {
  TimePoint at;
  WorkOrderStatus from = WorkOrderStatus::kUnspecified;
  WorkOrderStatus to = WorkOrderStatus::kUnspecified;
  std::string actor;
  std::string note;
};

struct NewWorkOrder {
  std::string id;
  std::string ticket_number;
  std::string engineer_id;
  Severity severity = Severity::kUnspecified;
  AssetCategory asset_category = AssetCategory::kUnspecified;
  bool under_warranty = false;
  // An exclusion intake already decided (e.g. warranty expired).
  std::optional<WarrantyExclusion> exclusion;
  TimePoint reported_at;  // ONSITE_ARRIVAL starts at the report
  TimePoint onsite_due;
  // 1 for the first on-site visit for the ticket; see NextVisitNumber.
  int visit_number = 1;
};

class WorkOrder {
 public:
  static Result<WorkOrder> Create(NewWorkOrder spec, TimePoint now);

  // Each step is taken by the assigned engineer. Another engineer gets
  // NOT_FOUND (WORK_ORDER_NOT_FOUND), so that a foreign work order looks
  // exactly like a missing one; a step the status forbids gets
  // FAILED_PRECONDITION (WORK_ORDER_STATE_FORBIDS_STEP).
  Status Accept(std::string_view engineer_id, TimePoint now);
  Status Decline(std::string_view engineer_id, std::string_view reason, TimePoint now);
  Status StartTravel(std::string_view engineer_id, TimePoint now);
  // Stops ONSITE_ARRIVAL (met or breached by time) and starts REPAIR.
  Status Arrive(std::string_view engineer_id, TimePoint now,
                const RepairPolicy& policy = RepairPolicy{});
  Status Complete(std::string_view engineer_id, CompletionReport report, TimePoint now);
  Status SignOff(std::string_view engineer_id, CustomerSignOff sign_off, TimePoint now);
  // By dispatch (pre-emption, ticket closed), any time before WORK_DONE.
  Status Cancel(std::string_view actor, std::string_view reason, TimePoint now);

  const std::string& id() const { return id_; }
  const std::string& ticket_number() const { return ticket_number_; }
  const std::string& engineer_id() const { return engineer_id_; }
  Severity severity() const { return severity_; }
  WorkOrderStatus status() const { return status_; }
  bool under_warranty() const { return under_warranty_; }
  const std::optional<WarrantyExclusion>& exclusion() const { return exclusion_; }
  int visit_number() const { return visit_number_; }
  // A second (or later) visit for the same ticket counts against the team.
  bool is_repeat_visit() const { return visit_number_ > 1; }
  bool reached_site() const { return arrived_at_.has_value(); }
  const std::optional<TimePoint>& arrived_at() const { return arrived_at_; }
  const DeadlineClock& onsite_clock() const { return onsite_clock_; }
  const std::optional<DeadlineClock>& repair_clock() const { return repair_clock_; }
  const std::optional<CompletionReport>& completion() const { return completion_; }
  const std::optional<CustomerSignOff>& sign_off() const { return sign_off_; }
  const std::vector<HistoryEntry>& history() const { return history_; }

 private:
  WorkOrder() = default;

  Status CheckEngineer(std::string_view engineer_id) const;
  Status CheckStatus(std::initializer_list<WorkOrderStatus> allowed, std::string_view step) const;
  void Move(WorkOrderStatus to, std::string_view actor, std::string note, TimePoint now);

  std::string id_;
  std::string ticket_number_;
  std::string engineer_id_;
  Severity severity_ = Severity::kUnspecified;
  AssetCategory asset_category_ = AssetCategory::kUnspecified;
  bool under_warranty_ = false;
  std::optional<WarrantyExclusion> exclusion_;
  int visit_number_ = 1;
  WorkOrderStatus status_ = WorkOrderStatus::kAssigned;
  DeadlineClock onsite_clock_;
  std::optional<DeadlineClock> repair_clock_;
  std::optional<TimePoint> arrived_at_;
  std::optional<CompletionReport> completion_;
  std::optional<CustomerSignOff> sign_off_;
  std::vector<HistoryEntry> history_;
};

// Visit number for a new work order of a ticket, given the ticket's earlier
// work orders: only visits that reached the site count (a declined or
// cancelled assignment is not a visit).
int NextVisitNumber(const std::vector<WorkOrder>& earlier_for_ticket);

}  // namespace aftersales::dispatch

// Who goes to a site: the dispatch rules of domain.md "Dispatch and work
// orders" over an EngineerIndex, with a waiting queue for requests nobody can
// take yet.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "services/common/clock.h"
#include "services/common/status.h"
#include "services/dispatch/domain/engineer.h"
#include "services/dispatch/domain/engineer_index.h"
#include "services/dispatch/domain/onsite_request.h"

namespace aftersales::dispatch {

enum class DecisionKind { kAssigned = 1, kQueued = 2 };

struct Decision {
  std::string ticket_number;
  DecisionKind kind = DecisionKind::kQueued;
  std::string engineer_id;  // when assigned
  TimePoint estimated_arrival{};
  Duration travel_time{};
  // Nobody could arrive before the due time; the earliest was assigned anyway
  // and the deadline must be escalated now, not at breach.
  bool escalate_now = false;
  // Jobs an emergency took the engineer off; each must be planned again.
  std::vector<OnSiteRequest> displaced;
};

class AssignmentPlanner {
 public:
  explicit AssignmentPlanner(DispatchPolicy policy = {});

  const DispatchPolicy& policy() const { return policy_; }
  const EngineerIndex& engineers() const { return index_; }

  // Adds or replaces an engineer (roster, position, skills...). Jobs held are
  // kept from the request as given. Call Replan afterwards when the change
  // can free capacity.
  Status UpsertEngineer(Engineer engineer);

  // Assigns the request or, when no engineer is eligible at all, queues it.
  // ALREADY_EXISTS when the ticket is already assigned or waiting.
  Result<Decision> Plan(OnSiteRequest request, TimePoint now);

  // Assigns waiting requests, most severe and then earliest due first, to
  // whoever has become eligible (freed a slot, came on duty).
  std::vector<Decision> Replan(TimePoint now);

  // The assigned engineer declines: the job is planned again without them.
  // NOT_FOUND when the ticket is not assigned to that engineer.
  Result<Decision> Decline(std::string_view ticket_number, std::string_view engineer_id,
                           TimePoint now);

  // The engineer goes off duty before the roster says so (or at shift end):
  // every job not yet started is planned again. Started jobs stay: the
  // engineer is already on the way or on site.
  Result<std::vector<Decision>> TakeOffDuty(std::string_view engineer_id, TimePoint now);
  // Back on duty (the roster still applies).
  Status ReturnToDuty(std::string_view engineer_id);

  // The engineer set off (TRAVELLING): from now the job cannot be pre-empted.
  Status MarkStarted(std::string_view engineer_id, std::string_view ticket_number);
  // The job is done or cancelled on the engineer's side; frees the slot and
  // records where the engineer now is. Call Replan afterwards.
  Status FinishJob(std::string_view engineer_id, std::string_view ticket_number, GeoPoint position);
  // The ticket no longer needs a visit (fixed by phone, closed).
  Status Cancel(std::string_view ticket_number);

  // Waiting requests in the order Replan serves them.
  std::vector<OnSiteRequest> WaitingQueue() const;
  // Who holds the ticket now, or "" when it is not assigned.
  std::string AssignedEngineer(std::string_view ticket_number) const;

 private:
  using QueueKey = std::tuple<int, TimePoint, TimePoint, std::string>;
  static QueueKey KeyOf(const OnSiteRequest& request);

  // The engineer the rules choose, or nullopt when nobody is eligible.
  std::optional<Candidate> Choose(const OnSiteRequest& request, TimePoint now) const;
  Decision Commit(OnSiteRequest request, const Candidate& chosen, TimePoint now);

  struct Assignment {
    OnSiteRequest request;
    std::string engineer_id;
  };

  DispatchPolicy policy_;
  EngineerIndex index_;
  std::unordered_map<std::string, Assignment> assigned_;
  std::map<QueueKey, OnSiteRequest> waiting_;
  std::unordered_map<std::string, QueueKey> waiting_keys_;
};

}  // namespace aftersales::dispatch

#include "services/dispatch/domain/assignment_planner.h"

#include <algorithm>

namespace aftersales::dispatch {
namespace {

Status AssignmentNotFound(std::string_view ticket, std::string_view engineer) {
  return NotFound(
      "ASSIGNMENT_NOT_FOUND",
      "ticket " + std::string(ticket) + " is not assigned to engineer " + std::string(engineer));
}

}  // namespace

AssignmentPlanner::AssignmentPlanner(DispatchPolicy policy)
    : policy_(std::move(policy)), index_(policy_.grid_cell_degrees) {}

Status AssignmentPlanner::UpsertEngineer(Engineer engineer) {
  return index_.Upsert(std::move(engineer));
}

AssignmentPlanner::QueueKey AssignmentPlanner::KeyOf(const OnSiteRequest& r) {
  return {static_cast<int>(r.severity), r.due, r.requested_at, r.ticket_number};
}

std::optional<Candidate> AssignmentPlanner::Choose(const OnSiteRequest& request,
                                                   TimePoint now) const {
  std::optional<Candidate> best = index_.FindBest(request, now, policy_, false);
  if (request.severity != Severity::kEmergency) return best;
  if (best && best->arrival <= request.due) return best;  // in time without disturbing anyone
  // Nobody makes it (or nobody is free) without pre-emption: let the emergency
  // take an engineer off a job that has not started. When even that is late,
  // the earliest arrival still wins: the emergency is the costliest wait.
  std::optional<Candidate> with_preemption = index_.FindBest(request, now, policy_, true);
  return with_preemption ? with_preemption : best;
}

Decision AssignmentPlanner::Commit(OnSiteRequest request, const Candidate& chosen, TimePoint now) {
  Decision d;
  d.ticket_number = request.ticket_number;
  d.kind = DecisionKind::kAssigned;
  d.engineer_id = chosen.engineer->id;
  d.estimated_arrival = chosen.arrival;
  d.travel_time = chosen.travel_time;
  d.escalate_now = chosen.arrival > request.due;
  Engineer* engineer = index_.FindMutable(d.engineer_id);
  if (chosen.preempts) {
    for (const EngineerJob& job : PreemptibleJobs(*engineer, request.severity)) {
      auto it = assigned_.find(job.ticket_number);
      if (it != assigned_.end()) {
        d.displaced.push_back(std::move(it->second.request));
        assigned_.erase(it);
      } else {
        // A job loaded from elsewhere without its request: hand back what is
        // known so that the caller can look the request up.
        OnSiteRequest stub;
        stub.ticket_number = job.ticket_number;
        stub.severity = job.severity;
        d.displaced.push_back(std::move(stub));
      }
      std::erase_if(engineer->jobs,
                    [&](const EngineerJob& j) { return j.ticket_number == job.ticket_number; });
    }
  }
  const JobPlacement at =
      PlaceJob(*engineer, now, request.due, chosen.travel_time, policy_.expected_service_time,
               [](const EngineerJob&) { return false; });
  EngineerJob job;
  job.ticket_number = request.ticket_number;
  job.severity = request.severity;
  job.due = request.due;
  job.travel = chosen.travel_time;
  job.service = policy_.expected_service_time;
  engineer->jobs.insert(engineer->jobs.begin() + static_cast<std::ptrdiff_t>(at.position),
                        std::move(job));
  RescheduleJobs(*engineer, now);
  std::string ticket = request.ticket_number;  // the right side is evaluated (and moved) first
  assigned_[std::move(ticket)] = Assignment{std::move(request), d.engineer_id};
  return d;
}

Result<Decision> AssignmentPlanner::Plan(OnSiteRequest request, TimePoint now) {
  if (Status s = ValidateOnSiteRequest(request); !s.ok()) return s;
  if (assigned_.contains(request.ticket_number) || waiting_keys_.contains(request.ticket_number)) {
    return AlreadyExists("ON_SITE_REQUEST_ALREADY_PLANNED",
                         "ticket " + request.ticket_number + " is already assigned or waiting");
  }
  if (std::optional<Candidate> chosen = Choose(request, now)) {
    return Commit(std::move(request), *chosen, now);
  }
  Decision d;
  d.ticket_number = request.ticket_number;
  d.kind = DecisionKind::kQueued;
  QueueKey key = KeyOf(request);
  waiting_keys_.emplace(request.ticket_number, key);
  waiting_.emplace(std::move(key), std::move(request));
  return d;
}

std::vector<Decision> AssignmentPlanner::Replan(TimePoint now) {
  std::vector<Decision> out;
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    // A request nobody can take yet does not hold up the ones behind it:
    // they may need another skill or zone.
    std::optional<Candidate> chosen = Choose(it->second, now);
    if (!chosen) {
      ++it;
      continue;
    }
    OnSiteRequest request = std::move(it->second);
    waiting_keys_.erase(request.ticket_number);
    it = waiting_.erase(it);
    out.push_back(Commit(std::move(request), *chosen, now));
  }
  return out;
}

Result<Decision> AssignmentPlanner::Decline(std::string_view ticket_number,
                                            std::string_view engineer_id, TimePoint now) {
  auto it = assigned_.find(std::string(ticket_number));
  if (it == assigned_.end() || it->second.engineer_id != engineer_id) {
    return AssignmentNotFound(ticket_number, engineer_id);
  }
  OnSiteRequest request = std::move(it->second.request);
  assigned_.erase(it);
  if (Engineer* e = index_.FindMutable(engineer_id)) {
    std::erase_if(e->jobs, [&](const EngineerJob& j) { return j.ticket_number == ticket_number; });
  }
  request.excluded_engineers.emplace_back(engineer_id);
  return Plan(std::move(request), now);
}

Result<std::vector<Decision>> AssignmentPlanner::TakeOffDuty(std::string_view engineer_id,
                                                             TimePoint now) {
  Engineer* e = index_.FindMutable(engineer_id);
  if (e == nullptr) {
    return NotFound("ENGINEER_NOT_FOUND",
                    "engineer " + std::string(engineer_id) + " does not exist");
  }
  e->state = EngineerState::kOffDuty;
  std::vector<OnSiteRequest> to_replan;
  for (const EngineerJob& job : e->jobs) {
    if (job.started) continue;
    auto it = assigned_.find(job.ticket_number);
    if (it == assigned_.end()) continue;
    to_replan.push_back(std::move(it->second.request));
    assigned_.erase(it);
  }
  std::erase_if(e->jobs, [](const EngineerJob& j) { return !j.started; });
  std::sort(to_replan.begin(), to_replan.end(),
            [](const OnSiteRequest& a, const OnSiteRequest& b) { return KeyOf(a) < KeyOf(b); });
  std::vector<Decision> out;
  for (OnSiteRequest& r : to_replan) {
    Result<Decision> d = Plan(std::move(r), now);
    if (d.ok()) out.push_back(std::move(d).value());
  }
  return out;
}

Status AssignmentPlanner::ReturnToDuty(std::string_view engineer_id) {
  Engineer* e = index_.FindMutable(engineer_id);
  if (e == nullptr) {
    return NotFound("ENGINEER_NOT_FOUND",
                    "engineer " + std::string(engineer_id) + " does not exist");
  }
  if (e->state == EngineerState::kOffDuty) e->state = EngineerState::kAvailable;
  return Status::Ok();
}

Status AssignmentPlanner::MarkStarted(std::string_view engineer_id,
                                      std::string_view ticket_number) {
  Engineer* e = index_.FindMutable(engineer_id);
  if (e == nullptr) return AssignmentNotFound(ticket_number, engineer_id);
  for (EngineerJob& job : e->jobs) {
    if (job.ticket_number == ticket_number) {
      job.started = true;
      e->state = EngineerState::kTravelling;
      return Status::Ok();
    }
  }
  return AssignmentNotFound(ticket_number, engineer_id);
}

Status AssignmentPlanner::FinishJob(std::string_view engineer_id, std::string_view ticket_number,
                                    GeoPoint position) {
  const Engineer* e = index_.Find(engineer_id);
  if (e == nullptr) return AssignmentNotFound(ticket_number, engineer_id);
  Engineer updated = *e;
  const size_t before = updated.jobs.size();
  std::erase_if(updated.jobs,
                [&](const EngineerJob& j) { return j.ticket_number == ticket_number; });
  if (updated.jobs.size() == before) return AssignmentNotFound(ticket_number, engineer_id);
  updated.position = position;
  if (updated.state != EngineerState::kOffDuty) {
    updated.state = updated.jobs.empty() ? EngineerState::kAvailable : EngineerState::kTravelling;
  }
  if (Status s = index_.Upsert(std::move(updated)); !s.ok()) return s;
  assigned_.erase(std::string(ticket_number));
  return Status::Ok();
}

Status AssignmentPlanner::Cancel(std::string_view ticket_number) {
  const std::string ticket(ticket_number);
  if (auto w = waiting_keys_.find(ticket); w != waiting_keys_.end()) {
    waiting_.erase(w->second);
    waiting_keys_.erase(w);
    return Status::Ok();
  }
  auto it = assigned_.find(ticket);
  if (it == assigned_.end()) {
    return NotFound("ON_SITE_REQUEST_NOT_FOUND", "ticket " + ticket + " is not being dispatched");
  }
  if (Engineer* e = index_.FindMutable(it->second.engineer_id)) {
    std::erase_if(e->jobs, [&](const EngineerJob& j) { return j.ticket_number == ticket; });
  }
  assigned_.erase(it);
  return Status::Ok();
}

std::vector<OnSiteRequest> AssignmentPlanner::WaitingQueue() const {
  std::vector<OnSiteRequest> out;
  out.reserve(waiting_.size());
  for (const auto& [key, request] : waiting_) out.push_back(request);
  return out;
}

std::string AssignmentPlanner::AssignedEngineer(std::string_view ticket_number) const {
  auto it = assigned_.find(std::string(ticket_number));
  return it == assigned_.end() ? std::string() : it->second.engineer_id;
}

}  // namespace aftersales::dispatch

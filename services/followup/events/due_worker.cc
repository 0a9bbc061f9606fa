#include "services/followup/events/due_worker.h"

#include <condition_variable>
#include <mutex>

#include "services/common/runtime/log.h"

namespace aftersales::followup {

Result<int> FireDueOnce(FollowupStore& store, Notifier& notifier, int limit) {
  auto fired = store.FireDueTimers(limit);
  if (!fired.ok()) return fired.status();
  auto tell = [&](const Notification& n) {
    if (Status s = notifier.Notify(n); !s.ok()) {
      log::Warn("notification failed", {{"kind", n.kind}, {"error", s.ToString()}});
    }
  };
  for (const Task& t : fired->maintenance_visits) {
    tell({"MAINTENANCE_VISIT_DUE", t.id, t.customer_id, t.ticket_number, "customer", t.detail});
  }
  for (const Complaint& k : fired->escalations) {
    tell({"COMPLAINT_ESCALATED", k.id, k.customer_id, k.ticket_number,
          k.escalation_level == 1 ? "after-sales-lead" : "manager", k.steps.back().note});
  }
  for (const DueTask& d : fired->due_tasks) {
    std::string text = d.task.detail.empty() ? "followup due" : d.task.detail;
    if (!d.contact.empty()) {
      text += "; contact ";
      text += d.contact;
    }
    tell({"FOLLOWUP_DUE", d.task.id, d.task.customer_id, d.task.ticket_number, "care-staff", text});
  }
  return static_cast<int>(fired->maintenance_visits.size() + fired->escalations.size() +
                          fired->due_tasks.size());
}

void RunDueWorker(std::stop_token stop, FollowupStore& store, Notifier& notifier,
                  std::chrono::milliseconds interval) {
  std::mutex mu;
  std::condition_variable_any wakeup;
  while (!stop.stop_requested()) {
    // Drain everything due before sleeping.
    for (int round = 0; round < 100 && !stop.stop_requested(); ++round) {
      auto n = FireDueOnce(store, notifier);
      if (!n.ok()) {
        log::Warn("due timers failed", {{"error", n.status().ToString()}});
        break;
      }
      if (*n == 0) break;
    }
    std::unique_lock lock(mu);
    wakeup.wait_for(lock, stop, interval, [] { return false; });
  }
}

}  // namespace aftersales::followup

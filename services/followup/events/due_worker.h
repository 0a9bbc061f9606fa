// The worker that fires due timers (maintenance visits, complaint
// escalations) and tells people through the notification port. Replicas may
// all run it: each timer fires once (FollowupStore::FireDueTimers).
#pragma once

#include <chrono>
#include <stop_token>

#include "services/followup/notify/notifier.h"
#include "services/followup/storage/followup_store.h"

namespace aftersales::followup {

// One pass; returns how many timers fired. Notification failures are logged,
// never retried here: the state change and its event already went out.
Result<int> FireDueOnce(FollowupStore& store, Notifier& notifier, int limit = 100);

void RunDueWorker(std::stop_token stop, FollowupStore& store, Notifier& notifier,
                  std::chrono::milliseconds interval);

}  // namespace aftersales::followup

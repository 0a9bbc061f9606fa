// What followup does with every service's events: return visits,
// reconfirmations, expiry reminders and plan faults from intake and dispatch,
// and the service report from all four streams (its own included).
#pragma once

#include <chrono>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "services/common/streams/consumer.h"
#include "services/followup/domain/report.h"
#include "services/followup/storage/followup_store.h"

namespace aftersales::followup {

inline constexpr char kIntakeEvents[] = "{intake}:events";
inline constexpr char kDispatchEvents[] = "{dispatch}:events";
inline constexpr char kInventoryEvents[] = "{inventory}:events";
inline constexpr char kFollowupEvents[] = "{followup}:events";
inline constexpr char kConsumerGroup[] = "followup";

// The streams the report is folded from, in the order a rebuild merges ties.
std::vector<std::string> ReportStreams();

// What the report takes from an event; nullopt for events it ignores.
std::optional<ReportEvent> ToReportEvent(const streams::Event& event);

// Applies an event's effects: tasks first, then the report. Each effect is one
// guarded script, so a redelivered event creates nothing new.
Status HandleEvent(FollowupStore& store, const streams::Event& event);

streams::Consumer::Handler EventHandler(FollowupStore& store);
streams::ConsumerOptions ConsumerOptionsFor(const std::string& stream, const std::string& consumer);

// Clears the report projection and folds every event still in the streams,
// merged by event time. Returns how many events were applied.
Result<int64_t> RebuildReport(redis::RedisPool& pool, FollowupStore& store, bool clear = true);

}  // namespace aftersales::followup

// What intake does with other services' events: dispatch's work order news
// moves the ticket on; followup's failed reconfirmations reopen it and its
// complaints are noted in the history. Effects are idempotent: each records
// the event id with the ticket change in one script.
#pragma once

#include <chrono>
#include <string>

#include "services/common/redis/pool.h"
#include "services/common/status.h"
#include "services/common/streams/consumer.h"
#include "services/intake/tickets/ticket_desk.h"

namespace aftersales::intake {

inline constexpr char kConsumerGroup[] = "intake";

// Handlers for one stream's events; unknown types are acknowledged unchanged.
Status HandleDispatchEvent(TicketDesk& desk, const streams::Event& event);
Status HandleFollowupEvent(TicketDesk& desk, const streams::Event& event);

// Consumers of `{dispatch}:events` and `{followup}:events` in group "intake".
// `consumer` names this process (stable across its restarts); `block` bounds
// one read (and so how long a stop takes).
// `claim_idle`: see streams::ConsumerOptions (AFTERSALES_STREAMS_CLAIM_IDLE).
Result<streams::ConsumerPtr> MakeDispatchConsumer(
    redis::RedisPool& pool, TicketDesk& desk, const std::string& consumer,
    std::chrono::milliseconds block = std::chrono::seconds(2),
    std::chrono::milliseconds claim_idle = streams::ConsumerOptions{}.claim_idle);
Result<streams::ConsumerPtr> MakeFollowupConsumer(
    redis::RedisPool& pool, TicketDesk& desk, const std::string& consumer,
    std::chrono::milliseconds block = std::chrono::seconds(2),
    std::chrono::milliseconds claim_idle = streams::ConsumerOptions{}.claim_idle);

}  // namespace aftersales::intake

// Intake's events as dispatch consumes them (group "dispatch" on
// `{intake}:events`): an on-site request becomes a work order, a closed ticket
// cancels its open one. Other event types are acknowledged and ignored.
#pragma once

#include <string>

#include "services/common/redis/pool.h"
#include "services/common/streams/consumer.h"
#include "services/dispatch/desk/dispatch_desk.h"

namespace aftersales::dispatch {

inline constexpr char kIntakeStream[] = "{intake}:events";
inline constexpr char kConsumerGroup[] = "dispatch";

// Options for the consumer; `consumer` names this process (stable across its
// restarts, e.g. the pod name).
streams::ConsumerOptions IntakeConsumerOptions(std::string consumer);

// The consumer wired to the desk. `consumer_out` (the handler needs it for
// the handled marker) lives as long as the returned pointer.
Result<streams::ConsumerPtr> MakeIntakeConsumer(redis::RedisPool& pool, DispatchDesk& desk,
                                                streams::ConsumerOptions options);

// What the consumer does with one event; public for tests that simulate a
// crash between the effect and the acknowledgement.
Status HandleIntakeEvent(DispatchDesk& desk, const streams::Event& event,
                         const streams::MarkHandledArgs& handled);

}  // namespace aftersales::dispatch

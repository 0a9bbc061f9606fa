#include "services/dispatch/events/intake_events.h"

#include "aftersales/events/v1/intake_events.pb.h"

namespace aftersales::dispatch {

streams::ConsumerOptions IntakeConsumerOptions(std::string consumer) {
  streams::ConsumerOptions o;
  o.stream = kIntakeStream;
  o.group = kConsumerGroup;
  o.consumer = std::move(consumer);
  o.handled_prefix = "{dispatch}:";
  // Most of intake's stream (reports, responses, clocks) is not dispatch's
  // business: acked unread.
  o.types = {events::v1::TicketOnsiteRequested::descriptor()->full_name(),
             events::v1::TicketClosed::descriptor()->full_name()};
  return o;
}

Status HandleIntakeEvent(DispatchDesk& desk, const streams::Event& event,
                         const streams::MarkHandledArgs& handled) {
  if (event.type == events::v1::TicketOnsiteRequested::descriptor()->full_name()) {
    events::v1::TicketOnsiteRequested e;
    if (!e.ParseFromString(event.payload)) {
      return InvalidArgument("MALFORMED_EVENT", "TicketOnsiteRequested does not parse");
    }
    return desk.OnTicketOnsiteRequested(e, handled);
  }
  if (event.type == events::v1::TicketClosed::descriptor()->full_name()) {
    events::v1::TicketClosed e;
    if (!e.ParseFromString(event.payload)) {
      return InvalidArgument("MALFORMED_EVENT", "TicketClosed does not parse");
    }
    return desk.OnTicketClosed(e, handled);
  }
  return Status::Ok();
}

Result<streams::ConsumerPtr> MakeIntakeConsumer(redis::RedisPool& pool, DispatchDesk& desk,
                                                streams::ConsumerOptions options) {
  // The handler needs the consumer (for its handled-marker names) and the
  // consumer needs the handler: tie them through a shared slot.
  auto slot = std::make_shared<streams::Consumer*>(nullptr);
  auto consumer = streams::Consumer::Create(
      pool, std::move(options), [&desk, slot](const streams::Event& event) {
        return HandleIntakeEvent(desk, event, (*slot)->MarkHandled(event));
      });
  if (!consumer.ok()) return consumer.status();
  *slot = consumer->get();
  return consumer;
}

}  // namespace aftersales::dispatch

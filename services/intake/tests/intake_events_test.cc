// Intake's reactions to dispatch's and followup's events, through real
// consumer groups on a real redis-server: each moves the ticket once.
#include <google/protobuf/util/time_util.h>

#include <catch2/catch.hpp>

#include "aftersales/events/v1/dispatch_events.pb.h"
#include "aftersales/events/v1/followup_events.pb.h"
#include "services/common/runtime/uuid.h"
#include "services/common/streams/outbox.h"
#include "services/intake/events/intake_consumers.h"
#include "services/intake/tests/intake_fixture.h"

namespace aftersales::intake::testing {
namespace {

namespace pb = ::aftersales::common::v1;
namespace ev = ::aftersales::events::v1;
using Stub = v1::IntakeService::Stub;

template <typename M>
streams::EventToPublish Envelope(const M& m, const std::string& number, TimePoint at) {
  return {NewUuid(), M::descriptor()->full_name(), number, ToUnixMillis(at), m.SerializeAsString()};
}

v1::Ticket Read(IntakeFixture& f, const std::string& number) {
  v1::GetTicketRequest get;
  get.set_ticket_number(number);
  v1::Ticket t;
  REQUIRE(f.Call(&Stub::GetTicket, get, &t).ok());
  return t;
}

int HistoryLength(IntakeFixture& f, const std::string& number) {
  v1::GetTicketHistoryRequest hist;
  hist.set_ticket_number(number);
  hist.set_page_size(500);
  v1::GetTicketHistoryResponse h;
  REQUIRE(f.Call(&Stub::GetTicketHistory, hist, &h).ok());
  return h.entries_size();
}

// Drains a consumer: a few bounded polls.
void Drain(streams::Consumer& c) {
  for (int i = 0; i < 4; ++i) REQUIRE(c.RunOnce().ok());
}

TEST_CASE("dispatch's work order news moves the ticket on, once per event") {
  IntakeFixture f;
  auto base = f.MakeInstallBase();
  const std::string number = f.MustCreate(f.FaultReport(base)).number();
  const FaultNumber n = FaultNumber::Parse(number).value();
  REQUIRE(f.desk_->Respond(n, Caller{"agent", "a", ""}, "", "").ok());
  REQUIRE(f.desk_->RequestOnsite(n, Caller{"agent", "a", ""}, "", "", "parking").ok());

  auto consumer =
      MakeDispatchConsumer(*f.pool_, *f.desk_, "test-1", std::chrono::milliseconds(50)).value();
  streams::Publisher dispatch(*f.pool_, keys::kDispatchEvents);

  ev::WorkOrderAssigned assigned;
  assigned.set_work_order_id("wo-1");
  assigned.set_ticket_number(number);
  assigned.set_engineer_name("李工");
  REQUIRE(dispatch.Publish(Envelope(assigned, number, f.clock_.Now())).ok());
  f.clock_.Advance(std::chrono::minutes(50));
  ev::WorkOrderArrived arrived;
  arrived.set_work_order_id("wo-1");
  arrived.set_ticket_number(number);
  *arrived.mutable_arrive_time() =
      google::protobuf::util::TimeUtil::MillisecondsToTimestamp(ToUnixMillis(f.clock_.Now()));
  const auto arrived_event = Envelope(arrived, number, f.clock_.Now());
  REQUIRE(dispatch.Publish(arrived_event).ok());
  Drain(*consumer);

  v1::Ticket t = Read(f, number);
  CHECK(t.status() == v1::Ticket::ONSITE_IN_PROGRESS);
  CHECK(t.work_order_id() == "wo-1");
  for (const auto& d : t.deadlines()) {
    if (d.clock() == pb::ONSITE_ARRIVAL) CHECK(d.state() == pb::MET);
  }
  const int history = HistoryLength(f, number);
  const auto events = f.Events().size();

  // The same event delivered again (a publisher's retry): nothing changes.
  REQUIRE(HandleDispatchEvent(
              *f.desk_, streams::Event{"0-1", arrived_event.event_id, arrived_event.type, number,
                                       arrived_event.time_ms, arrived_event.payload, 2})
              .ok());
  REQUIRE(dispatch.Publish(arrived_event).ok());
  Drain(*consumer);
  CHECK(HistoryLength(f, number) == history);
  CHECK(f.Events().size() == events);

  f.clock_.Advance(std::chrono::hours(2));
  ev::WorkOrderDone done;
  done.set_work_order_id("wo-1");
  done.set_ticket_number(number);
  done.set_fixed(true);
  done.set_actions("replaced the loop detector");
  REQUIRE(dispatch.Publish(Envelope(done, number, f.clock_.Now())).ok());
  ev::WorkOrderSignedOff signed_off;
  signed_off.set_work_order_id("wo-1");
  signed_off.set_ticket_number(number);
  signed_off.set_signed_by("王伟");
  REQUIRE(dispatch.Publish(Envelope(signed_off, number, f.clock_.Now())).ok());
  Drain(*consumer);
  t = Read(f, number);
  CHECK(t.status() == v1::Ticket::CLOSED);
  CHECK(t.solution() == "replaced the loop detector");
  auto types = f.EventTypes();
  REQUIRE(types.size() >= 3);
  CHECK(types[types.size() - 2] == "TicketResolved");
  CHECK(types.back() == "TicketClosed");
}

TEST_CASE("a failed reconfirmation reopens the ticket and a complaint is noted") {
  IntakeFixture f;
  auto base = f.MakeInstallBase();
  const std::string number = f.MustCreate(f.FaultReport(base)).number();
  const FaultNumber n = FaultNumber::Parse(number).value();
  REQUIRE(f.desk_->ResolveByPhone(n, Caller{"agent", "a", ""}, "", "restarted it", "").ok());

  auto consumer =
      MakeFollowupConsumer(*f.pool_, *f.desk_, "test-1", std::chrono::milliseconds(50)).value();
  streams::Publisher followup(*f.pool_, keys::kFollowupEvents);
  f.clock_.Advance(std::chrono::hours(20));
  ev::ReconfirmFailed failed;
  failed.set_ticket_number(number);
  failed.set_comment("道闸又坏了");
  REQUIRE(followup.Publish(Envelope(failed, number, f.clock_.Now())).ok());
  ev::ComplaintOpened complaint;
  complaint.set_ticket_number(number);
  complaint.set_complaint_id("c-1");
  complaint.set_text("too slow");
  REQUIRE(followup.Publish(Envelope(complaint, number, f.clock_.Now())).ok());
  // Not a ticket of ours: acknowledged, nothing changes.
  ev::ComplaintOpened stray;
  stray.set_ticket_number("12345");
  REQUIRE(followup.Publish(Envelope(stray, "12345", f.clock_.Now())).ok());
  Drain(*consumer);
  CHECK(consumer->counters().failed == 0);

  v1::Ticket t = Read(f, number);
  CHECK(t.status() == v1::Ticket::OPEN);
  CHECK(t.reopen_count() == 1);
  v1::GetTicketHistoryRequest hist;
  hist.set_ticket_number(number);
  v1::GetTicketHistoryResponse h;
  REQUIRE(f.Call(&Stub::GetTicketHistory, hist, &h).ok());
  std::vector<v1::HistoryEntry::Kind> kinds;
  for (const auto& e : h.entries()) kinds.push_back(e.kind());
  REQUIRE(kinds.size() >= 3);
  CHECK(kinds[kinds.size() - 3] == v1::HistoryEntry::RECONFIRM_FAILED);
  CHECK(kinds[kinds.size() - 2] == v1::HistoryEntry::REOPENED);
  CHECK(kinds.back() == v1::HistoryEntry::COMPLAINT_OPENED);
  CHECK(f.EventTypes().back() == "TicketAnnotated");
}

}  // namespace
}  // namespace aftersales::intake::testing

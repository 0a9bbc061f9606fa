// Dispatch's work order events drive inventory: done issues, cancelled releases.
#include "services/inventory/events/work_order_events.h"

#include <catch2/catch.hpp>

#include "aftersales/events/v1/dispatch_events.pb.h"
#include "services/common/streams/outbox.h"
#include "services/inventory/rpc/tests/inventory_fixture.h"

using namespace aftersales;
using namespace aftersales::inventory;
using namespace aftersales::inventory::testing_support;

namespace {

streams::EventToPublish Event(const std::string& type, const google::protobuf::Message& m,
                              const std::string& id = NewUuid()) {
  return {id, "aftersales.events.v1." + type, "wo", 1'790'000'000'000, m.SerializeAsString()};
}

void Drain(streams::Consumer& consumer) {
  for (int i = 0; i < 3; ++i) REQUIRE(consumer.RunOnce().ok());
}

}  // namespace

TEST_CASE("a cancelled work order releases its reservations once, even when redelivered") {
  InventoryFixture f;
  f.AddPart("PSU");
  f.AddLocation("depot", v1::Location::DEPOT);
  f.Receive("PSU", "depot", 3);
  REQUIRE(f.store->Reserve("wo-1", "", "", {{"PSU", 2}}, NewUuid()).ok());

  auto options = WorkOrderConsumerOptions("test");
  options.block = std::chrono::milliseconds(50);
  auto consumer = streams::Consumer::Create(*f.pool, options, WorkOrderEventHandler(*f.store));
  REQUIRE(consumer.ok());

  streams::Publisher dispatch(*f.pool, kDispatchEvents);
  events::v1::WorkOrderCancelled cancelled;
  cancelled.set_work_order_id("wo-1");
  auto event = Event("WorkOrderCancelled", cancelled);
  REQUIRE(dispatch.Publish(event).ok());
  REQUIRE(dispatch.Publish(event).ok());  // the same event twice
  Drain(**consumer);
  CHECK(f.Level("PSU", "depot").reserved() == 0);
  CHECK(f.Events("PartsReleased").size() == 1);
  CHECK((*consumer)->counters().failed == 0);
  f.RequireLedgerMatches();
}

TEST_CASE("a done work order issues the parts used and releases the rest") {
  InventoryFixture f;
  f.AddPart("PSU");
  f.AddPart("FAN");
  f.AddLocation("van-E1", v1::Location::VAN, "sh", "E1");
  f.Receive("PSU", "van-E1", 3);
  f.Receive("FAN", "van-E1", 1);
  REQUIRE(f.store->Reserve("wo-2", "E1", "sh", {{"PSU", 2}, {"FAN", 1}}, NewUuid()).ok());

  auto options = WorkOrderConsumerOptions("test");
  options.block = std::chrono::milliseconds(50);
  auto consumer = streams::Consumer::Create(*f.pool, options, WorkOrderEventHandler(*f.store));
  REQUIRE(consumer.ok());
  streams::Publisher dispatch(*f.pool, kDispatchEvents);
  events::v1::WorkOrderDone done;
  done.set_work_order_id("wo-2");
  auto* used = done.add_parts_used();
  used->set_sku("PSU");
  used->set_quantity(1);
  used->set_location("van-E1");
  used->set_serial_in("SN-IN");
  used->set_serial_out("SN-OUT");
  REQUIRE(dispatch.Publish(Event("WorkOrderDone", done)).ok());
  Drain(**consumer);

  const auto psu = f.Level("PSU", "van-E1");
  CHECK(psu.on_hand() == 2);
  CHECK(psu.reserved() == 0);
  CHECK(f.Level("FAN", "van-E1").available() == 1);
  auto ledger = f.store->ReadLedger("PSU", "van-E1");
  REQUIRE(ledger.ok());
  bool serials_recorded = false;
  for (const auto& e : *ledger) {
    if (e.kind == LedgerKind::kIssue && e.reason.find("SN-IN") != std::string::npos &&
        e.reason.find("SN-OUT") != std::string::npos) {
      serials_recorded = true;
    }
  }
  CHECK(serials_recorded);
  f.RequireLedgerMatches();
}

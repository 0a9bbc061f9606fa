// The inventory gRPC service end to end: in-process server, real Redis.
#include <catch2/catch.hpp>

#include "aftersales/events/v1/inventory_events.pb.h"
#include "services/inventory/rpc/tests/inventory_fixture.h"

using namespace aftersales;
using namespace aftersales::inventory;
using namespace aftersales::inventory::testing_support;
using namespace std::chrono_literals;
using Stub = v1::InventoryService::Stub;

namespace {
TimePoint ToTime(const google::protobuf::Timestamp& ts) {
  return TimePoint(std::chrono::seconds(ts.seconds()));
}
}  // namespace

TEST_CASE("advance replacement lifecycle through gRPC with an overdue return") {
  InventoryFixture f;
  f.AddPart("PSU-500", 6);
  f.AddLocation("depot", v1::Location::DEPOT);
  f.Receive("PSU-500", "depot", 3);

  v1::CreateAdvanceReplacementRequest create;
  create.set_ticket_number("T-0001");
  create.set_sku("PSU-500");
  create.set_ship_from("depot");
  create.set_request_id(NewUuid());
  v1::AdvanceReplacement shipped;
  REQUIRE(f.Call(&Stub::CreateAdvanceReplacement, create, shipped).ok());
  CHECK(shipped.status() == v1::AdvanceReplacement::SHIPPED);
  CHECK(ToTime(shipped.return_due()) == f.clock.Now() + std::chrono::days(15));
  CHECK(f.Level("PSU-500", "depot").on_hand() == 2);
  CHECK(f.Events("PartShipped").size() == 1);

  // Day 15: not overdue yet; day 16: the scan finds it, once.
  f.clock.Advance(std::chrono::days(15));
  CHECK(f.store->ScanOverdueReturns()->empty());
  f.clock.Advance(std::chrono::days(1));
  REQUIRE(f.store->ScanOverdueReturns()->size() == 1);
  CHECK(f.store->ScanOverdueReturns()->empty());
  auto overdue_events = f.Events("ReturnOverdue");
  REQUIRE(overdue_events.size() == 1);
  events::v1::ReturnOverdue overdue;
  REQUIRE(overdue.ParseFromString(overdue_events[0]));
  CHECK(overdue.advance_replacement_id() == shipped.id());
  CHECK(overdue.ticket_number() == "T-0001");

  v1::ListAdvanceReplacementsRequest list;
  list.set_overdue(true);
  v1::ListAdvanceReplacementsResponse listed;
  REQUIRE(f.Call(&Stub::ListAdvanceReplacements, list, listed).ok());
  REQUIRE(listed.advance_replacements_size() == 1);
  CHECK(listed.advance_replacements(0).status() == v1::AdvanceReplacement::OVERDUE);

  v1::ReceiveAdvanceReturnRequest back;
  back.set_advance_replacement_id(shipped.id());
  back.set_serial("SN-FAULTY-1");
  back.set_request_id(NewUuid());
  v1::ReceiveAdvanceReturnResponse returned;
  REQUIRE(f.Call(&Stub::ReceiveAdvanceReturn, back, returned).ok());
  CHECK(returned.advance_replacement().status() == v1::AdvanceReplacement::RETURNED);
  CHECK(returned.advance_replacement().returned_serial() == "SN-FAULTY-1");
  REQUIRE_FALSE(returned.advance_replacement().repair_id().empty());
  listed.Clear();
  REQUIRE(f.Call(&Stub::ListAdvanceReplacements, list, listed).ok());
  CHECK(listed.advance_replacements_size() == 0);
  CHECK(f.Level("PSU-500", "depot").in_repair() == 1);

  // The returned part is repaired and goes back to stock with its own warranty.
  v1::CompleteRepairRequest complete;
  complete.set_repair_id(returned.advance_replacement().repair_id());
  complete.set_outcome(common::v1::REPAIRED);
  complete.set_request_id(NewUuid());
  v1::CompleteRepairResponse repaired;
  REQUIRE(f.Call(&Stub::CompleteRepair, complete, repaired).ok());
  CHECK(repaired.repair().status() == v1::Repair::DONE);
  CHECK(ToTime(repaired.repair().warranty_start_time()) == f.clock.Now());
  CHECK(ToTime(repaired.repair().warranty_end_time()) == AddMonths(f.clock.Now(), 6));
  const auto level = f.Level("PSU-500", "depot");
  CHECK(level.on_hand() == 3);
  CHECK(level.in_repair() == 0);
  f.RequireLedgerMatches();
}

TEST_CASE("repair lifecycle through gRPC: late scrap leaves stock through the ledger") {
  InventoryFixture f;
  f.AddPart("BOARD");
  f.AddLocation("wh-sh", v1::Location::BRANCH, "sh");
  f.Receive("BOARD", "wh-sh", 1);

  v1::CreateRepairRequest create;
  create.set_sku("BOARD");
  create.set_serial("SN-7");
  create.set_location("wh-sh");
  create.set_ticket_number("T-0002");
  create.set_request_id(NewUuid());
  v1::Repair repair;
  REQUIRE(f.Call(&Stub::CreateRepair, create, repair).ok());
  CHECK(repair.status() == v1::Repair::IN_REPAIR);
  CHECK(ToTime(repair.due_time()) == AddMonths(f.clock.Now(), 1));
  CHECK(f.Level("BOARD", "wh-sh").in_repair() == 1);
  CHECK(f.Level("BOARD", "wh-sh").available() == 1);  // a faulty unit is never available

  f.clock.Advance(std::chrono::days(40));
  v1::CompleteRepairRequest complete;
  complete.set_repair_id(repair.id());
  complete.set_outcome(common::v1::SCRAPPED);
  complete.set_request_id(NewUuid());
  v1::CompleteRepairResponse done;
  REQUIRE(f.Call(&Stub::CompleteRepair, complete, done).ok());
  CHECK(done.repair().outcome() == common::v1::SCRAPPED);
  CHECK_FALSE(done.repair().has_warranty_start_time());
  auto events = f.Events("RepairDone");
  REQUIRE(events.size() == 1);
  events::v1::RepairDone event;
  REQUIRE(event.ParseFromString(events[0]));
  CHECK(event.late());
  CHECK(event.outcome() == common::v1::SCRAPPED);
  CHECK(f.Level("BOARD", "wh-sh").in_repair() == 0);
  CHECK(f.Level("BOARD", "wh-sh").on_hand() == 1);
  auto ledger = f.store->ReadLedger("BOARD", "wh-sh");
  REQUIRE(ledger.ok());
  CHECK(ledger->back().kind == LedgerKind::kScrap);

  complete.set_request_id(NewUuid());
  Status twice = f.Call(&Stub::CompleteRepair, complete, done);
  CHECK(twice.code() == Code::kFailedPrecondition);
  CHECK(twice.reason() == "REPAIR_ALREADY_DONE");
  f.RequireLedgerMatches();
}

TEST_CASE("bad quantities and unknown names come back over gRPC with the field named") {
  InventoryFixture f;
  f.AddPart("PSU");
  f.AddLocation("depot", v1::Location::DEPOT);

  v1::ReceiveStockRequest receive;
  receive.set_sku("PSU");
  receive.set_location("depot");
  receive.set_quantity(0);
  v1::ReceiveStockResponse received;
  Status zero = f.Call(&Stub::ReceiveStock, receive, received);
  INFO(zero.ToString());
  CHECK(zero.code() == Code::kInvalidArgument);
  CHECK(Names(zero, "quantity"));

  v1::ReservePartsRequest reserve;
  reserve.set_work_order_id("wo-1");
  auto* line = reserve.add_lines();
  line->set_sku("PSU");
  line->set_quantity(-2);
  v1::ReservePartsResponse reserved;
  Status negative = f.Call(&Stub::ReserveParts, reserve, reserved);
  CHECK(negative.code() == Code::kInvalidArgument);
  CHECK(Names(negative, "lines[0].quantity"));

  receive.set_quantity(1);
  receive.set_sku("NOPE");
  Status unknown = f.Call(&Stub::ReceiveStock, receive, received);
  CHECK(unknown.code() == Code::kNotFound);
  CHECK(unknown.reason() == "SKU_NOT_FOUND");

  v1::CreatePartRequest part;
  part.set_sku("X");
  v1::Part created;
  Status bad_part = f.Call(&Stub::CreatePart, part, created);
  CHECK(Names(bad_part, "name"));
  CHECK(Names(bad_part, "salePrice.currencyCode"));

  v1::AdjustStockRequest adjust;
  adjust.set_sku("PSU");
  adjust.set_location("depot");
  v1::AdjustStockResponse adjusted;
  Status no_delta = f.Call(&Stub::AdjustStock, adjust, adjusted);
  CHECK(Names(no_delta, "delta"));
  CHECK(Names(no_delta, "reason"));

  v1::ListStockLevelsRequest list;
  list.set_page_size(-1);
  v1::ListStockLevelsResponse levels;
  CHECK(Names(f.Call(&Stub::ListStockLevels, list, levels), "pageSize"));
}

TEST_CASE("a part created without warranty months gets the default over gRPC") {
  InventoryFixture f;
  v1::CreatePartRequest r;
  r.set_sku("FAN");
  r.set_name("Fan");
  r.mutable_cost_price()->set_currency_code("CNY");
  r.mutable_sale_price()->set_currency_code("CNY");
  r.mutable_sale_price()->set_minor_units(12999);
  v1::Part part;
  REQUIRE(f.Call(&Stub::CreatePart, r, part).ok());
  CHECK(part.warranty_months() == 3);
  CHECK(part.sale_price().minor_units() == 12999);
  v1::Part again;
  r.set_request_id(NewUuid());
  CHECK(f.Call(&Stub::CreatePart, r, again).code() == Code::kAlreadyExists);
}

TEST_CASE("ReserveParts over gRPC: van first, retried five times reserves once") {
  InventoryFixture f;
  f.AddPart("PSU");
  f.AddLocation("depot", v1::Location::DEPOT);
  f.AddLocation("van-E1", v1::Location::VAN, "sh", "E1");
  f.Receive("PSU", "depot", 5);
  f.Receive("PSU", "van-E1", 2);

  v1::ReservePartsRequest reserve;
  reserve.set_work_order_id("wo-9");
  reserve.set_engineer_id("E1");
  reserve.set_branch("sh");
  reserve.set_request_id(NewUuid());
  auto* line = reserve.add_lines();
  line->set_sku("PSU");
  line->set_quantity(2);
  std::string id;
  for (int i = 0; i < 5; ++i) {
    v1::ReservePartsResponse out;
    REQUIRE(f.Call(&Stub::ReserveParts, reserve, out).ok());
    REQUIRE(out.reservations_size() == 1);
    CHECK(out.reservations(0).location() == "van-E1");
    if (i == 0) id = out.reservations(0).id();
    CHECK(out.reservations(0).id() == id);
  }
  CHECK(f.Level("PSU", "van-E1").reserved() == 2);
  CHECK(f.Level("PSU", "depot").reserved() == 0);

  v1::ReleasePartsRequest release;
  release.set_work_order_id("wo-9");
  release.set_request_id(NewUuid());
  v1::ReleasePartsResponse released;
  REQUIRE(f.Call(&Stub::ReleaseParts, release, released).ok());
  REQUIRE(released.reservations_size() == 1);
  CHECK(released.reservations(0).status() == v1::Reservation::RELEASED);
  CHECK(released.reservations(0).released_quantity() == 2);
  CHECK(f.Level("PSU", "van-E1").available() == 2);
  f.RequireLedgerMatches();
}

TEST_CASE("a loaner is tracked by serial until it comes back") {
  InventoryFixture f;
  f.AddPart("TERM");
  v1::CreateLoanerRequest lend;
  lend.set_ticket_number("T-0003");
  lend.set_sku("TERM");
  lend.set_serial("LN-1");
  lend.set_request_id(NewUuid());
  v1::Loaner loaner;
  REQUIRE(f.Call(&Stub::CreateLoaner, lend, loaner).ok());
  CHECK(loaner.status() == v1::Loaner::LENT);
  lend.set_request_id(NewUuid());
  v1::Loaner twice;
  CHECK(f.Call(&Stub::CreateLoaner, lend, twice).reason() == "LOANER_ALREADY_OUT");

  v1::ListLoanersRequest outstanding;
  outstanding.set_outstanding(true);
  v1::ListLoanersResponse listed;
  REQUIRE(f.Call(&Stub::ListLoaners, outstanding, listed).ok());
  CHECK(listed.loaners_size() == 1);

  v1::ReturnLoanerRequest back;
  back.set_loaner_id(loaner.id());
  back.set_request_id(NewUuid());
  v1::ReturnLoanerResponse returned;
  REQUIRE(f.Call(&Stub::ReturnLoaner, back, returned).ok());
  CHECK(returned.loaner().status() == v1::Loaner::RETURNED);
  listed.Clear();
  REQUIRE(f.Call(&Stub::ListLoaners, outstanding, listed).ok());
  CHECK(listed.loaners_size() == 0);
  CHECK(f.Events("LoanerOut").size() == 1);
  CHECK(f.Events("LoanerBack").size() == 1);
}

TEST_CASE("replenishment requests are listable through gRPC") {
  InventoryFixture f;
  f.AddPart("PSU");
  f.AddLocation("depot", v1::Location::DEPOT);
  f.Receive("PSU", "depot", 4);
  v1::SetReorderPointRequest point;
  point.set_sku("PSU");
  point.set_location("depot");
  point.set_reorder_point(2);
  v1::SetReorderPointResponse set;
  REQUIRE(f.Call(&Stub::SetReorderPoint, point, set).ok());
  CHECK(set.level().reorder_point() == 2);

  v1::TransferStockRequest transfer;
  transfer.set_sku("PSU");
  transfer.set_from("depot");
  transfer.set_to("depot");
  transfer.set_quantity(1);
  v1::TransferStockResponse moved;
  CHECK(Names(f.Call(&Stub::TransferStock, transfer, moved), "to"));

  f.AddLocation("wh-sh", v1::Location::BRANCH, "sh");
  transfer.set_to("wh-sh");
  transfer.set_quantity(2);
  REQUIRE(f.Call(&Stub::TransferStock, transfer, moved).ok());
  CHECK(moved.from_level().available() == 2);
  CHECK(moved.to_level().on_hand() == 2);

  v1::ListReplenishmentRequestsRequest list;
  list.set_status(v1::ReplenishmentRequest::OPEN);
  v1::ListReplenishmentRequestsResponse open;
  REQUIRE(f.Call(&Stub::ListReplenishmentRequests, list, open).ok());
  REQUIRE(open.replenishment_requests_size() == 1);
  CHECK(open.replenishment_requests(0).location() == "depot");
  CHECK(open.replenishment_requests(0).quantity() == 2);
  f.RequireLedgerMatches();
}

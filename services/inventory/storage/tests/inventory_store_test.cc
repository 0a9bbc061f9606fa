// The inventory's Redis scripts against a real redis-server.
#include "services/inventory/storage/inventory_store.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "aftersales/events/v1/inventory_events.pb.h"
#include "services/inventory/storage/keys.h"
#include "services/inventory/storage/ledger_audit.h"
#include "tests/support/redis_server.h"

using namespace aftersales;
using namespace aftersales::inventory;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  testing::RedisServer server;
  redis::RedisPoolPtr pool;
  ManualClock clock{FromUnixMillis(1'790'000'000'000)};
  UuidGenerator ids;
  std::unique_ptr<InventoryStore> store;

  Fixture() {
    redis::RedisOptions options;
    options.port = server.port();
    options.pool_size = 8;
    pool = std::move(redis::RedisPool::Create(options)).value();
    store = std::make_unique<InventoryStore>(*pool, clock, ids);
  }

  void AddPart(const std::string& sku, bool critical = false, int safety = 0) {
    PartSpec spec;
    spec.sku = sku;
    spec.name = "Part " + sku;
    spec.cost_price = {"CNY", 1000};
    spec.sale_price = {"CNY", 2500};
    spec.critical = critical;
    spec.safety_stock = safety;
    REQUIRE(store->CreatePart(*NewPart(spec), NewUuid()).ok());
  }
  void AddLocation(const std::string& id, LocationType type, const std::string& branch = "",
                   const std::string& engineer = "") {
    REQUIRE(store->CreateLocation({id, "Location " + id, type, branch, engineer}, NewUuid()).ok());
  }
  StockCounters Level(const std::string& sku, const std::string& loc) {
    auto l = store->GetLevel(sku, loc);
    REQUIRE(l.ok());
    return {IntField(*l, "on_hand"), IntField(*l, "reserved"), IntField(*l, "in_repair")};
  }
  // Every level equals what its ledger adds up to.
  void RequireLedgerMatches() {
    auto audit = AuditLedger(*store);
    INFO(audit.status().ToString());
    REQUIRE(audit.ok());
    REQUIRE(audit->levels_checked > 0);
  }
  // Events of one type on {inventory}:events, payloads in order.
  std::vector<std::string> Events(const std::string& type) {
    auto reply = pool->Command({"XRANGE", keys::Events(), "-", "+"});
    REQUIRE(reply.ok());
    std::vector<std::string> out;
    for (size_t i = 0; i < reply->size(); ++i) {
      auto fields = (*reply)[i][1];
      std::string t, payload;
      for (size_t j = 0; j + 1 < fields.size(); j += 2) {
        if (fields[j].str() == "type") t = fields[j + 1].string();
        if (fields[j].str() == "payload") payload = fields[j + 1].string();
      }
      if (t == "aftersales.events.v1." + type) out.push_back(payload);
    }
    return out;
  }
};

}  // namespace

TEST_CASE("200 concurrent reservations of 10 available units grant exactly 10") {
  Fixture f;
  f.AddPart("FAN-1");
  f.AddLocation("depot", LocationType::kDepot);
  REQUIRE(f.store->Receive("FAN-1", "depot", 10, NewUuid()).ok());

  std::atomic<int> granted{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string wo = "wo-" + std::to_string(t) + "-" + std::to_string(i);
        auto r = f.store->Reserve(wo, "", "", {{"FAN-1", 1}}, NewUuid());
        if (r.ok() && r->size() == 1 && Field(r->front(), "kind") == "reservation") {
          ++granted;
        } else if (!r.ok() && r.status().code() == Code::kFailedPrecondition &&
                   r.status().reason() == "INSUFFICIENT_STOCK") {
          ++refused;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(granted == 10);
  CHECK(refused == 190);
  CHECK(other == 0);
  CHECK(f.Level("FAN-1", "depot") == StockCounters{10, 10, 0});
  f.RequireLedgerMatches();
  CHECK(f.Events("PartsReserved").size() == 10);
}

TEST_CASE("the same reservation sent 5 times reserves once") {
  Fixture f;
  f.AddPart("FAN-1");
  f.AddLocation("depot", LocationType::kDepot);
  REQUIRE(f.store->Receive("FAN-1", "depot", 4, NewUuid()).ok());
  const std::string request = NewUuid();
  std::string first_id;
  for (int i = 0; i < 5; ++i) {
    auto r = f.store->Reserve("wo-1", "", "", {{"FAN-1", 2}}, request);
    REQUIRE(r.ok());
    REQUIRE(r->size() == 1);
    if (i == 0) first_id = Field(r->front(), "id");
    CHECK(Field(r->front(), "id") == first_id);
  }
  CHECK(f.Level("FAN-1", "depot") == StockCounters{4, 2, 0});
  CHECK(f.Events("PartsReserved").size() == 1);
  f.RequireLedgerMatches();
}

TEST_CASE("parts are reserved from the van first, then the branch, then the depot") {
  Fixture f;
  f.AddPart("PSU");
  f.AddLocation("depot", LocationType::kDepot);
  f.AddLocation("wh-sh", LocationType::kBranch, "sh");
  f.AddLocation("van-E1", LocationType::kVan, "sh", "E1");
  f.AddLocation("van-E2", LocationType::kVan, "sh", "E2");
  for (const char* loc : {"depot", "wh-sh", "van-E1", "van-E2"}) {
    REQUIRE(f.store->Receive("PSU", loc, 1, NewUuid()).ok());
  }
  std::vector<std::string> taken;
  for (int i = 0; i < 4; ++i) {
    auto r = f.store->Reserve("wo-" + std::to_string(i), "E1", "sh", {{"PSU", 1}}, NewUuid());
    if (!r.ok()) {
      CHECK(r.status().reason() == "INSUFFICIENT_STOCK");
      taken.push_back("none");
      continue;
    }
    taken.push_back(Field(r->front(), "location"));
  }
  CHECK(taken == std::vector<std::string>{"van-E1", "wh-sh", "depot", "none"});
  f.RequireLedgerMatches();
}

TEST_CASE("a reservation that cannot be filled anywhere reports the shortage") {
  Fixture f;
  f.AddPart("PSU");
  f.AddPart("FAN");
  f.AddLocation("depot", LocationType::kDepot);
  REQUIRE(f.store->Receive("PSU", "depot", 1, NewUuid()).ok());
  auto r = f.store->Reserve("wo-1", "", "", {{"PSU", 1}, {"FAN", 2}}, NewUuid());
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  CHECK(Field((*r)[1], "kind") == "shortage");
  CHECK(Field((*r)[1], "sku") == "FAN");
  CHECK(IntField((*r)[1], "quantity") == 2);
  f.RequireLedgerMatches();
}

TEST_CASE("unknown sku and location are NOT_FOUND and write nothing") {
  Fixture f;
  f.AddPart("PSU");
  f.AddLocation("depot", LocationType::kDepot);
  auto no_sku = f.store->Receive("NOPE", "depot", 1, NewUuid());
  CHECK(no_sku.status().code() == Code::kNotFound);
  CHECK(no_sku.status().reason() == "SKU_NOT_FOUND");
  auto no_loc = f.store->Receive("PSU", "nowhere", 1, NewUuid());
  CHECK(no_loc.status().code() == Code::kNotFound);
  CHECK(no_loc.status().reason() == "LOCATION_NOT_FOUND");
  auto no_to = f.store->Transfer("PSU", "depot", "nowhere", 1, NewUuid());
  CHECK(no_to.status().reason() == "LOCATION_NOT_FOUND");
  CHECK(no_to.status().message().find("to nowhere") != std::string::npos);
  CHECK(f.store->LevelKeys()->empty());
  CHECK(f.Events("StockReceived").empty());
}

TEST_CASE("a transfer moves stock in one step or not at all") {
  Fixture f;
  f.AddPart("PSU");
  f.AddLocation("depot", LocationType::kDepot);
  f.AddLocation("wh-sh", LocationType::kBranch, "sh");
  REQUIRE(f.store->Receive("PSU", "depot", 5, NewUuid()).ok());
  REQUIRE(f.store->Reserve("wo-1", "", "", {{"PSU", 2}}, NewUuid()).ok());

  auto too_many = f.store->Transfer("PSU", "depot", "wh-sh", 4, NewUuid());
  CHECK(too_many.status().reason() == "INSUFFICIENT_STOCK");
  CHECK(f.Level("PSU", "depot") == StockCounters{5, 2, 0});
  CHECK(f.Level("PSU", "wh-sh") == StockCounters{0, 0, 0});

  auto moved = f.store->Transfer("PSU", "depot", "wh-sh", 3, NewUuid());
  REQUIRE(moved.ok());
  CHECK(f.Level("PSU", "depot") == StockCounters{2, 2, 0});
  CHECK(f.Level("PSU", "wh-sh") == StockCounters{3, 0, 0});

  // Back and forth from several threads: the total never changes.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const bool forth = (t + i) % 2 == 0;
        (void)f.store->Transfer("PSU", forth ? "wh-sh" : "depot", forth ? "depot" : "wh-sh", 1,
                                NewUuid());
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto a = f.Level("PSU", "depot");
  const auto b = f.Level("PSU", "wh-sh");
  CHECK(a.on_hand + b.on_hand == 5);
  CHECK(a.reserved == 2);
  CHECK(a.available() >= 0);
  f.RequireLedgerMatches();
}

TEST_CASE("a replenishment request is raised once per crossing below the reorder point") {
  Fixture f;
  f.AddPart("PSU");
  f.AddLocation("depot", LocationType::kDepot);
  REQUIRE(f.store->SetReorderPoint("PSU", "depot", 3, NewUuid()).ok());
  // Nothing on hand yet: setting the point already finds it low.
  CHECK(f.Events("StockLow").size() == 1);
  REQUIRE(f.store->Receive("PSU", "depot", 6, NewUuid()).ok());
  auto first = f.store->ListReplenishments();
  REQUIRE(first->size() == 1);
  CHECK(Field(first->front(), "status") == "FULFILLED");

  for (int i = 0; i < 6; ++i) {
    REQUIRE(f.store->Reserve("wo-" + std::to_string(i), "", "", {{"PSU", 1}}, NewUuid()).ok());
  }
  auto lows = f.Events("StockLow");
  REQUIRE(lows.size() == 2);  // crossing at available 3, not again at 2, 1, 0
  events::v1::StockLow low;
  REQUIRE(low.ParseFromString(lows.back()));
  CHECK(low.sku() == "PSU");
  CHECK(low.location() == "depot");
  CHECK(low.available() == 3);
  CHECK(low.reorder_point() == 3);
  CHECK(low.quantity_requested() == 3);
  CHECK(low.raise_time().seconds() == 1'790'000'000);

  REQUIRE(f.store->Receive("PSU", "depot", 10, NewUuid()).ok());
  REQUIRE(f.store->Reserve("wo-x", "", "", {{"PSU", 7}}, NewUuid()).ok());
  CHECK(f.Events("StockLow").size() == 3);
  auto all = f.store->ListReplenishments();
  REQUIRE(all->size() == 3);
  // Raised at the same (manual) millisecond: their order is not the point.
  int open = 0;
  for (const Record& r : *all) open += Field(r, "status") == "OPEN" ? 1 : 0;
  CHECK(open == 1);
  f.RequireLedgerMatches();
}

TEST_CASE("a critical part raises replenishment at its safety stock") {
  Fixture f;
  f.AddPart("CTRL", true, 2);
  f.AddLocation("bonded", LocationType::kBonded);
  REQUIRE(f.store->Receive("CTRL", "bonded", 4, NewUuid()).ok());
  REQUIRE(f.store->Reserve("wo-1", "", "", {{"CTRL", 1}}, NewUuid()).ok());
  CHECK(f.Events("StockLow").empty());
  REQUIRE(f.store->Reserve("wo-2", "", "", {{"CTRL", 1}}, NewUuid()).ok());
  auto lows = f.Events("StockLow");
  REQUIRE(lows.size() == 1);
  events::v1::StockLow low;
  REQUIRE(low.ParseFromString(lows[0]));
  CHECK(low.critical());
}

TEST_CASE("issuing uses the reservations and release returns the rest") {
  Fixture f;
  f.AddPart("PSU");
  f.AddLocation("van-E1", LocationType::kVan, "sh", "E1");
  REQUIRE(f.store->Receive("PSU", "van-E1", 5, NewUuid()).ok());
  REQUIRE(f.store->Reserve("wo-1", "E1", "sh", {{"PSU", 3}}, NewUuid()).ok());
  auto issued = f.store->Issue("wo-1", {{"PSU", 2, "", "SN-NEW", "SN-OLD"}}, true, NewUuid());
  REQUIRE(issued.ok());
  REQUIRE(issued->size() == 1);
  CHECK(Field(issued->front(), "status") == "ISSUED");
  CHECK(IntField(issued->front(), "issued") == 2);
  CHECK(IntField(issued->front(), "released") == 1);
  CHECK(f.Level("PSU", "van-E1") == StockCounters{3, 0, 0});
  CHECK(f.Events("PartsIssued").size() == 1);
  CHECK(f.Events("PartsReleased").size() == 1);

  // Releasing a finished work order again changes nothing.
  auto again = f.store->Release("wo-1", {}, NewUuid());
  REQUIRE(again.ok());
  CHECK(again->empty());
  CHECK(f.Events("PartsReleased").size() == 1);

  // Using more than was reserved, with no stock to cover it, writes nothing.
  REQUIRE(f.store->Reserve("wo-2", "E1", "sh", {{"PSU", 1}}, NewUuid()).ok());
  auto over = f.store->Issue("wo-2", {{"PSU", 9, "van-E1", "", ""}}, false, NewUuid());
  CHECK(over.status().reason() == "INSUFFICIENT_STOCK");
  CHECK(f.Level("PSU", "van-E1") == StockCounters{3, 1, 0});
  f.RequireLedgerMatches();
}

TEST_CASE("an overdue advance return is found by the scan once") {
  Fixture f;
  f.AddPart("PSU");
  f.AddLocation("depot", LocationType::kDepot);
  REQUIRE(f.store->Receive("PSU", "depot", 2, NewUuid()).ok());
  const TimePoint due = f.clock.Now() + kDefaultReturnWindow;
  auto a = f.store->CreateAdvanceReplacement("T-1", "PSU", "depot", due, NewUuid());
  REQUIRE(a.ok());
  auto b = f.store->CreateAdvanceReplacement("T-2", "PSU", "depot", due + 48h, NewUuid());
  REQUIRE(b.ok());
  CHECK(f.Level("PSU", "depot") == StockCounters{0, 0, 0});
  CHECK(f.store->ScanOverdueReturns()->empty());

  f.clock.Advance(kDefaultReturnWindow + 1h);
  auto marked = f.store->ScanOverdueReturns();
  REQUIRE(marked->size() == 1);
  CHECK(Field(marked->front(), "id") == Field(*a, "id"));
  CHECK(Field(marked->front(), "status") == "OVERDUE");
  CHECK(f.store->ScanOverdueReturns()->empty());
  CHECK(f.Events("ReturnOverdue").size() == 1);
  CHECK(f.store->ListAdvanceReplacements(true)->size() == 1);

  auto back = f.store->ReceiveAdvanceReturn(Field(*a, "id"), "SN-FAULTY", NewUuid());
  REQUIRE(back.ok());
  CHECK(Field(*back, "status") == "RETURNED");
  CHECK(f.store->ListAdvanceReplacements(true)->empty());
  CHECK(f.Level("PSU", "depot") == StockCounters{0, 0, 1});
  auto again = f.store->ReceiveAdvanceReturn(Field(*a, "id"), "SN-FAULTY", NewUuid());
  CHECK(again.status().reason() == "ALREADY_RETURNED");
  f.RequireLedgerMatches();
}

TEST_CASE("the ledger audit catches a level that was changed outside the ledger") {
  Fixture f;
  f.AddPart("PSU");
  f.AddLocation("depot", LocationType::kDepot);
  REQUIRE(f.store->Receive("PSU", "depot", 3, NewUuid()).ok());
  f.RequireLedgerMatches();
  REQUIRE(f.pool->Command({"HINCRBY", keys::Level("PSU", "depot"), "on_hand", "1"}).ok());
  auto audit = AuditLedger(*f.store);
  CHECK(audit.status().reason() == "LEDGER_MISMATCH");
}

TEST_CASE("a repair still open after a month is flagged overdue once") {
  Fixture f;
  f.AddPart("BOARD");
  f.AddLocation("depot", LocationType::kDepot);
  auto repair = f.store->CreateRepair("BOARD", "SN-1", "depot", "T-9", NewUuid());
  REQUIRE(repair.ok());
  CHECK(f.Level("BOARD", "depot") == StockCounters{0, 0, 1});
  f.clock.Advance(std::chrono::days(27));
  CHECK(f.store->ScanOverdueRepairs()->empty());
  f.clock.Advance(std::chrono::days(5));
  auto marked = f.store->ScanOverdueRepairs();
  REQUIRE(marked->size() == 1);
  CHECK(Field(marked->front(), "overdue") == "1");
  CHECK(f.store->ScanOverdueRepairs()->empty());
  CHECK(f.Events("RepairOverdue").size() == 1);

  auto done = f.store->CompleteRepair(Field(*repair, "id"), RepairOutcome::kRepaired, NewUuid());
  REQUIRE(done.ok());
  CHECK(Field(*done, "late") == "1");
  CHECK(f.Level("BOARD", "depot") == StockCounters{1, 0, 0});
  f.RequireLedgerMatches();
}

TEST_CASE("a stock count adjusts on hand through the ledger but never below reserved") {
  Fixture f;
  f.AddPart("PSU");
  f.AddLocation("depot", LocationType::kDepot);
  REQUIRE(f.store->Receive("PSU", "depot", 5, NewUuid()).ok());
  REQUIRE(f.store->Reserve("wo-1", "", "", {{"PSU", 2}}, NewUuid()).ok());
  auto below = f.store->Adjust("PSU", "depot", -4, "stock count", NewUuid());
  CHECK(below.status().reason() == "ADJUSTMENT_BELOW_RESERVED");
  CHECK(f.Level("PSU", "depot") == StockCounters{5, 2, 0});

  REQUIRE(f.store->Adjust("PSU", "depot", -3, "stock count 2026-11", NewUuid()).ok());
  CHECK(f.Level("PSU", "depot") == StockCounters{2, 2, 0});
  auto events = f.Events("StockAdjusted");
  REQUIRE(events.size() == 1);
  events::v1::StockAdjusted adjusted;
  REQUIRE(adjusted.ParseFromString(events[0]));
  CHECK(adjusted.delta() == -3);
  CHECK(adjusted.reason() == "stock count 2026-11");
  CHECK(adjusted.on_hand() == 2);
  auto ledger = f.store->ReadLedger("PSU", "depot");
  CHECK(ledger->back().kind == LedgerKind::kAdjust);
  CHECK(ledger->back().reason == "stock count 2026-11");
  f.RequireLedgerMatches();
}

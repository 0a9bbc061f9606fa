#include "services/inventory/domain/stock.h"

#include <catch2/catch.hpp>

using namespace aftersales;
using namespace aftersales::inventory;

TEST_CASE("levels are what the ledger adds up to") {
  std::vector<LedgerEntry> ledger{
      {LedgerKind::kReceive, 10, 0, ""},     {LedgerKind::kReserve, 4, 0, ""},
      {LedgerKind::kIssue, 3, 3, ""},        {LedgerKind::kRelease, 1, 0, ""},
      {LedgerKind::kTransferOut, 2, 0, ""},  {LedgerKind::kTransferIn, 1, 0, ""},
      {LedgerKind::kAdjust, -1, 0, "count"}, {LedgerKind::kReturn, 2, 0, ""},
      {LedgerKind::kRepaired, 1, 0, ""},     {LedgerKind::kScrap, 1, 0, ""},
  };
  auto c = Recompute(ledger);
  REQUIRE(c.ok());
  CHECK(c->on_hand == 10 - 3 - 2 + 1 - 1 + 1);
  CHECK(c->reserved == 0);
  CHECK(c->in_repair == 0);
  CHECK(c->available() == 6);
}

TEST_CASE("a ledger that oversells is reported, not summed") {
  std::vector<LedgerEntry> ledger{{LedgerKind::kReceive, 1, 0, ""},
                                  {LedgerKind::kReserve, 2, 0, ""}};
  auto c = Recompute(ledger);
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().reason() == "LEDGER_INCONSISTENT");
}

TEST_CASE("ledger kind names round-trip") {
  for (auto k : {LedgerKind::kReceive, LedgerKind::kTransferOut, LedgerKind::kIssue,
                 LedgerKind::kScrap, LedgerKind::kRepaired}) {
    CHECK(ParseLedgerKind(LedgerKindName(k)) == k);
  }
  CHECK_FALSE(ParseLedgerKind("steal").has_value());
}

TEST_CASE("replenishment is raised once per crossing below the reorder point") {
  ReorderPolicy policy{5, 0, false};
  bool low = false;
  int raised = 0;
  for (int available : {9, 7, 5, 4, 3, 1, 0, 8, 6, 5, 2}) {
    auto d = EvaluateReorder(policy, low, available);
    raised += d.raise_request ? 1 : 0;
    low = d.low;
  }
  CHECK(raised == 2);  // at 5 and again at 5 after being refilled to 8
}

TEST_CASE("a critical part's safety stock is a floor under the reorder point") {
  ReorderPolicy policy{2, 4, true};
  CHECK(policy.Trigger() == 4);
  CHECK(EvaluateReorder(policy, false, 4).raise_request);
  CHECK(policy.QuantityToRequest(4) == 4);
  ReorderPolicy not_critical{2, 4, false};
  CHECK_FALSE(EvaluateReorder(not_critical, false, 4).raise_request);
  ReorderPolicy none{0, 0, false};
  CHECK_FALSE(EvaluateReorder(none, false, 0).low);
}

TEST_CASE("zero and negative quantities name the quantity field") {
  for (int64_t q : {0, -1}) {
    Status s = ValidateQuantity(q);
    CHECK(s.code() == Code::kInvalidArgument);
    REQUIRE(s.field_violations().size() == 1);
    CHECK(s.field_violations()[0].field == "quantity");
  }
  CHECK(ValidateQuantity(1).ok());
}

TEST_CASE("a stock adjustment needs a non-zero delta and a reason") {
  Status s = ValidateAdjustment(0, "");
  REQUIRE(s.field_violations().size() == 2);
  CHECK(s.field_violations()[0].field == "delta");
  CHECK(s.field_violations()[1].field == "reason");
  CHECK(ValidateAdjustment(-3, "stock count").ok());
}

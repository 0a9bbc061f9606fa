#include "services/inventory/domain/catalogue.h"

#include <catch2/catch.hpp>

using namespace aftersales;
using namespace aftersales::inventory;

namespace {
PartSpec GoodSpec() {
  PartSpec s;
  s.sku = "PSU-500W";
  s.name = "Power supply 500 W";
  s.cost_price = {"CNY", 45000};
  s.sale_price = {"CNY", 129999};
  return s;
}
bool Names(const Status& s, const std::string& field) {
  for (const auto& v : s.field_violations()) {
    if (v.field == field) return true;
  }
  return false;
}
}  // namespace

TEST_CASE("a part without warranty months gets the three-month default") {
  auto part = NewPart(GoodSpec());
  REQUIRE(part.ok());
  CHECK(part->warranty_months == 3);
  CHECK(part->sale_price == Money{"CNY", 129999});
}

TEST_CASE("a part keeps the warranty months it was given") {
  PartSpec s = GoodSpec();
  s.warranty_months = 12;
  CHECK(NewPart(s)->warranty_months == 12);
  s.warranty_months = 0;
  CHECK(NewPart(s)->warranty_months == 0);
}

TEST_CASE("bad part fields are all named in lowerCamelCase") {
  PartSpec s;
  s.sku = "bad sku|x";
  s.cost_price = {"cny", -1};
  s.sale_price = {"", 0};
  s.warranty_months = -2;
  s.safety_stock = -1;
  auto part = NewPart(s);
  REQUIRE_FALSE(part.ok());
  CHECK(part.status().code() == Code::kInvalidArgument);
  for (const char* f : {"sku", "name", "costPrice.currencyCode", "costPrice.minorUnits",
                        "salePrice.currencyCode", "warrantyMonths", "safetyStock"}) {
    INFO(f);
    CHECK(Names(part.status(), f));
  }
}

TEST_CASE("a van needs an engineer and a branch warehouse needs a branch") {
  Location van{"van-E12", "Van of E12", LocationType::kVan, "sh", ""};
  CHECK(Names(ValidateLocation(van), "engineerId"));
  van.engineer_id = "E12";
  CHECK(ValidateLocation(van).ok());
  Location branch{"wh-sh", "Shanghai", LocationType::kBranch, "", ""};
  CHECK(Names(ValidateLocation(branch), "branch"));
  Location depot{"depot", "Depot", LocationType::kDepot, "", "E1"};
  CHECK(Names(ValidateLocation(depot), "engineerId"));
  Location untyped{"x", "X", LocationType::kUnspecified, "", ""};
  CHECK(Names(ValidateLocation(untyped), "type"));
}

TEST_CASE("parts are sought in the engineer's van, then the branch, then the depot") {
  std::vector<Location> all{
      {"depot-a", "Depot", LocationType::kDepot, "", ""},
      {"bonded", "Bonded", LocationType::kBonded, "", ""},
      {"wh-bj", "Beijing", LocationType::kBranch, "bj", ""},
      {"wh-sh", "Shanghai", LocationType::kBranch, "sh", ""},
      {"van-E7", "Van E7", LocationType::kVan, "sh", "E7"},
      {"van-E12", "Van E12", LocationType::kVan, "sh", "E12"},
  };
  CHECK(ReservationSourceOrder("E12", "sh", false, all) ==
        std::vector<std::string>{"van-E12", "wh-sh", "depot-a"});
  CHECK(ReservationSourceOrder("E12", "sh", true, all) ==
        std::vector<std::string>{"van-E12", "wh-sh", "depot-a", "bonded"});
  CHECK(ReservationSourceOrder("", "", false, all) == std::vector<std::string>{"depot-a"});
}

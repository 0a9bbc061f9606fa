#include "services/intake/domain/warranty.h"

#include <catch2/catch.hpp>

#include "services/intake/domain/tests/local_time.h"
#include "services/intake/domain/utf8.h"

namespace aftersales::intake {
namespace {

using testing::D;

// A mainframe that passed acceptance on 2024-01-15 with the default 12-month
// vendor warranty: covered 2024-01-15 .. 2025-01-14, uncovered from 2025-01-15.
WarrantyFacts Mainframe() {
  WarrantyFacts f;
  f.asset.category = AssetCategory::kMainframe;
  f.asset.acceptance_date = D("2024-01-15");
  return f;
}

WarrantyDecision Decide(const WarrantyFacts& f, const char* on, const WarrantyPolicy& p = {}) {
  Result<WarrantyDecision> r = DecideWarranty(f, D(on), p);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

void RequireFreeUnder(const WarrantyDecision& d, WarrantyBasis basis, const char* until) {
  CHECK(d.covered);
  CHECK(d.basis == basis);
  REQUIRE(d.until.has_value());
  CHECK(d.until->ToString() == until);
  CHECK_FALSE(d.exclusion.has_value());
  CHECK_FALSE(d.paid_service);
}

void RequireExpired(const WarrantyDecision& d, const char* last_covered) {
  CHECK_FALSE(d.covered);
  CHECK(d.basis == WarrantyBasis::kNone);
  REQUIRE(d.exclusion.has_value());
  CHECK(*d.exclusion == Exclusion::kExpired);
  CHECK(d.paid_service);
  REQUIRE(d.until.has_value());
  CHECK(d.until->ToString() == last_covered);
}

TEST_CASE("Warranty boundary: the last covered day is covered, the next is not", "[warranty]") {
  const WarrantyFacts f = Mainframe();
  RequireFreeUnder(Decide(f, "2024-01-15"), WarrantyBasis::kVendor, "2025-01-14");
  RequireFreeUnder(Decide(f, "2025-01-14"), WarrantyBasis::kVendor, "2025-01-14");
  RequireExpired(Decide(f, "2025-01-15"), "2025-01-14");
  RequireExpired(Decide(f, "2030-06-01"), "2025-01-14");
}

TEST_CASE("Warranty cannot be asked for before acceptance", "[warranty]") {
  Result<WarrantyDecision> r = DecideWarranty(Mainframe(), D("2024-01-14"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kFailedPrecondition);
  CHECK(r.status().reason() == "ASSET_NOT_ACCEPTED");
}

TEST_CASE("Warranty over leap days", "[warranty]") {
  SECTION("accepted on a leap day: 12 months later clamps to Feb 28") {
    WarrantyFacts f = Mainframe();
    f.asset.acceptance_date = D("2024-02-29");
    RequireFreeUnder(Decide(f, "2025-02-27"), WarrantyBasis::kVendor, "2025-02-27");
    RequireExpired(Decide(f, "2025-02-28"), "2025-02-27");
  }
  SECTION("a warranty ending on a leap day covers it") {
    WarrantyFacts f = Mainframe();
    f.asset.acceptance_date = D("2023-03-01");
    RequireFreeUnder(Decide(f, "2024-02-29"), WarrantyBasis::kVendor, "2024-02-29");
    RequireExpired(Decide(f, "2024-03-01"), "2024-02-29");
  }
  SECTION("one month from Jan 31 ends with February") {
    WarrantyFacts f = Mainframe();
    f.asset.acceptance_date = D("2024-01-31");
    f.asset.vendor_months = 1;
    RequireFreeUnder(Decide(f, "2024-02-28"), WarrantyBasis::kVendor, "2024-02-28");
    RequireExpired(Decide(f, "2024-02-29"), "2024-02-28");
  }
}

TEST_CASE("Vendor warranty length is data: per asset and per policy", "[warranty]") {
  WarrantyFacts f = Mainframe();
  f.asset.vendor_months = 36;
  RequireFreeUnder(Decide(f, "2027-01-14"), WarrantyBasis::kVendor, "2027-01-14");
  RequireExpired(Decide(f, "2027-01-15"), "2027-01-14");

  WarrantyPolicy policy;
  policy.default_vendor_months = 24;
  RequireFreeUnder(Decide(Mainframe(), "2026-01-14", policy), WarrantyBasis::kVendor, "2026-01-14");
}

TEST_CASE("The longer of vendor and manufacturer warranty wins", "[warranty]") {
  WarrantyFacts f = Mainframe();
  f.asset.manufacturer_months = 24;
  RequireFreeUnder(Decide(f, "2024-06-01"), WarrantyBasis::kManufacturer, "2026-01-14");
  RequireFreeUnder(Decide(f, "2026-01-14"), WarrantyBasis::kManufacturer, "2026-01-14");
  RequireExpired(Decide(f, "2026-01-15"), "2026-01-14");

  f.asset.vendor_months = 36;  // now the vendor's is longer
  RequireFreeUnder(Decide(f, "2026-06-01"), WarrantyBasis::kVendor, "2027-01-14");

  f.asset.vendor_months = 24;  // equal: the vendor, who does the service, is the basis
  RequireFreeUnder(Decide(f, "2025-06-01"), WarrantyBasis::kVendor, "2026-01-14");
}

TEST_CASE("A contract bought after expiry covers for its term", "[warranty]") {
  WarrantyFacts f = Mainframe();
  f.contracts.push_back({"SC-2025-001", D("2025-03-01"), D("2026-02-28")});

  RequireExpired(Decide(f, "2025-02-01"), "2025-01-14");  // gap before the contract
  WarrantyDecision d = Decide(f, "2025-03-01");
  RequireFreeUnder(d, WarrantyBasis::kContract, "2026-02-28");
  CHECK(d.contract_id == "SC-2025-001");
  RequireFreeUnder(Decide(f, "2026-02-28"), WarrantyBasis::kContract, "2026-02-28");
  RequireExpired(Decide(f, "2026-03-01"), "2026-02-28");
}

TEST_CASE("A gap between two contracts is not covered", "[warranty]") {
  WarrantyFacts f = Mainframe();
  f.contracts.push_back({"SC-1", D("2025-01-15"), D("2025-12-31")});
  f.contracts.push_back({"SC-2", D("2026-02-01"), D("2026-12-31")});
  RequireFreeUnder(Decide(f, "2025-01-15"), WarrantyBasis::kContract, "2025-12-31");
  RequireExpired(Decide(f, "2026-01-10"), "2025-12-31");
  WarrantyDecision d = Decide(f, "2026-02-01");
  RequireFreeUnder(d, WarrantyBasis::kContract, "2026-12-31");
  CHECK(d.contract_id == "SC-2");
}

TEST_CASE("Own warranty takes precedence over an overlapping contract", "[warranty]") {
  WarrantyFacts f = Mainframe();
  f.contracts.push_back({"SC-1", D("2024-06-01"), D("2025-05-31")});
  RequireFreeUnder(Decide(f, "2024-07-01"), WarrantyBasis::kVendor, "2025-01-14");
  RequireFreeUnder(Decide(f, "2025-01-15"), WarrantyBasis::kContract, "2025-05-31");
}

TEST_CASE("Time out of service under warranty extends the warranty", "[warranty]") {
  SECTION("ten days away for repair add ten days") {
    WarrantyFacts f = Mainframe();
    f.out_of_service.push_back({D("2024-06-01"), D("2024-06-11")});
    RequireFreeUnder(Decide(f, "2025-01-24"), WarrantyBasis::kVendor, "2025-01-24");
    RequireExpired(Decide(f, "2025-01-25"), "2025-01-24");
  }
  SECTION("a repair after expiry extends nothing") {
    WarrantyFacts f = Mainframe();
    f.out_of_service.push_back({D("2025-03-01"), D("2025-03-20")});
    RequireExpired(Decide(f, "2025-01-15"), "2025-01-14");
    RequireExpired(Decide(f, "2025-03-25"), "2025-01-14");
  }
  SECTION("a repair inside the extension extends again") {
    WarrantyFacts f = Mainframe();
    f.out_of_service.push_back({D("2024-06-01"), D("2024-06-11")});  // +10 → ends 2025-01-24
    f.out_of_service.push_back({D("2025-01-20"), D("2025-01-25")});  // +5 → ends 2025-01-29
    RequireFreeUnder(Decide(f, "2025-01-29"), WarrantyBasis::kVendor, "2025-01-29");
    RequireExpired(Decide(f, "2025-01-30"), "2025-01-29");
  }
  SECTION("overlapping periods count each day once") {
    WarrantyFacts f = Mainframe();
    f.out_of_service.push_back({D("2024-06-05"), D("2024-06-15")});
    f.out_of_service.push_back({D("2024-06-01"), D("2024-06-11")});  // union: 14 days
    RequireFreeUnder(Decide(f, "2025-01-28"), WarrantyBasis::kVendor, "2025-01-28");
    RequireExpired(Decide(f, "2025-01-29"), "2025-01-28");
  }
}

TEST_CASE("A repaired or sold part has its own warranty", "[warranty]") {
  WarrantyFacts f = Mainframe();
  f.part_warranties.push_back({"PSU-0042", D("2025-03-10"), std::nullopt});  // default 3 months
  f.faulty_part_serial = "PSU-0042";
  RequireFreeUnder(Decide(f, "2025-03-10"), WarrantyBasis::kPart, "2025-06-09");
  RequireFreeUnder(Decide(f, "2025-06-09"), WarrantyBasis::kPart, "2025-06-09");
  RequireExpired(Decide(f, "2025-06-10"), "2025-06-09");

  f.faulty_part_serial = "FAN-0007";  // another part failed: the PSU's warranty does not help
  RequireExpired(Decide(f, "2025-04-01"), "2025-01-14");

  f.faulty_part_serial.reset();  // no part diagnosed
  RequireExpired(Decide(f, "2025-04-01"), "2025-01-14");

  WarrantyFacts six = Mainframe();
  six.part_warranties.push_back({"PSU-0042", D("2025-03-10"), 6});
  six.faulty_part_serial = "PSU-0042";
  RequireFreeUnder(Decide(six, "2025-09-09"), WarrantyBasis::kPart, "2025-09-09");

  WarrantyPolicy policy;  // the 3 months are a policy value
  policy.default_part_months = 1;
  f.faulty_part_serial = "PSU-0042";
  RequireFreeUnder(Decide(f, "2025-04-09", policy), WarrantyBasis::kPart, "2025-04-09");
  RequireExpired(Decide(f, "2025-04-10", policy), "2025-04-09");
}

TEST_CASE("Consumables are never covered", "[warranty]") {
  WarrantyFacts f = Mainframe();
  f.asset.category = AssetCategory::kConsumable;
  f.asset.manufacturer_months = 24;
  f.contracts.push_back({"SC-1", D("2024-01-15"), D("2026-01-14")});
  const WarrantyDecision d = Decide(f, "2024-02-01");
  CHECK_FALSE(d.covered);
  CHECK(d.basis == WarrantyBasis::kNone);
  REQUIRE(d.exclusion.has_value());
  CHECK(*d.exclusion == Exclusion::kConsumable);
  CHECK(d.paid_service);

  f.asset.category = AssetCategory::kAccessory;  // accessories are covered
  RequireFreeUnder(Decide(f, "2024-02-01"), WarrantyBasis::kManufacturer, "2026-01-14");
}

TEST_CASE("Each diagnosis exclusion makes covered work paid", "[warranty]") {
  for (Exclusion e : {Exclusion::kMisuse, Exclusion::kDisaster, Exclusion::kSelfRepair,
                      Exclusion::kUnauthorisedInstaller, Exclusion::kMixedVendors}) {
    INFO(ExclusionName(e));
    WarrantyFacts f = Mainframe();
    f.exclusions.push_back({e, "diagnosis note"});
    const WarrantyDecision d = Decide(f, "2024-06-01");
    CHECK(d.covered);  // still in warranty...
    CHECK(d.basis == WarrantyBasis::kVendor);
    REQUIRE(d.exclusion.has_value());
    CHECK(*d.exclusion == e);
    CHECK(d.exclusion_reason == "diagnosis note");
    CHECK(d.paid_service);  // ...but this job is paid

    f.contracts.push_back({"SC-1", D("2025-01-15"), D("2026-01-14")});
    const WarrantyDecision c = Decide(f, "2025-06-01");
    CHECK(c.basis == WarrantyBasis::kContract);
    CHECK(c.paid_service);
    CHECK(c.exclusion == e);
  }
}

TEST_CASE("Exclusion names round-trip", "[warranty]") {
  for (Exclusion e : {Exclusion::kMisuse, Exclusion::kDisaster, Exclusion::kSelfRepair,
                      Exclusion::kUnauthorisedInstaller, Exclusion::kMixedVendors,
                      Exclusion::kExpired, Exclusion::kConsumable}) {
    Result<Exclusion> r = ParseExclusion(ExclusionName(e));
    REQUIRE(r.ok());
    CHECK(*r == e);
  }
  CHECK(ParseExclusion("ACT_OF_GOD").status().reason() == "INVALID_EXCLUSION");
}

TEST_CASE("Bad warranty facts name every bad field", "[warranty]") {
  WarrantyFacts f = Mainframe();
  f.asset.manufacturer_months = -1;
  f.contracts.push_back({"SC-1", D("2025-03-01"), D("2025-02-01")});
  f.out_of_service.push_back({D("2024-06-11"), D("2024-06-01")});
  f.part_warranties.push_back({"", D("2025-01-01"), 0});
  f.exclusions.push_back({Exclusion::kMisuse, "  "});
  f.exclusions.push_back({Exclusion::kExpired, "agent thinks so"});
  Result<WarrantyDecision> r = DecideWarranty(f, D("2024-06-01"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kInvalidArgument);
  CHECK(r.status().reason() == "INVALID_WARRANTY_FACTS");
  std::vector<std::string> fields;
  for (const auto& v : r.status().field_violations()) fields.push_back(v.field);
  CHECK(fields == std::vector<std::string>{"asset.manufacturer_months", "contracts[0].end",
                                           "out_of_service[0].back_in_service",
                                           "part_warranties[0].part_serial",
                                           "part_warranties[0].months", "exclusions[0].reason",
                                           "exclusions[1].exclusion"});
}

TEST_CASE("Asked at an instant, the local day decides", "[warranty]") {
  using std::chrono::hours;
  // 2025-01-14 16:30 UTC is already 2025-01-15 00:30 in Shanghai.
  const TimePoint t = D("2025-01-14").StartInstant(hours(0)) + hours(16) + std::chrono::minutes(30);
  Result<WarrantyDecision> utc = DecideWarranty(Mainframe(), t, hours(0));
  Result<WarrantyDecision> shanghai = DecideWarranty(Mainframe(), t, hours(8));
  REQUIRE(utc.ok());
  REQUIRE(shanghai.ok());
  CHECK(utc->covered);
  CHECK_FALSE(shanghai->covered);
}

TEST_CASE("Asset category and zone names parse case-insensitively", "[install_base]") {
  for (AssetCategory c :
       {AssetCategory::kMainframe, AssetCategory::kController, AssetCategory::kTerminal,
        AssetCategory::kAccessory, AssetCategory::kConsumable}) {
    Result<AssetCategory> r = ParseAssetCategory(AssetCategoryName(c));
    REQUIRE(r.ok());
    CHECK(*r == c);
  }
  CHECK(ParseAssetCategory("MAINFRAME").ok());
  CHECK(IsMainEquipment(AssetCategory::kTerminal));
  CHECK_FALSE(IsMainEquipment(AssetCategory::kAccessory));
  Result<AssetCategory> bad = ParseAssetCategory("gadget", "asset.category");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().field_violations()[0].field == "asset.category");
  CHECK(*ParseZone("Suburb") == Zone::kSuburb);
  CHECK(ParseZone("moon").status().reason() == "INVALID_ZONE");
}

TEST_CASE("UTF-8 validation rejects malformed text", "[utf8]") {
  CHECK(IsValidUtf8("道闸 gate"));
  CHECK_FALSE(IsValidUtf8("\xff"));
  CHECK_FALSE(IsValidUtf8("\xc0\xaf"));      // overlong '/'
  CHECK_FALSE(IsValidUtf8("\xed\xa0\x80"));  // surrogate
  CHECK_FALSE(IsValidUtf8("\xe9\x81"));      // truncated
  CHECK(DecodeUtf8("a\xff道") == std::u32string{U'a', kReplacementChar, U'道'});
}

}  // namespace
}  // namespace aftersales::intake

// Warranty engine: given what is known about an asset on a given day, is the
// service free (and why), or paid (and why)?
//
// Day convention: every period covers whole local days. A warranty of N months
// from day A covers A up to and including A + N months - 1 day; A + N months is
// the first uncovered day. `until` is always the LAST COVERED day. Contract end
// dates are inclusive too ("valid 2025-01-01 to 2025-12-31").
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/common/clock.h"
#include "services/common/status.h"
#include "services/intake/domain/date.h"
#include "services/intake/domain/install_base.h"

namespace aftersales::intake {

// Policy values a deployment can change; defaults from domain.md.
struct WarrantyPolicy {
  int default_vendor_months = 12;  // "default 12 months (some vendors 36)"
  int default_part_months = 3;     // "a repaired or sold part carries its own 3-month warranty"
};

struct AssetWarrantyTerms {
  AssetCategory category = AssetCategory::kMainframe;
  Date acceptance_date;              // warranty runs "from the day the system passes acceptance"
  std::optional<int> vendor_months;  // nullopt: WarrantyPolicy::default_vendor_months
  int manufacturer_months = 0;       // 0: the manufacturer gives nothing beyond the vendor
};

struct ServiceContractTerm {
  std::string contract_id;
  Date start;  // first covered day
  Date end;    // last covered day (inclusive)
};

// The asset was away or down for a repair or replacement: [out_of_service,
// back_in_service). Counts only if it began while the asset's own warranty
// (already extended by earlier periods) was in force; the engine decides that.
struct OutOfServicePeriod {
  Date out_of_service;
  Date back_in_service;
};

// A repaired or sold part has its own warranty from the repair or sale day.
struct PartWarranty {
  std::string part_serial;
  Date from;                  // repair or sale day
  std::optional<int> months;  // nullopt: WarrantyPolicy::default_part_months
};

enum class Exclusion {
  kMisuse,                 // misuse or abnormal operation
  kDisaster,               // accident or natural disaster
  kSelfRepair,             // the customer disassembled or repaired it
  kUnauthorisedInstaller,  // installed/repaired by someone the vendor did not authorise
  kMixedVendors,           // mixed with another vendor's products
  kExpired,                // decided by the engine: nothing covers the day
  kConsumable,             // decided by the engine: consumables are never covered
};
std::string_view ExclusionName(Exclusion exclusion);  // "MISUSE", ...
Result<Exclusion> ParseExclusion(std::string_view text, std::string_view field = "exclusion");

// Recorded at diagnosis. Only the five diagnosis exclusions may be recorded;
// EXPIRED and CONSUMABLE follow from facts and are the engine's to decide.
struct ExclusionRecord {
  Exclusion exclusion = Exclusion::kMisuse;
  std::string reason;  // required: domain.md says each is recorded with a reason
};

struct WarrantyFacts {
  AssetWarrantyTerms asset;
  std::vector<ServiceContractTerm> contracts;
  std::vector<OutOfServicePeriod> out_of_service;
  std::vector<PartWarranty> part_warranties;
  std::vector<ExclusionRecord> exclusions;
  // The part diagnosed as faulty, when there is one; only its own part
  // warranty can cover the job.
  std::optional<std::string> faulty_part_serial;
};

enum class WarrantyBasis { kNone, kVendor, kManufacturer, kContract, kPart };
std::string_view WarrantyBasisName(WarrantyBasis basis);  // "NONE", "VENDOR", ...

struct WarrantyDecision {
  // A warranty, contract or part warranty is in force on the day asked about.
  // With an exclusion the asset can be covered and the job still paid.
  bool covered = false;
  WarrantyBasis basis = WarrantyBasis::kNone;
  // Covered: last day the basis covers. Not covered: last day anything covered
  // before the day asked about (when did it expire), if ever.
  std::optional<Date> until;
  std::optional<Exclusion> exclusion;
  std::string exclusion_reason;
  bool paid_service = true;  // phone support is free regardless; this is for on-site work and parts
  std::optional<std::string> contract_id;  // basis CONTRACT: which one
};

// Errors: INVALID_ARGUMENT "INVALID_WARRANTY_FACTS" naming each bad field;
// FAILED_PRECONDITION "ASSET_NOT_ACCEPTED" when `on` precedes acceptance (the
// equipment is still the installation project's, not after-sales').
//
// When several bases cover the day, the asset's own warranty wins (longer of
// vendor/manufacturer; equal lengths say VENDOR), then a contract (the one that
// runs longest), then the faulty part's own warranty.
Result<WarrantyDecision> DecideWarranty(const WarrantyFacts& facts, Date on,
                                        const WarrantyPolicy& policy = {});
// Same, for an instant: the day is the local day at `utc_offset`.
Result<WarrantyDecision> DecideWarranty(const WarrantyFacts& facts, TimePoint at,
                                        std::chrono::minutes utc_offset,
                                        const WarrantyPolicy& policy = {});

}  // namespace aftersales::intake

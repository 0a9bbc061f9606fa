#include "services/intake/domain/warranty.h"

#include <algorithm>
#include <array>
#include <utility>

namespace aftersales::intake {
namespace {

constexpr std::array<std::pair<Exclusion, std::string_view>, 7> kExclusions = {{
    {Exclusion::kMisuse, "MISUSE"},
    {Exclusion::kDisaster, "DISASTER"},
    {Exclusion::kSelfRepair, "SELF_REPAIR"},
    {Exclusion::kUnauthorisedInstaller, "UNAUTHORISED_INSTALLER"},
    {Exclusion::kMixedVendors, "MIXED_VENDORS"},
    {Exclusion::kExpired, "EXPIRED"},
    {Exclusion::kConsumable, "CONSUMABLE"},
}};

// Generous upper bound so that month arithmetic stays far inside 9999-12-31.
constexpr int kMaxMonths = 1200;

bool Blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

Status Validate(const WarrantyFacts& f, const WarrantyPolicy& policy) {
  Validator v;
  v.Check(policy.default_vendor_months >= 0 && policy.default_vendor_months <= kMaxMonths,
          "policy.default_vendor_months", "must be 0..1200");
  v.Check(policy.default_part_months > 0 && policy.default_part_months <= kMaxMonths,
          "policy.default_part_months", "must be 1..1200");
  if (f.asset.vendor_months) {
    v.Check(*f.asset.vendor_months >= 0 && *f.asset.vendor_months <= kMaxMonths,
            "asset.vendor_months", "must be 0..1200");
  }
  v.Check(f.asset.manufacturer_months >= 0 && f.asset.manufacturer_months <= kMaxMonths,
          "asset.manufacturer_months", "must be 0..1200");
  for (size_t i = 0; i < f.contracts.size(); ++i) {
    const std::string at = "contracts[" + std::to_string(i) + "]";
    v.Check(!Blank(f.contracts[i].contract_id), at + ".contract_id", "must not be empty");
    v.Check(f.contracts[i].start <= f.contracts[i].end, at + ".end", "must not be before start");
  }
  for (size_t i = 0; i < f.out_of_service.size(); ++i) {
    v.Check(f.out_of_service[i].out_of_service <= f.out_of_service[i].back_in_service,
            "out_of_service[" + std::to_string(i) + "].back_in_service",
            "must not be before out_of_service");
  }
  for (size_t i = 0; i < f.part_warranties.size(); ++i) {
    const std::string at = "part_warranties[" + std::to_string(i) + "]";
    v.Check(!Blank(f.part_warranties[i].part_serial), at + ".part_serial", "must not be empty");
    if (f.part_warranties[i].months) {
      const int m = *f.part_warranties[i].months;
      v.Check(m > 0 && m <= kMaxMonths, at + ".months", "must be 1..1200");
    }
  }
  for (size_t i = 0; i < f.exclusions.size(); ++i) {
    const std::string at = "exclusions[" + std::to_string(i) + "]";
    const Exclusion e = f.exclusions[i].exclusion;
    v.Check(e != Exclusion::kExpired && e != Exclusion::kConsumable, at + ".exclusion",
            "EXPIRED and CONSUMABLE follow from the facts and cannot be recorded");
    v.Check(!Blank(f.exclusions[i].reason), at + ".reason",
            "an exclusion must be recorded with a reason");
  }
  return v.ToStatus("INVALID_WARRANTY_FACTS");
}

// First uncovered day of the asset's own warranty, after extensions. Overlapping
// out-of-service periods are merged first so that a day is never counted twice.
Date OwnWarrantyEnd(const WarrantyFacts& f, int months) {
  Date end = f.asset.acceptance_date.AddMonths(months);
  std::vector<OutOfServicePeriod> periods = f.out_of_service;
  std::sort(periods.begin(), periods.end(),
            [](const auto& a, const auto& b) { return a.out_of_service < b.out_of_service; });
  std::vector<OutOfServicePeriod> merged;
  for (const auto& p : periods) {
    if (!merged.empty() && p.out_of_service <= merged.back().back_in_service) {
      merged.back().back_in_service = std::max(merged.back().back_in_service, p.back_in_service);
    } else {
      merged.push_back(p);
    }
  }
  for (const auto& p : merged) {
    // Only time lost while under warranty extends it; a repair after expiry
    // was paid work and buys nothing.
    if (p.out_of_service >= f.asset.acceptance_date && p.out_of_service < end) {
      end = end.AddDays(DaysBetween(p.out_of_service, p.back_in_service));
    }
  }
  return end;
}

void Later(std::optional<Date>& best, Date candidate) {
  if (!best || *best < candidate) best = candidate;
}

}  // namespace

std::string_view ExclusionName(Exclusion exclusion) {
  for (const auto& [e, name] : kExclusions) {
    if (e == exclusion) return name;
  }
  return "UNKNOWN";
}

Result<Exclusion> ParseExclusion(std::string_view text, std::string_view field) {
  for (const auto& [e, name] : kExclusions) {
    if (text == name) return e;
  }
  return InvalidArgument("INVALID_EXCLUSION", "unknown warranty exclusion",
                         {{std::string(field),
                           "must be one of MISUSE, DISASTER, SELF_REPAIR, "
                           "UNAUTHORISED_INSTALLER, MIXED_VENDORS, EXPIRED, CONSUMABLE"}});
}

std::string_view WarrantyBasisName(WarrantyBasis basis) {
  switch (basis) {
    case WarrantyBasis::kNone:
      return "NONE";
    case WarrantyBasis::kVendor:
      return "VENDOR";
    case WarrantyBasis::kManufacturer:
      return "MANUFACTURER";
    case WarrantyBasis::kContract:
      return "CONTRACT";
    case WarrantyBasis::kPart:
      return "PART";
  }
  return "NONE";
}

Result<WarrantyDecision> DecideWarranty(const WarrantyFacts& f, Date on,
                                        const WarrantyPolicy& policy) {
  if (Status s = Validate(f, policy); !s.ok()) return s;
  if (on < f.asset.acceptance_date) {
    return FailedPrecondition("ASSET_NOT_ACCEPTED", "the asset passes acceptance on " +
                                                        f.asset.acceptance_date.ToString() +
                                                        "; warranty starts then, not on " +
                                                        on.ToString());
  }

  WarrantyDecision d;
  if (f.asset.category == AssetCategory::kConsumable) {
    d.exclusion = Exclusion::kConsumable;
    d.exclusion_reason = "consumables and wear parts are never covered";
    return d;
  }

  std::optional<Date> last_before;  // for "expired on"

  // The asset's own warranty: the longer of vendor and manufacturer.
  const int vendor = f.asset.vendor_months.value_or(policy.default_vendor_months);
  const int manufacturer = f.asset.manufacturer_months;
  const int months = std::max(vendor, manufacturer);
  if (months > 0) {
    const Date last = OwnWarrantyEnd(f, months).AddDays(-1);
    if (on <= last) {
      d.covered = true;
      d.basis = manufacturer > vendor ? WarrantyBasis::kManufacturer : WarrantyBasis::kVendor;
      d.until = last;
    } else {
      Later(last_before, last);
    }
  }

  if (!d.covered) {
    const ServiceContractTerm* best = nullptr;
    for (const auto& c : f.contracts) {
      if (c.start <= on && on <= c.end) {
        if (!best || best->end < c.end) best = &c;
      } else if (c.end < on) {
        Later(last_before, c.end);
      }
    }
    if (best) {
      d.covered = true;
      d.basis = WarrantyBasis::kContract;
      d.until = best->end;
      d.contract_id = best->contract_id;
    }
  }

  if (!d.covered && f.faulty_part_serial) {
    for (const auto& p : f.part_warranties) {
      if (p.part_serial != *f.faulty_part_serial) continue;
      const Date last = p.from.AddMonths(p.months.value_or(policy.default_part_months)).AddDays(-1);
      if (p.from <= on && on <= last) {
        if (!d.covered || *d.until < last) {
          d.covered = true;
          d.basis = WarrantyBasis::kPart;
          d.until = last;
        }
      } else if (last < on) {
        Later(last_before, last);
      }
    }
  }

  if (!d.covered) {
    d.until = last_before;
    d.exclusion = Exclusion::kExpired;
    d.exclusion_reason = last_before
                             ? "warranty expired; last covered day " + last_before->ToString()
                             : "no warranty or contract covers this asset";
    d.paid_service = true;
    return d;
  }
  if (!f.exclusions.empty()) {
    d.exclusion = f.exclusions.front().exclusion;
    d.exclusion_reason = f.exclusions.front().reason;
    d.paid_service = true;
  } else {
    d.paid_service = false;
  }
  return d;
}

Result<WarrantyDecision> DecideWarranty(const WarrantyFacts& facts, TimePoint at,
                                        std::chrono::minutes utc_offset,
                                        const WarrantyPolicy& policy) {
  return DecideWarranty(facts, Date::FromTimePoint(at, utc_offset), policy);
}

}  // namespace aftersales::intake

// The parts catalogue and the stock locations: what may be stocked, where.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "services/common/status.h"

namespace aftersales::inventory {

// Exact money: integer minor units (fen, cents) and an ISO 4217 code.
struct Money {
  std::string currency_code;
  int64_t minor_units = 0;
  bool operator==(const Money&) const = default;
};

inline constexpr int kDefaultWarrantyMonths = 3;

struct Part {
  std::string sku;
  std::string name;
  std::string model;
  int category = 0;  // aftersales.common.v1.AssetCategory
  bool critical = false;
  Money cost_price;
  Money sale_price;
  int warranty_months = kDefaultWarrantyMonths;
  // Kept back at every location for critical parts (see ReorderPolicy).
  int safety_stock = 0;
};

// What a caller asks for; `warranty_months` absent means the policy default.
struct PartSpec {
  std::string sku;
  std::string name;
  std::string model;
  int category = 0;
  bool critical = false;
  Money cost_price;
  Money sale_price;
  std::optional<int> warranty_months;
  int safety_stock = 0;
};

// Ids that end up inside Redis key names: letters, digits, '-', '_', '.'.
bool IsValidId(const std::string& id);

// INVALID_ARGUMENT naming every bad field (lowerCamelCase), or the Part.
Result<Part> NewPart(const PartSpec& spec);

enum class LocationType { kUnspecified = 0, kDepot = 1, kBranch = 2, kVan = 3, kBonded = 4 };
const char* LocationTypeName(LocationType type);

struct Location {
  std::string id;
  std::string name;
  LocationType type = LocationType::kUnspecified;
  std::string branch;
  std::string engineer_id;  // a VAN only
};

// A VAN belongs to an engineer, a BRANCH warehouse to a branch.
Status ValidateLocation(const Location& location);

// Where a work order's parts are looked for, best first: the engineer's van,
// then the branch warehouse, then the central depot; the bonded store only
// backs up critical parts. `locations` are the candidates known to the caller.
std::vector<std::string> ReservationSourceOrder(const std::string& engineer_id,
                                                const std::string& branch, bool critical,
                                                std::vector<Location> locations);

}  // namespace aftersales::inventory

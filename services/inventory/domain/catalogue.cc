#include "services/inventory/domain/catalogue.h"

#include <algorithm>
#include <cctype>

namespace aftersales::inventory {
namespace {

constexpr size_t kMaxIdLength = 64;
constexpr size_t kMaxTextLength = 200;
constexpr int kMaxWarrantyMonths = 120;

bool IsBlank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

void CheckMoney(Validator& v, const Money& money, const std::string& field) {
  const std::string& code = money.currency_code;
  v.Check(code.size() == 3 && std::all_of(code.begin(), code.end(),
                                          [](unsigned char c) { return c >= 'A' && c <= 'Z'; }),
          field + ".currencyCode", "must be a three-letter ISO 4217 code such as CNY");
  v.Check(money.minor_units >= 0, field + ".minorUnits", "must not be negative");
}

}  // namespace

bool IsValidId(const std::string& id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

Result<Part> NewPart(const PartSpec& spec) {
  Validator v;
  v.Check(IsValidId(spec.sku), "sku", "required: up to 64 letters, digits, '-', '_' or '.'");
  v.Check(!IsBlank(spec.name) && spec.name.size() <= kMaxTextLength, "name",
          "required, at most 200 characters");
  v.Check(spec.model.size() <= kMaxTextLength, "model", "at most 200 characters");
  v.Check(spec.category >= 0 && spec.category <= 5, "category", "unknown category");
  CheckMoney(v, spec.cost_price, "costPrice");
  CheckMoney(v, spec.sale_price, "salePrice");
  const int warranty = spec.warranty_months.value_or(kDefaultWarrantyMonths);
  v.Check(warranty >= 0 && warranty <= kMaxWarrantyMonths, "warrantyMonths",
          "must be between 0 and 120");
  v.Check(spec.safety_stock >= 0, "safetyStock", "must not be negative");
  if (!v.ok()) return v.ToStatus();
  Part part;
  part.sku = spec.sku;
  part.name = spec.name;
  part.model = spec.model;
  part.category = spec.category;
  part.critical = spec.critical;
  part.cost_price = spec.cost_price;
  part.sale_price = spec.sale_price;
  part.warranty_months = warranty;
  part.safety_stock = spec.safety_stock;
  return part;
}

const char* LocationTypeName(LocationType type) {
  switch (type) {
    case LocationType::kDepot:
      return "DEPOT";
    case LocationType::kBranch:
      return "BRANCH";
    case LocationType::kVan:
      return "VAN";
    case LocationType::kBonded:
      return "BONDED";
    case LocationType::kUnspecified:
      break;
  }
  return "TYPE_UNSPECIFIED";
}

Status ValidateLocation(const Location& location) {
  Validator v;
  v.Check(IsValidId(location.id), "id", "required: up to 64 letters, digits, '-', '_' or '.'");
  v.Check(!IsBlank(location.name) && location.name.size() <= kMaxTextLength, "name",
          "required, at most 200 characters");
  v.Check(location.type != LocationType::kUnspecified, "type",
          "required: DEPOT, BRANCH, VAN or BONDED");
  v.Check(location.branch.empty() || IsValidId(location.branch), "branch",
          "letters, digits, '-', '_' or '.'");
  if (location.type == LocationType::kVan) {
    v.Check(IsValidId(location.engineer_id), "engineerId", "required for a VAN");
  } else {
    v.Check(location.engineer_id.empty(), "engineerId", "only a VAN has an engineer");
  }
  if (location.type == LocationType::kBranch) {
    v.Check(!location.branch.empty(), "branch", "required for a BRANCH warehouse");
  }
  return v.ToStatus();
}

std::vector<std::string> ReservationSourceOrder(const std::string& engineer_id,
                                                const std::string& branch, bool critical,
                                                std::vector<Location> locations) {
  // Rank, then id, so that the order is stable whatever order Redis listed them in.
  auto rank = [&](const Location& l) -> int {
    if (l.type == LocationType::kVan && !engineer_id.empty() && l.engineer_id == engineer_id)
      return 0;
    if (l.type == LocationType::kBranch && !branch.empty() && l.branch == branch) return 1;
    if (l.type == LocationType::kDepot) return 2;
    if (l.type == LocationType::kBonded && critical) return 3;
    return -1;
  };
  std::erase_if(locations, [&](const Location& l) { return rank(l) < 0; });
  std::sort(locations.begin(), locations.end(), [&](const Location& a, const Location& b) {
    return std::pair(rank(a), a.id) < std::pair(rank(b), b.id);
  });
  std::vector<std::string> ids;
  for (const Location& l : locations) ids.push_back(l.id);
  return ids;
}

}  // namespace aftersales::inventory

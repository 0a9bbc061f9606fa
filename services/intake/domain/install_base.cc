#include "services/intake/domain/install_base.h"

#include <array>
#include <cctype>
#include <string>
#include <utility>

namespace aftersales::intake {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

constexpr std::array<std::pair<AssetCategory, std::string_view>, 5> kCategories = {{
    {AssetCategory::kMainframe, "mainframe"},
    {AssetCategory::kController, "controller"},
    {AssetCategory::kTerminal, "terminal"},
    {AssetCategory::kAccessory, "accessory"},
    {AssetCategory::kConsumable, "consumable"},
}};

constexpr std::array<std::pair<Zone, std::string_view>, 3> kZones = {{
    {Zone::kCity, "city"},
    {Zone::kSuburb, "suburb"},
    {Zone::kRemote, "remote"},
}};

}  // namespace

bool IsMainEquipment(AssetCategory category) {
  return category == AssetCategory::kMainframe || category == AssetCategory::kController ||
         category == AssetCategory::kTerminal;
}

std::string_view AssetCategoryName(AssetCategory category) {
  for (const auto& [c, name] : kCategories) {
    if (c == category) return name;
  }
  return "unknown";
}

Result<AssetCategory> ParseAssetCategory(std::string_view text, std::string_view field) {
  for (const auto& [c, name] : kCategories) {
    if (EqualsIgnoreCase(text, name)) return c;
  }
  return InvalidArgument("INVALID_ASSET_CATEGORY", "unknown asset category",
                         {{std::string(field),
                           "must be one of mainframe, controller, terminal, accessory, "
                           "consumable"}});
}

std::string_view ZoneName(Zone zone) {
  for (const auto& [z, name] : kZones) {
    if (z == zone) return name;
  }
  return "unknown";
}

Result<Zone> ParseZone(std::string_view text, std::string_view field) {
  for (const auto& [z, name] : kZones) {
    if (EqualsIgnoreCase(text, name)) return z;
  }
  return InvalidArgument("INVALID_ZONE", "unknown zone",
                         {{std::string(field), "must be one of city, suburb, remote"}});
}

}  // namespace aftersales::intake

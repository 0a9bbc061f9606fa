// Install-base vocabulary the rules depend on: what kind of equipment an asset
// is (warranty and repair deadlines differ) and how far its site is (on-site
// deadlines differ).
#pragma once

#include <string_view>

#include "services/common/status.h"

namespace aftersales::intake {

enum class AssetCategory { kMainframe, kController, kTerminal, kAccessory, kConsumable };

// mainframe, controller and terminal: repaired within the longer REPAIR budget.
bool IsMainEquipment(AssetCategory category);
// "mainframe", "controller", ... (the spelling domain.md and the API use).
std::string_view AssetCategoryName(AssetCategory category);
// Accepts the lower-case names, case-insensitively; otherwise INVALID_ARGUMENT
// naming `field`.
Result<AssetCategory> ParseAssetCategory(std::string_view text,
                                         std::string_view field = "category");

enum class Zone { kCity, kSuburb, kRemote };

std::string_view ZoneName(Zone zone);  // "city", "suburb", "remote"
Result<Zone> ParseZone(std::string_view text, std::string_view field = "zone");

}  // namespace aftersales::intake

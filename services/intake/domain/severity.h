// Fault severity (domain.md's fault classes) and how it follows from the
// impact the customer describes.
#pragma once

#include <optional>
#include <string_view>

#include "services/common/status.h"

namespace aftersales::intake {

// Declared most to least urgent; deadline tables are indexed in this order.
enum class Severity { kEmergency = 0, kMajor = 1, kMinor = 2, kNotice = 3 };
inline constexpr int kSeverityCount = 4;

enum class Impact {
  kSystemDown,        // system down, cannot start, all public service stopped
  kCommonDeviceDown,  // a commonly used device is abnormal or stopped
  kRareDeviceDown,    // a rarely used device is abnormal or stopped
  kAbnormalInfoOnly,  // a device or line reports abnormal information, no service affected
};

std::string_view SeverityName(Severity severity);  // "EMERGENCY", ...
std::string_view ImpactName(Impact impact);        // "SYSTEM_DOWN", ...
Severity SeverityFromImpact(Impact impact);

// Enum names in any case, with '_', '-' or ' ' between words, plus "class 1..3"
// and the Chinese 紧急/重大/一般/提示. INVALID_ARGUMENT naming `field` otherwise.
Result<Severity> ParseSeverity(std::string_view text, std::string_view field = "severity");

// The impact as an agent types it or a customer says it: the enum names, or
// English and Chinese keywords ("system down", "cannot start", "全部停止",
// "无法启动", "不常用设备", "只报异常信息", ...). Unrecognised text is
// INVALID_ARGUMENT naming `field`.
Result<Impact> ParseImpact(std::string_view text, std::string_view field = "impact");

// A severity the agent stated wins (the agent has talked to the customer);
// otherwise it follows from the impact. Neither → INVALID_ARGUMENT naming
// "impact".
Result<Severity> DeriveSeverity(std::optional<Severity> stated, std::string_view impact_text);

}  // namespace aftersales::intake

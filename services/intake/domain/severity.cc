#include "services/intake/domain/severity.h"

#include <array>
#include <string>
#include <utility>

namespace aftersales::intake {
namespace {

// Lower-case ASCII and turn '_' and '-' into spaces, collapsing runs, so that
// "SYSTEM_DOWN", "system-down" and "System  down" read the same. Bytes >= 0x80
// (Chinese) pass through untouched.
std::string Normalise(std::string_view text) {
  std::string out;
  bool space = true;  // drops leading blanks
  for (char raw : text) {
    char c = raw;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '_' || c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!space) out.push_back(' ');
      space = true;
      continue;
    }
    out.push_back(c);
    space = false;
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

struct Keywords {
  Impact impact;
  std::array<std::string_view, 16> words;  // unused slots stay empty
};

// Checked in this order, first match wins: the most severe reading first, then
// the specific "info only" and "rarely used" phrases before "commonly used"
// (because "不常用" contains "常用" and "abnormal" occurs in several).
constexpr std::array<Keywords, 4> kKeywords = {{
    {Impact::kSystemDown,
     {"system down", "cannot start", "can't start", "won't start", "does not start", "all stopped",
      "all service stopped", "total outage", "whole system", "completely down", "全部停止",
      "无法启动", "不能启动", "瘫痪", "宕机", "全部中断"}},
    {Impact::kAbnormalInfoOnly,
     {"abnormal info", "info only", "information only", "no service affected", "not affected",
      "no impact", "warning only", "异常信息", "告警信息", "报警信息", "不影响", "提示信息"}},
    {Impact::kRareDeviceDown,
     {"rare device down", "rarely used", "seldom used", "rare device", "不常用", "很少使用",
      "偶尔使用", "备用设备"}},
    {Impact::kCommonDeviceDown,
     {"common device down", "commonly used", "frequently used", "main device", "common device",
      "常用", "主要设备", "经常使用"}},
}};

constexpr std::array<std::pair<Severity, std::string_view>, 4> kSeverityNames = {{
    {Severity::kEmergency, "EMERGENCY"},
    {Severity::kMajor, "MAJOR"},
    {Severity::kMinor, "MINOR"},
    {Severity::kNotice, "NOTICE"},
}};

constexpr std::array<std::pair<Impact, std::string_view>, 4> kImpactNames = {{
    {Impact::kSystemDown, "SYSTEM_DOWN"},
    {Impact::kCommonDeviceDown, "COMMON_DEVICE_DOWN"},
    {Impact::kRareDeviceDown, "RARE_DEVICE_DOWN"},
    {Impact::kAbnormalInfoOnly, "ABNORMAL_INFO_ONLY"},
}};

}  // namespace

std::string_view SeverityName(Severity severity) {
  for (const auto& [s, name] : kSeverityNames) {
    if (s == severity) return name;
  }
  return "UNKNOWN";
}

std::string_view ImpactName(Impact impact) {
  for (const auto& [i, name] : kImpactNames) {
    if (i == impact) return name;
  }
  return "UNKNOWN";
}

Severity SeverityFromImpact(Impact impact) {
  switch (impact) {
    case Impact::kSystemDown:
      return Severity::kEmergency;
    case Impact::kCommonDeviceDown:
      return Severity::kMajor;
    case Impact::kRareDeviceDown:
      return Severity::kMinor;
    case Impact::kAbnormalInfoOnly:
      return Severity::kNotice;
  }
  return Severity::kNotice;
}

Result<Severity> ParseSeverity(std::string_view text, std::string_view field) {
  // The stored and wire form is the enum name: no normalising (every report
  // parses it several times).
  for (const auto& [s, name] : kSeverityNames) {
    if (text == name) return s;
  }
  const std::string n = Normalise(text);
  for (const auto& [s, name] : kSeverityNames) {
    if (n == Normalise(name)) return s;
  }
  // The source documents number the classes; emergency has no class number.
  if (n == "class 3" || n == "重大") return Severity::kMajor;
  if (n == "class 2" || n == "一般") return Severity::kMinor;
  if (n == "class 1" || n == "提示") return Severity::kNotice;
  if (n == "紧急") return Severity::kEmergency;
  return InvalidArgument("INVALID_SEVERITY", "unknown severity",
                         {{std::string(field), "must be one of EMERGENCY, MAJOR, MINOR, NOTICE"}});
}

Result<Impact> ParseImpact(std::string_view text, std::string_view field) {
  for (const auto& [i, name] : kImpactNames) {
    if (text == name) return i;  // the stored form, as for ParseSeverity
  }
  const std::string n = Normalise(text);
  if (!n.empty()) {
    for (const auto& [i, name] : kImpactNames) {
      if (n == Normalise(name)) return i;
    }
    for (const auto& k : kKeywords) {
      for (std::string_view w : k.words) {
        if (!w.empty() && n.find(w) != std::string::npos) return k.impact;
      }
    }
  }
  return InvalidArgument(
      "UNKNOWN_IMPACT", "cannot tell the severity from the impact; state the severity",
      {{std::string(field), n.empty()
                                ? "required when no severity is given"
                                : "not one of SYSTEM_DOWN, COMMON_DEVICE_DOWN, RARE_DEVICE_DOWN, "
                                  "ABNORMAL_INFO_ONLY and no known keyword"}});
}

Result<Severity> DeriveSeverity(std::optional<Severity> stated, std::string_view impact_text) {
  if (stated) return *stated;
  Result<Impact> impact = ParseImpact(impact_text, "impact");
  if (!impact.ok()) return impact.status();
  return SeverityFromImpact(*impact);
}

}  // namespace aftersales::intake

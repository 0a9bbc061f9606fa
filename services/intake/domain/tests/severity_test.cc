#include "services/intake/domain/severity.h"

#include <catch2/catch.hpp>
#include <cctype>
#include <string>
#include <utility>

namespace aftersales::intake {
namespace {

TEST_CASE("Each impact maps to its fault class", "[severity]") {
  CHECK(SeverityFromImpact(Impact::kSystemDown) == Severity::kEmergency);
  CHECK(SeverityFromImpact(Impact::kCommonDeviceDown) == Severity::kMajor);
  CHECK(SeverityFromImpact(Impact::kRareDeviceDown) == Severity::kMinor);
  CHECK(SeverityFromImpact(Impact::kAbnormalInfoOnly) == Severity::kNotice);
}

TEST_CASE("Impact enum names parse in any spelling", "[severity]") {
  for (Impact i : {Impact::kSystemDown, Impact::kCommonDeviceDown, Impact::kRareDeviceDown,
                   Impact::kAbnormalInfoOnly}) {
    std::string lower(ImpactName(i));
    for (char& c : lower) c = static_cast<char>(c == '_' ? '-' : std::tolower(c));
    for (const std::string& text : {std::string(ImpactName(i)), lower}) {
      INFO(text);
      Result<Impact> r = ParseImpact(text);
      REQUIRE(r.ok());
      CHECK(*r == i);
    }
  }
}

TEST_CASE("Impact keywords in English and Chinese", "[severity]") {
  const std::pair<const char*, Severity> cases[] = {
      {"system down", Severity::kEmergency},
      {"The whole system cannot start since 9am", Severity::kEmergency},
      {"全部停止", Severity::kEmergency},
      {"停车场系统无法启动", Severity::kEmergency},
      {"收费系统瘫痪，车辆无法出场", Severity::kEmergency},
      {"the commonly used entry gate is stopped", Severity::kMajor},
      {"常用设备停止工作", Severity::kMajor},
      // "不常用" contains "常用": the rare device must not read as a common one.
      {"不常用的出口道闸异常", Severity::kMinor},
      {"a rarely used camera is abnormal", Severity::kMinor},
      {"只报异常信息，不影响使用", Severity::kNotice},
      {"line reports abnormal info only", Severity::kNotice},
  };
  for (const auto& [text, expected] : cases) {
    INFO(text);
    Result<Severity> s = DeriveSeverity(std::nullopt, text);
    REQUIRE(s.ok());
    CHECK(SeverityName(*s) == SeverityName(expected));
  }
}

TEST_CASE("Unknown impact without a severity is INVALID_ARGUMENT naming impact", "[severity]") {
  for (const char* text : {"", "   ", "it makes a funny noise", "有点奇怪"}) {
    INFO(text);
    Result<Severity> s = DeriveSeverity(std::nullopt, text);
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Code::kInvalidArgument);
    REQUIRE(s.status().field_violations().size() == 1);
    CHECK(s.status().field_violations()[0].field == "impact");
  }
}

TEST_CASE("A stated severity wins over the impact text", "[severity]") {
  Result<Severity> s = DeriveSeverity(Severity::kMinor, "system down");
  REQUIRE(s.ok());
  CHECK(*s == Severity::kMinor);
  Result<Severity> t = DeriveSeverity(Severity::kMajor, "gibberish");
  REQUIRE(t.ok());
  CHECK(*t == Severity::kMajor);
}

TEST_CASE("Severity names and class numbers parse", "[severity]") {
  const std::pair<const char*, Severity> cases[] = {
      {"EMERGENCY", Severity::kEmergency}, {"major", Severity::kMajor},
      {"Minor", Severity::kMinor},         {"notice", Severity::kNotice},
      {"class 3", Severity::kMajor},       {"class-2", Severity::kMinor},
      {"CLASS_1", Severity::kNotice},      {"紧急", Severity::kEmergency},
      {"一般", Severity::kMinor},
  };
  for (const auto& [text, expected] : cases) {
    INFO(text);
    Result<Severity> s = ParseSeverity(text);
    REQUIRE(s.ok());
    CHECK(*s == expected);
  }
  Result<Severity> bad = ParseSeverity("urgent");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().field_violations()[0].field == "severity");
}

}  // namespace
}  // namespace aftersales::intake

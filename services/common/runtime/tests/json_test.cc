#include "services/common/runtime/json.h"

#include <catch2/catch.hpp>

namespace aftersales {
namespace {

TEST_CASE("JsonString escapes quotes, backslashes and control characters", "[json]") {
  CHECK(JsonString("plain") == "\"plain\"");
  CHECK(JsonString("say \"hi\"\\") == R"("say \"hi\"\\")");
  CHECK(JsonString("a\nb\tc\r") == R"("a\nb\tc\r")");
  CHECK(JsonString(std::string("\x01\x1f\x7f", 3)) == R"("\u0001\u001f\u007f")");
  CHECK(JsonString(std::string("nul\0byte", 8)) == R"("nul\u0000byte")");
}

TEST_CASE("JsonString keeps valid UTF-8 and replaces invalid bytes", "[json]") {
  CHECK(JsonString("故障 ✓ 😀") == "\"故障 ✓ 😀\"");
  CHECK(JsonString("bad\xff") == R"("bad\ufffd")");
  // Truncated 3-byte sequence, an overlong '/', and a UTF-16 surrogate.
  CHECK(JsonString("\xe6\x95") == R"("\ufffd\ufffd")");
  CHECK(JsonString("\xc0\xaf") == R"("\ufffd\ufffd")");
  CHECK(JsonString("\xed\xa0\x80") == R"("\ufffd\ufffd\ufffd")");
  CHECK(IsValidUtf8("故障"));
  CHECK_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

}  // namespace
}  // namespace aftersales

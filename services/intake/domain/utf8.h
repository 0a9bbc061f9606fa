// UTF-8 decoding for Chinese text: validation of stored text (protobuf strings
// must be valid UTF-8) and code points for the knowledge-base tokenizer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aftersales::intake {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// Strict: rejects overlong forms, surrogates, code points above U+10FFFF and
// truncated sequences.
bool IsValidUtf8(std::string_view text);
// Every malformed sequence becomes one U+FFFD, so decoding never fails.
std::u32string DecodeUtf8(std::string_view text);
void AppendUtf8(char32_t cp, std::string& out);

}  // namespace aftersales::intake

// Minimal JSON writing shared by the logger and the HTTP error bodies: the
// project has no JSON library in common/, and these two only ever write flat
// objects of strings and numbers.
#pragma once

#include <string>
#include <string_view>

namespace aftersales {

// Appends `s` as a quoted JSON string. Quotes, backslashes and control
// characters are escaped; valid UTF-8 is kept as is; each byte of an invalid
// UTF-8 sequence becomes U+FFFD so that the output is always valid JSON.
void AppendJsonString(std::string& out, std::string_view s);

// `s` as a quoted JSON string.
std::string JsonString(std::string_view s);

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view s);

}  // namespace aftersales

#include "services/intake/domain/utf8.h"

namespace aftersales::intake {
namespace {

// Decodes one code point at text[i]; returns bytes consumed (>= 1) and sets
// *ok = false for a malformed sequence.
size_t DecodeOne(std::string_view text, size_t i, char32_t* cp, bool* ok) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  *ok = true;
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t len = 0;
  char32_t min = 0;  // smaller values are overlong encodings
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    min = 0x80;
    *cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    min = 0x800;
    *cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    min = 0x10000;
    *cp = b0 & 0x07;
  } else {
    *ok = false;
    return 1;
  }
  for (size_t k = 1; k < len; ++k) {
    if (i + k >= text.size() || (byte(i + k) & 0xC0) != 0x80) {
      *ok = false;
      return k;  // resynchronise at the byte that broke the sequence
    }
    *cp = (*cp << 6) | (byte(i + k) & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) *ok = false;
  return len;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    bool ok = true;
    i += DecodeOne(text, i, &cp, &ok);
    if (!ok) return false;
  }
  return true;
}

std::u32string DecodeUtf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    bool ok = true;
    i += DecodeOne(text, i, &cp, &ok);
    out.push_back(ok ? cp : kReplacementChar);
  }
  return out;
}

void AppendUtf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace aftersales::intake

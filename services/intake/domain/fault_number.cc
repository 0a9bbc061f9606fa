#include "services/intake/domain/fault_number.h"

#include <limits>

namespace aftersales::intake {
namespace {

// The totally anti-symmetric quasigroup of order 10 from Damm's thesis (2004).
constexpr int kDamm[10][10] = {
    {0, 3, 1, 7, 5, 9, 8, 6, 4, 2}, {7, 0, 9, 2, 1, 5, 4, 8, 6, 3}, {4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
    {1, 7, 5, 0, 9, 8, 3, 4, 2, 6}, {6, 1, 2, 3, 0, 4, 5, 9, 7, 8}, {3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
    {5, 8, 6, 9, 7, 2, 0, 1, 3, 4}, {8, 9, 4, 5, 3, 6, 2, 0, 1, 7}, {9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
    {2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
};

int DammInterim(std::string_view digits) {
  int interim = 0;
  for (char c : digits) interim = kDamm[interim][c - '0'];
  return interim;
}

// 20 digits of uint64 max plus the check digit.
constexpr size_t kMaxDigits = 21;

Status Invalid(std::string_view field, std::string message, std::string description) {
  return InvalidArgument("INVALID_FAULT_NUMBER", std::move(message),
                         {{std::string(field), std::move(description)}});
}

}  // namespace

char DammCheckDigit(std::string_view digits) {
  return static_cast<char>('0' + DammInterim(digits));
}

FaultNumber FaultNumber::FromSequence(uint64_t sequence) { return FaultNumber(sequence); }

std::string FaultNumber::ToString() const {
  std::string payload = std::to_string(sequence_);
  if (payload.size() < kMinPayloadDigits) {
    payload.insert(0, kMinPayloadDigits - payload.size(), '0');
  }
  payload.push_back(DammCheckDigit(payload));
  return payload;
}

std::string FaultNumber::ToDisplayString() const {
  const std::string digits = ToString();
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back('-');
    out.push_back(digits[i]);
  }
  return out;
}

Result<FaultNumber> FaultNumber::Parse(std::string_view text, std::string_view field) {
  std::string digits;
  for (char c : text) {
    if (c == ' ' || c == '-') continue;
    if (c < '0' || c > '9') {
      return Invalid(field, "a fault number has only digits",
                     "only digits, spaces and dashes are allowed");
    }
    if (digits.size() == kMaxDigits) {
      return Invalid(field, "fault number too long", "at most 21 digits");
    }
    digits.push_back(c);
  }
  const size_t min_digits = kMinPayloadDigits + 1;
  if (digits.size() < min_digits) {
    return Invalid(field, "fault number too short", "at least 8 digits");
  }
  // One spelling per number: longer numbers never start with 0, so a stray
  // leading zero is an error instead of an alias.
  if (digits.size() > min_digits && digits[0] == '0') {
    return Invalid(field, "fault number has extra leading zeros", "not a fault number");
  }
  if (DammInterim(digits) != 0) {
    return Invalid(field, "the check digit is wrong: the number was mistyped",
                   "check digit does not match");
  }
  uint64_t sequence = 0;
  for (size_t i = 0; i + 1 < digits.size(); ++i) {
    const uint64_t d = static_cast<uint64_t>(digits[i] - '0');
    if (sequence > (std::numeric_limits<uint64_t>::max() - d) / 10) {
      return Invalid(field, "fault number out of range", "not a fault number");
    }
    sequence = sequence * 10 + d;
  }
  return FaultNumber(sequence);
}

}  // namespace aftersales::intake

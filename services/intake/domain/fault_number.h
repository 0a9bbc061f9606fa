// Fault numbers: what the customer reads back over the phone to ask about a
// fault. Digits only (every phone keypad and every language reads them), the
// storage's sequence number zero-padded to at least 7 digits, then one Damm
// check digit: "0001234" + "5" is shown as "0001-2345".
//
// Why no date or branch prefix: the sequence is already unique, a prefix would
// add 4-6 more digits to read out, and a branch can change (a fault moves to
// another branch) while the number must not. 8 digits cover ten million faults
// before the number grows by one digit.
//
// Why Damm: it detects every single mistyped digit and every swap of two
// adjacent digits (the check digit included), with one 10x10 table.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "services/common/status.h"

namespace aftersales::intake {

class FaultNumber {
 public:
  static constexpr int kMinPayloadDigits = 7;

  static FaultNumber FromSequence(uint64_t sequence);
  // Accepts what a customer reads out: digits with any spaces and dashes
  // ("0001-2345", "0001 2345", "00012345"). Anything else, a wrong length, a
  // non-canonical spelling (extra leading zeros) or a wrong check digit is
  // INVALID_ARGUMENT reason "INVALID_FAULT_NUMBER" naming `field`.
  static Result<FaultNumber> Parse(std::string_view text, std::string_view field = "fault_number");

  uint64_t sequence() const { return sequence_; }
  // Canonical digits, e.g. "00012345": the storage key and what Parse returns to.
  std::string ToString() const;
  // Groups of four from the left for reading aloud: "0001-2345".
  std::string ToDisplayString() const;

  friend bool operator==(const FaultNumber&, const FaultNumber&) = default;
  friend auto operator<=>(const FaultNumber&, const FaultNumber&) = default;

 private:
  explicit FaultNumber(uint64_t sequence) : sequence_(sequence) {}
  uint64_t sequence_ = 0;
};

// The Damm check digit of a string of decimal digits (exposed for tests and
// for printing on paper forms). Precondition: `digits` holds only '0'..'9'.
char DammCheckDigit(std::string_view digits);

}  // namespace aftersales::intake

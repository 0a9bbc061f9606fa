#include "services/intake/domain/fault_number.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace aftersales::intake {
namespace {

// Plain ifs rather than REQUIRE: this runs over a million times.
void RequireRejected(const std::string& text) {
  Result<FaultNumber> r = FaultNumber::Parse(text);
  if (r.ok()) FAIL("accepted a corrupted number: " << text);
  if (r.status().code() != Code::kInvalidArgument ||
      r.status().reason() != "INVALID_FAULT_NUMBER") {
    FAIL("wrong error for " << text << ": " << r.status().ToString());
  }
}

TEST_CASE("Damm check digit matches the published example", "[fault_number]") {
  CHECK(DammCheckDigit("572") == '4');
  CHECK(DammCheckDigit("5724") == '0');  // a valid number checks to zero
}

TEST_CASE("Fault number format: 7+ payload digits and a check digit", "[fault_number]") {
  const FaultNumber n = FaultNumber::FromSequence(1234);
  const std::string s = n.ToString();
  REQUIRE(s.size() == 8);
  CHECK(s.substr(0, 7) == "0001234");
  CHECK(s[7] == DammCheckDigit("0001234"));
  CHECK(n.ToDisplayString() == "0001-234" + std::string(1, s[7]));
  CHECK(FaultNumber::FromSequence(12345678).ToString().size() == 9);
  CHECK(FaultNumber::FromSequence(std::numeric_limits<uint64_t>::max()).ToString().size() == 21);
}

TEST_CASE("Fault numbers round-trip through text", "[fault_number]") {
  std::vector<uint64_t> seqs;
  for (uint64_t s = 0; s < 2000; ++s) seqs.push_back(s);
  for (uint64_t s : {uint64_t{9'999'999}, uint64_t{10'000'000}, uint64_t{123'456'789'012},
                     std::numeric_limits<uint64_t>::max()}) {
    seqs.push_back(s);
  }
  for (uint64_t s : seqs) {
    const FaultNumber n = FaultNumber::FromSequence(s);
    for (const std::string& text : {n.ToString(), n.ToDisplayString()}) {
      Result<FaultNumber> back = FaultNumber::Parse(text);
      INFO(text);
      REQUIRE(back.ok());
      REQUIRE(back->sequence() == s);
      REQUIRE(*back == n);
    }
  }
}

TEST_CASE("Parsing tolerates the spaces and dashes people read out", "[fault_number]") {
  const FaultNumber n = FaultNumber::FromSequence(4711);
  const std::string s = n.ToString();
  for (const std::string& text :
       {s, " " + s + " ", s.substr(0, 4) + " " + s.substr(4), s.substr(0, 3) + "-" + s.substr(3),
        s.substr(0, 2) + " - " + s.substr(2, 3) + "--" + s.substr(5)}) {
    Result<FaultNumber> r = FaultNumber::Parse(text);
    INFO(text);
    REQUIRE(r.ok());
    CHECK(*r == n);
  }
}

TEST_CASE("Malformed fault numbers are INVALID_FAULT_NUMBER naming the field", "[fault_number]") {
  const std::string good = FaultNumber::FromSequence(4711).ToString();
  for (const std::string& bad :
       {std::string(), std::string("   "), good.substr(0, 7), good + "0",  // length
        "0" + good,                                                        // extra leading zero
        good.substr(0, 4) + "A" + good.substr(5), good.substr(0, 4) + "/" + good.substr(4),
        std::string("１２３４５６７８"), std::string(30, '1')}) {
    INFO(bad);
    Result<FaultNumber> r = FaultNumber::Parse(bad, "number");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    CHECK(r.status().reason() == "INVALID_FAULT_NUMBER");
    REQUIRE(r.status().field_violations().size() == 1);
    CHECK(r.status().field_violations()[0].field == "number");
  }
}

TEST_CASE("A wrong check digit says so", "[fault_number]") {
  std::string s = FaultNumber::FromSequence(4711).ToString();
  s.back() = s.back() == '9' ? '0' : static_cast<char>(s.back() + 1);
  Result<FaultNumber> r = FaultNumber::Parse(s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().reason() == "INVALID_FAULT_NUMBER");
  CHECK(r.status().message().find("check digit") != std::string::npos);
}

// The promise to the customer: a mistyped number is rejected, never matched to
// someone else's fault. Over 10,000 numbers on each side of the 8/9-digit
// boundary, every single-digit substitution and every adjacent swap.
TEST_CASE("Every single-digit error and adjacent swap is rejected", "[fault_number]") {
  size_t substitutions = 0;
  size_t swaps = 0;
  auto check_range = [&](uint64_t from, uint64_t count) {
    for (uint64_t seq = from; seq < from + count; ++seq) {
      const std::string s = FaultNumber::FromSequence(seq).ToString();
      for (size_t i = 0; i < s.size(); ++i) {
        for (char d = '0'; d <= '9'; ++d) {
          if (d == s[i]) continue;
          std::string t = s;
          t[i] = d;
          RequireRejected(t);
          ++substitutions;
        }
        if (i + 1 < s.size() && s[i] != s[i + 1]) {
          std::string t = s;
          std::swap(t[i], t[i + 1]);
          RequireRejected(t);
          ++swaps;
        }
      }
    }
  };
  check_range(1, 10'000);
  check_range(9'995'000, 10'000);  // 8- and 9-digit numbers
  check_range(987'654'321'000, 1'000);
  CHECK(substitutions > 1'400'000);
  CHECK(swaps > 100'000);
}

TEST_CASE("Fault numbers are unique over a range of sequences", "[fault_number]") {
  std::set<std::string> seen;
  std::set<std::string> payloads;
  for (uint64_t s = 0; s < 50'000; ++s) {
    const std::string t = FaultNumber::FromSequence(s).ToString();
    REQUIRE(seen.insert(t).second);
    // Also unique without the check digit: two faults never differ only there.
    REQUIRE(payloads.insert(t.substr(0, t.size() - 1)).second);
  }
}

}  // namespace
}  // namespace aftersales::intake

#include "services/common/runtime/uuid.h"

#include <array>
#include <cstdio>
#include <random>

namespace aftersales {
namespace {

std::mt19937_64& ThreadGenerator() {
  // 256 bits of seed from the OS: a mt19937_64 seeded with one 32-bit word
  // would let two processes collide after a few tens of thousands of starts.
  thread_local std::mt19937_64 gen = [] {
    std::random_device rd;
    std::array<uint32_t, 8> seed{};
    for (auto& w : seed) {
      w = rd();
    }
    std::seed_seq seq(seed.begin(), seed.end());
    return std::mt19937_64(seq);
  }();
  return gen;
}

std::string FormatUuid(uint64_t hi, uint64_t lo) {
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return std::string(buf, 36);
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

std::string NewUuid() {
  auto& gen = ThreadGenerator();
  uint64_t hi = gen();
  uint64_t lo = gen();
  hi = (hi & ~0xF000ULL) | 0x4000ULL;                  // version 4
  lo = (lo & ~(0xC000ULL << 48)) | (0x8000ULL << 48);  // variant 10xx
  return FormatUuid(hi, lo);
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') {
        return false;
      }
    } else if (!IsHex(s[i])) {
      return false;
    }
  }
  return true;
}

std::string SequentialIdGenerator::NewId() {
  const uint64_t n = next_.fetch_add(1);
  return FormatUuid(0x4000ULL, (0x8000ULL << 48) | (n & 0xFFFFFFFFFFFFULL));
}

}  // namespace aftersales

// Random identifiers: event ids, request ids, entity ids.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace aftersales {

// A random (version 4) UUID in canonical lower-case form,
// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx". Thread-safe and lock-free: each
// thread owns a generator seeded from std::random_device.
std::string NewUuid();

// True for the canonical 8-4-4-4-12 hexadecimal form (either case, any version).
bool IsUuid(std::string_view s);

// Where code that mints ids gets them, so that tests can predict them.
class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  virtual std::string NewId() = 0;
};
using IdGeneratorPtr = std::unique_ptr<IdGenerator>;

class UuidGenerator final : public IdGenerator {
 public:
  std::string NewId() override { return NewUuid(); }
};

// 00000000-0000-4000-8000-000000000001, …0002, …: valid UUIDs in a known
// order. Thread-safe.
class SequentialIdGenerator final : public IdGenerator {
 public:
  explicit SequentialIdGenerator(uint64_t first = 1) : next_(first) {}
  std::string NewId() override;

 private:
  std::atomic<uint64_t> next_;
};

}  // namespace aftersales

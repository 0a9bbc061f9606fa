#include "services/common/runtime/uuid.h"

#include <catch2/catch.hpp>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace aftersales {
namespace {

TEST_CASE("NewUuid yields canonical version-4 UUIDs", "[uuid]") {
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewUuid();
    REQUIRE(IsUuid(id));
    CHECK(id[14] == '4');
    CHECK(std::string("89ab").find(id[19]) != std::string::npos);
    for (char c : id) CHECK((c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')));
  }
}

TEST_CASE("NewUuid is unique across threads", "[uuid]") {
  std::mutex mu;
  std::set<std::string> ids;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::vector<std::string> mine;
      for (int i = 0; i < 2000; ++i) mine.push_back(NewUuid());
      std::lock_guard<std::mutex> lock(mu);
      ids.insert(mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ids.size() == 8000);
}

TEST_CASE("IsUuid accepts only the 8-4-4-4-12 hex form", "[uuid]") {
  CHECK(IsUuid("123e4567-e89b-12d3-a456-426614174000"));
  CHECK(IsUuid("123E4567-E89B-12D3-A456-426614174000"));
  CHECK_FALSE(IsUuid(""));
  CHECK_FALSE(IsUuid("123e4567e89b12d3a456426614174000"));
  CHECK_FALSE(IsUuid("123e4567-e89b-12d3-a456-42661417400"));
  CHECK_FALSE(IsUuid("123e4567-e89b-12d3-a456-4266141740000"));
  CHECK_FALSE(IsUuid("123e4567-e89b-12d3-a456_426614174000"));
  CHECK_FALSE(IsUuid("g23e4567-e89b-12d3-a456-426614174000"));
}

TEST_CASE("SequentialIdGenerator yields predictable valid UUIDs", "[uuid]") {
  SequentialIdGenerator gen;
  IdGenerator& ids = gen;
  CHECK(ids.NewId() == "00000000-0000-4000-8000-000000000001");
  CHECK(ids.NewId() == "00000000-0000-4000-8000-000000000002");
  SequentialIdGenerator from(255);
  const std::string id = from.NewId();
  CHECK(id == "00000000-0000-4000-8000-0000000000ff");
  CHECK(IsUuid(id));
  UuidGenerator random;
  CHECK(IsUuid(random.NewId()));
}

}  // namespace
}  // namespace aftersales

// A clock shared by every process of a test platform, moved by the test: the
// business time of the services is system time plus an offset kept in a small
// file that each process maps. Time keeps flowing between moves (timeouts,
// retries and sleeps behave as in production); a test skips ahead by days
// with one Advance() and every service sees it at once.
//
// The file is 16 bytes: the magic "ASTCLK01", then the offset in
// milliseconds as a native int64. Readers map it shared, so Now() costs no
// system call beyond reading the system clock and sees a writer's change as
// soon as it is made (same page cache). Only a process that can write the
// file moves the clock: nothing reachable over the network can. A service uses
// it only in test mode (see service_host.h: AFTERSALES_TEST_CLOCK_FILE).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "services/common/clock.h"
#include "services/common/status.h"

namespace aftersales {

// A mapping of a clock file; movable, unmapped on destruction.
class TestClockMapping {
 public:
  TestClockMapping() = default;
  TestClockMapping(TestClockMapping&& other) noexcept;
  TestClockMapping& operator=(TestClockMapping&& other) noexcept;
  TestClockMapping(const TestClockMapping&) = delete;
  TestClockMapping& operator=(const TestClockMapping&) = delete;
  ~TestClockMapping();

  // FAILED_PRECONDITION "TEST_CLOCK_FILE_UNUSABLE" naming the path and what is
  // wrong: missing, unreadable, not 16 bytes or without the magic.
  static Result<TestClockMapping> Map(const std::string& path, bool writable);

  std::chrono::milliseconds offset() const;
  // Writable mappings only (a read-only one faults).
  void Store(std::chrono::milliseconds offset);
  void Add(std::chrono::milliseconds delta);

 private:
  void Reset();
  void* base_ = nullptr;
};

// The reader: what a service's domain code gets as its Clock in test mode.
class TestClock final : public Clock {
 public:
  static Result<TestClock> Open(const std::string& path);

  TimePoint Now() const override { return std::chrono::system_clock::now() + offset(); }
  std::chrono::milliseconds offset() const { return mapping_.offset(); }

 private:
  explicit TestClock(TestClockMapping mapping) : mapping_(std::move(mapping)) {}
  TestClockMapping mapping_;
};

// The writer: the test (or a test harness) that owns the platform's time.
//   auto file = TestClockFile::Create(dir + "/clock");   // offset 0
//   ... start services with AFTERSALES_TEST_CLOCK_FILE=<that path> ...
//   file->Advance(std::chrono::hours(25));
class TestClockFile {
 public:
  // Creates or overwrites `path` with offset 0.
  static Result<TestClockFile> Create(const std::string& path);
  // Opens an existing clock file for writing (a second writer).
  static Result<TestClockFile> Open(const std::string& path);

  const std::string& path() const { return path_; }
  std::chrono::milliseconds offset() const { return mapping_.offset(); }
  // Moves every reader's time by `d` (forward when positive).
  void Advance(std::chrono::milliseconds d) { mapping_.Add(d); }
  void SetOffset(std::chrono::milliseconds offset) { mapping_.Store(offset); }
  // The time the readers see now.
  TimePoint Now() const { return std::chrono::system_clock::now() + offset(); }

 private:
  TestClockFile(std::string path, TestClockMapping mapping)
      : path_(std::move(path)), mapping_(std::move(mapping)) {}
  std::string path_;
  TestClockMapping mapping_;
};

}  // namespace aftersales

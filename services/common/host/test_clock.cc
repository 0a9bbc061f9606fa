#include "services/common/host/test_clock.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

namespace aftersales {
namespace {

constexpr char kMagic[8] = {'A', 'S', 'T', 'C', 'L', 'K', '0', '1'};
constexpr size_t kFileSize = 16;
constexpr size_t kOffsetAt = 8;

Status Unusable(const std::string& path, const std::string& why) {
  std::string message = "test clock file \"";
  message += path;
  message += "\" ";
  message += why;
  return FailedPrecondition("TEST_CLOCK_FILE_UNUSABLE", std::move(message));
}

std::string Errno(const char* what) {
  std::string s = what;
  s += ": ";
  s += std::strerror(errno);
  return s;
}

// The offset lives in shared memory written by another process: every access
// is atomic (64-bit lock-free atomics are address-free, so this holds across
// processes). The mapping is page-aligned, so the int64 at byte 8 is aligned.
std::atomic_ref<int64_t> OffsetAt(void* base) {
  return std::atomic_ref<int64_t>(
      *reinterpret_cast<int64_t*>(static_cast<char*>(base) + kOffsetAt));
}

}  // namespace

TestClockMapping::TestClockMapping(TestClockMapping&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)) {}

TestClockMapping& TestClockMapping::operator=(TestClockMapping&& other) noexcept {
  if (this != &other) {
    Reset();
    base_ = std::exchange(other.base_, nullptr);
  }
  return *this;
}

TestClockMapping::~TestClockMapping() { Reset(); }

void TestClockMapping::Reset() {
  if (base_ != nullptr) munmap(base_, kFileSize);
  base_ = nullptr;
}

Result<TestClockMapping> TestClockMapping::Map(const std::string& path, bool writable) {
  const int fd = open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return Unusable(path, Errno("cannot be opened"));
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    Status s = Unusable(path, Errno("cannot be read"));
    close(fd);
    return s;
  }
  if (!S_ISREG(st.st_mode) || st.st_size != static_cast<off_t>(kFileSize)) {
    close(fd);
    std::string why = "is not a test clock: ";
    why += std::to_string(static_cast<long long>(st.st_size));
    why += " bytes, expected 16 (\"ASTCLK01\" and an int64 offset in milliseconds)";
    return Unusable(path, why);
  }
  void* base = mmap(nullptr, kFileSize, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
  close(fd);  // the mapping keeps the file
  if (base == MAP_FAILED) return Unusable(path, Errno("cannot be mapped"));
  TestClockMapping m;
  m.base_ = base;
  if (std::memcmp(base, kMagic, sizeof(kMagic)) != 0) {
    return Unusable(path, "is not a test clock: it does not start with \"ASTCLK01\"");
  }
  return m;
}

std::chrono::milliseconds TestClockMapping::offset() const {
  return std::chrono::milliseconds(OffsetAt(base_).load(std::memory_order_acquire));
}

void TestClockMapping::Store(std::chrono::milliseconds offset) {
  OffsetAt(base_).store(offset.count(), std::memory_order_release);
}

void TestClockMapping::Add(std::chrono::milliseconds delta) {
  OffsetAt(base_).fetch_add(delta.count(), std::memory_order_acq_rel);
}

Result<TestClock> TestClock::Open(const std::string& path) {
  Result<TestClockMapping> m = TestClockMapping::Map(path, /*writable=*/false);
  if (!m.ok()) return m.status();
  return TestClock(std::move(m).value());
}

Result<TestClockFile> TestClockFile::Create(const std::string& path) {
  // Written whole then renamed into place, so that a service starting at the
  // same moment never maps a half-written file.
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Unusable(tmp, Errno("cannot be created"));
  char bytes[kFileSize] = {};
  std::memcpy(bytes, kMagic, sizeof(kMagic));
  const bool written = write(fd, bytes, sizeof(bytes)) == static_cast<ssize_t>(sizeof(bytes));
  const bool closed = close(fd) == 0;
  if (!written || !closed || rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = Unusable(path, Errno("cannot be written"));
    unlink(tmp.c_str());
    return s;
  }
  return Open(path);
}

Result<TestClockFile> TestClockFile::Open(const std::string& path) {
  Result<TestClockMapping> m = TestClockMapping::Map(path, /*writable=*/true);
  if (!m.ok()) return m.status();
  return TestClockFile(path, std::move(m).value());
}

}  // namespace aftersales

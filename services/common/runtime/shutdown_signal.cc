#include "services/common/runtime/shutdown_signal.h"

#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace aftersales {

ShutdownSignal::ShutdownSignal() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set_, &previous_);
}

ShutdownSignal::~ShutdownSignal() {
  // Unblocking with a signal pending would deliver it with the default action
  // and kill the process during an otherwise orderly exit.
  const timespec zero{0, 0};
  for (int i = 0; i < 16 && sigtimedwait(&set_, nullptr, &zero) > 0; ++i) {
  }
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

int ShutdownSignal::Wait() {
  for (;;) {
    int sig = 0;
    if (sigwait(&set_, &sig) == 0) {
      return sig;
    }
  }
}

std::optional<int> ShutdownSignal::WaitFor(std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - Clock::now());
    // Past the deadline still polls once, so a pending signal is not missed.
    if (left.count() < 0) {
      left = std::chrono::nanoseconds(0);
    }
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(left.count() / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(left.count() % 1'000'000'000);
    const int sig = sigtimedwait(&set_, nullptr, &ts);
    if (sig > 0) {
      return sig;
    }
    if (errno == EAGAIN) {
      return std::nullopt;
    }
    // EINTR: another signal's handler ran; wait for the rest of the time.
  }
}

void ShutdownSignal::Request() { ::kill(::getpid(), SIGTERM); }

const char* SignalName(int sig) {
  switch (sig) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default:
      return "signal";
  }
}

}  // namespace aftersales

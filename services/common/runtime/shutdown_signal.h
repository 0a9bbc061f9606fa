// Waiting for SIGINT/SIGTERM without a signal handler: the signals are blocked
// and main() takes them synchronously with sigwait, so shutdown code runs as
// ordinary code (it may lock, log and join) instead of in a handler.
//
// Construct it FIRST THING in main(), before any thread is started: threads
// inherit the signal mask of their creator, and a thread that does not block
// SIGTERM would receive it and let the default action kill the process.
//
//   int main() {
//     ShutdownSignal shutdown;
//     ... start servers and threads ...
//     const int sig = shutdown.Wait();
//     log::Info("shutting down", {{"signal", SignalName(sig)}});
//     server.Shutdown(std::chrono::seconds(10));
//   }
#pragma once

#include <signal.h>

#include <chrono>
#include <optional>

namespace aftersales {

class ShutdownSignal {
 public:
  // Blocks SIGINT and SIGTERM in the calling thread's mask.
  ShutdownSignal();
  // Discards SIGINT/SIGTERM still pending, then restores the previous mask.
  ~ShutdownSignal();
  ShutdownSignal(const ShutdownSignal&) = delete;
  ShutdownSignal& operator=(const ShutdownSignal&) = delete;

  // Blocks until SIGINT or SIGTERM arrives; returns its number.
  int Wait();
  // The signal, or nullopt when none arrived within `timeout`.
  std::optional<int> WaitFor(std::chrono::milliseconds timeout);

  // Sends SIGTERM to this process, for code that decides to stop on its own
  // (a fatal dependency error): main's Wait() returns as if an operator had.
  static void Request();

 private:
  sigset_t set_;
  sigset_t previous_;
};

// "SIGINT", "SIGTERM", or "signal" for any other.
const char* SignalName(int sig);

}  // namespace aftersales

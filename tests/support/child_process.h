// Starts a program as a child process for integration and e2e tests, and makes
// sure it is gone when the handle is: a failing test leaves nothing behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace aftersales::testing {

class ChildProcess {
 public:
  // argv[0] is the program path. env entries are added to the inherited
  // environment. stdout and stderr go to log_path (appended) when not empty.
  ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
               std::string log_path = "");
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends sig and waits up to timeout for the exit; returns the exit status as
  // waitpid gives it, or -1 if it did not exit in time (it is then SIGKILLed).
  int Stop(int sig, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Waits for the process to exit by itself.
  int Wait(std::chrono::milliseconds timeout);
  // How it ended, as waitpid gives it; meaningful once running() is false.
  int exit_status() const { return status_; }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();
// True once something accepts TCP connections on 127.0.0.1:port.
bool WaitForPort(int port, std::chrono::milliseconds timeout);
// A fresh directory under $TMPDIR, removed by the caller with RemoveTree.
std::string MakeTempDir(const std::string& prefix);
void RemoveTree(const std::string& path);
// Directory holding the project's binaries (AFTERSALES_BIN_DIR, set by ctest).
std::string BinDir();

}  // namespace aftersales::testing

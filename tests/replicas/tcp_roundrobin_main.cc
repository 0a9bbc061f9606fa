// tcp-roundrobin LISTEN BACKEND [BACKEND...]
//   e.g. tcp-roundrobin 127.0.0.1:8080 127.0.0.1:8081 127.0.0.1:8082
// Spreads TCP connections over the backends in turn (see tcp_roundrobin.h).
// Runs until SIGINT or SIGTERM; exit 2 for bad arguments.
#include <csignal>
#include <iostream>

#include "tests/replicas/tcp_roundrobin.h"

int main(int argc, char** argv) {
  using aftersales::testing::ParseTcpBackend;
  if (argc < 3) {
    std::cerr << "usage: tcp-roundrobin LISTEN_ADDR:PORT BACKEND_ADDR:PORT...\n";
    return 2;
  }
  auto listen = ParseTcpBackend(argv[1]);
  if (!listen.ok()) {
    std::cerr << "tcp-roundrobin: listen " << listen.status().message() << "\n";
    return 2;
  }
  std::vector<aftersales::testing::TcpBackend> backends;
  for (int i = 2; i < argc; ++i) {
    auto b = ParseTcpBackend(argv[i]);
    if (!b.ok()) {
      std::cerr << "tcp-roundrobin: backend " << b.status().message() << "\n";
      return 2;
    }
    backends.push_back(*b);
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts
  aftersales::testing::TcpRoundRobin rr(backends);
  if (auto s = rr.Start(*listen); !s.ok()) {
    std::cerr << "tcp-roundrobin: " << s.message() << "\n";
    return 1;
  }
  std::cerr << "tcp-roundrobin: listening on " << listen->host << ":" << rr.port() << ", "
            << backends.size() << " backends\n";
  int sig = 0;
  sigwait(&signals, &sig);
  rr.Stop();
  return 0;
}

// tcp-roundrobin: the HTTP front for several gateways on one machine
// (`./dev run --replicas N`). Each accepted connection goes to the next
// backend in turn; a backend that refuses the connection is skipped for that
// connection, so a dead gateway costs no client request. Bytes are relayed
// both ways until either side closes. No HTTP parsing: keep-alive
// connections stay on their gateway, which is fine because every gateway
// shares its state (rate limits, idempotency keys) in Redis.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "services/common/status.h"

namespace aftersales::testing {

struct TcpBackend {
  std::string host;  // numeric IPv4, e.g. 127.0.0.1
  int port = 0;
};

// "127.0.0.1:8080" -> backend; INVALID_ARGUMENT naming the text otherwise.
Result<TcpBackend> ParseTcpBackend(const std::string& text);

class TcpRoundRobin {
 public:
  TcpRoundRobin(std::vector<TcpBackend> backends);
  ~TcpRoundRobin();
  TcpRoundRobin(const TcpRoundRobin&) = delete;
  TcpRoundRobin& operator=(const TcpRoundRobin&) = delete;

  // Binds listen (host, port; port 0 picks one) and accepts in a thread.
  Status Start(const TcpBackend& listen);
  int port() const { return port_; }
  void Stop();

 private:
  void AcceptLoop();
  int ConnectNext();

  std::vector<TcpBackend> backends_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> stopping_{false};
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
};

}  // namespace aftersales::testing

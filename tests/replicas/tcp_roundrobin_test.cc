// tcp-roundrobin spreads connections over its backends in turn, skips one
// that refuses, and relays both ways including a client's half-close.
#include "tests/replicas/tcp_roundrobin.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "tests/support/child_process.h"

namespace aftersales::testing {
namespace {

// A backend that answers every connection with its name, then what the
// client sent (until the client's half-close), then closes.
class NamedEcho {
 public:
  explicit NamedEcho(std::string name) : name_(std::move(name)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(fd_, 16) == 0);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (true) {
        int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        std::string reply = name_ + ":";
        char buf[256];
        ssize_t n;
        while ((n = recv(c, buf, sizeof buf, 0)) > 0) reply.append(buf, static_cast<size_t>(n));
        (void)!send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
        close(c);
      }
    });
  }
  ~NamedEcho() { Close(); }
  void Close() {
    if (fd_ < 0) return;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    fd_ = -1;
    thread_.join();
  }
  int port() const { return port_; }

 private:
  std::string name_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

// Connects to port, sends `message`, half-closes, reads the whole answer.
std::string Exchange(int port, const std::string& message) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "<refused>";
  }
  (void)!send(fd, message.data(), message.size(), MSG_NOSIGNAL);
  shutdown(fd, SHUT_WR);
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

TEST_CASE("connections go to the backends in turn and a refusing backend is skipped") {
  NamedEcho a("a");
  NamedEcho b("b");
  TcpRoundRobin rr({{"127.0.0.1", a.port()}, {"127.0.0.1", b.port()}});
  REQUIRE(rr.Start({"127.0.0.1", 0}).ok());
  CHECK(Exchange(rr.port(), "1") == "a:1");
  CHECK(Exchange(rr.port(), "2") == "b:2");
  CHECK(Exchange(rr.port(), "3") == "a:3");
  const std::string big(200000, 'x');
  CHECK(Exchange(rr.port(), big) == "b:" + big);
  b.Close();
  for (int i = 0; i < 4; ++i) CHECK(Exchange(rr.port(), "n") == "a:n");
  a.Close();
  CHECK(Exchange(rr.port(), "n").empty());  // accepted, then closed: nobody to serve it
}

TEST_CASE("addresses that are not IPv4:port are refused") {
  CHECK(ParseTcpBackend("127.0.0.1:8080").ok());
  CHECK_FALSE(ParseTcpBackend("localhost:8080").ok());
  CHECK_FALSE(ParseTcpBackend("127.0.0.1").ok());
  CHECK_FALSE(ParseTcpBackend("127.0.0.1:99999").ok());
}

}  // namespace
}  // namespace aftersales::testing

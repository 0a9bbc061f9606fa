#include "tests/replicas/tcp_roundrobin.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace aftersales::testing {
namespace {

sockaddr_in Address(const TcpBackend& b) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(b.port));
  inet_pton(AF_INET, b.host.c_str(), &addr.sin_addr);
  return addr;
}

bool WriteAll(int fd, const char* data, ssize_t n) {
  while (n > 0) {
    ssize_t w = send(fd, data, static_cast<size_t>(n), MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= w;
  }
  return true;
}

// Relays until both directions are done; a half-close is passed on so that
// a client that shuts down its sending side still gets the whole answer.
void Relay(int client, int backend) {
  pollfd fds[2] = {{client, POLLIN, 0}, {backend, POLLIN, 0}};
  bool open[2] = {true, true};
  char buf[16384];
  while (open[0] || open[1]) {
    fds[0].events = open[0] ? POLLIN : 0;
    fds[1].events = open[1] ? POLLIN : 0;
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    bool failed = false;
    for (int i = 0; i < 2 && !failed; ++i) {
      if (!open[i] || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const int from = fds[i].fd;
      const int to = fds[1 - i].fd;
      ssize_t n = recv(from, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        open[i] = false;
        shutdown(to, SHUT_WR);
        if (n < 0) failed = true;
        continue;
      }
      if (!WriteAll(to, buf, n)) failed = true;
    }
    if (failed) break;
  }
  close(client);
  close(backend);
}

}  // namespace

Result<TcpBackend> ParseTcpBackend(const std::string& text) {
  const auto colon = text.rfind(':');
  TcpBackend b;
  if (colon != std::string::npos) {
    b.host = text.substr(0, colon);
    const std::string port = text.substr(colon + 1);
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), b.port);
    in_addr ignored{};
    if (ec == std::errc() && p == port.data() + port.size() && b.port >= 0 && b.port <= 65535 &&
        inet_pton(AF_INET, b.host.c_str(), &ignored) == 1) {
      return b;
    }
  }
  return InvalidArgument("BAD_ADDRESS", "\"" + text + "\" is not IPv4:port, e.g. 127.0.0.1:8080");
}

TcpRoundRobin::TcpRoundRobin(std::vector<TcpBackend> backends) : backends_(std::move(backends)) {}

TcpRoundRobin::~TcpRoundRobin() { Stop(); }

Status TcpRoundRobin::Start(const TcpBackend& listen) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return Internal("SOCKET", "socket() failed");
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr = Address(listen);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 512) != 0) {
    std::string m = "cannot listen on ";
    m += listen.host;
    m += ':';
    m += std::to_string(listen.port);
    return Unavailable("LISTEN_FAILED", m);
  }
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
  return Status::Ok();
}

void TcpRoundRobin::Stop() {
  if (stopping_.exchange(true)) return;
  if (listen_fd_ >= 0) shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
  listen_fd_ = -1;
}

int TcpRoundRobin::ConnectNext() {
  const size_t first = next_++;
  for (size_t k = 0; k < backends_.size(); ++k) {
    const TcpBackend& b = backends_[(first + k) % backends_.size()];
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr = Address(b);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return fd;
    }
    close(fd);
  }
  return -1;
}

void TcpRoundRobin::AcceptLoop() {
  while (!stopping_) {
    int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (stopping_) break;
      continue;
    }
    int one = 1;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int backend = ConnectNext();
    if (backend < 0) {  // every backend down: the client sees the close
      close(client);
      continue;
    }
    std::thread([client, backend] { Relay(client, backend); }).detach();
  }
}

}  // namespace aftersales::testing

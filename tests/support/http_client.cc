#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace aftersales::testing {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool ReadSome(int fd, std::string& buf, std::chrono::steady_clock::time_point end) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char chunk[8192];
  ssize_t n = read(fd, chunk, sizeof chunk);
  if (n <= 0) return false;
  buf.append(chunk, static_cast<size_t>(n));
  return true;
}

}  // namespace

HttpResult HttpRequest(int port, const std::string& method, const std::string& target,
                       const std::string& body, const std::map<std::string, std::string>& headers,
                       std::chrono::milliseconds timeout) {
  HttpResult result;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return result;
  }
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST") {
    req +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  size_t sent = 0;
  while (sent < req.size()) {
    ssize_t n = write(fd, req.data() + sent, req.size() - sent);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  auto end = std::chrono::steady_clock::now() + timeout;
  std::string buf;
  while (ReadSome(fd, buf, end)) {
  }
  close(fd);

  auto head_end = buf.find("\r\n\r\n");
  if (head_end == std::string::npos) return result;
  std::string head = buf.substr(0, head_end);
  std::string rest = buf.substr(head_end + 4);
  auto line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  auto sp = status_line.find(' ');
  if (sp == std::string::npos) return result;
  result.status = std::atoi(status_line.c_str() + sp + 1);
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    std::string line = head.substr(pos, e - pos);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string v = line.substr(colon + 1);
      v.erase(0, v.find_first_not_of(' '));
      result.headers[Lower(line.substr(0, colon))] = v;
    }
    pos = e + 2;
  }
  if (Lower(result.header("transfer-encoding")) == "chunked") {
    std::string decoded;
    size_t p = 0;
    while (p < rest.size()) {
      auto e = rest.find("\r\n", p);
      if (e == std::string::npos) break;
      size_t n = std::stoul(rest.substr(p, e - p), nullptr, 16);
      if (n == 0) break;
      decoded += rest.substr(e + 2, n);
      p = e + 2 + n + 2;
    }
    result.body = decoded;
  } else {
    result.body = rest;
  }
  return result;
}

}  // namespace aftersales::testing

// A small blocking HTTP/1.1 client for e2e tests: one request per connection
// unless a KeepAliveConnection is used.
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace aftersales::testing {

struct HttpResult {
  int status = 0;                              // 0 when the connection failed
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

HttpResult HttpRequest(int port, const std::string& method, const std::string& target,
                       const std::string& body = "",
                       const std::map<std::string, std::string>& headers = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

inline HttpResult HttpGet(int port, const std::string& target,
                          const std::map<std::string, std::string>& headers = {}) {
  return HttpRequest(port, "GET", target, "", headers);
}

}  // namespace aftersales::testing

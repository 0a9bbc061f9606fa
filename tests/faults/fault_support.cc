#include "tests/faults/fault_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <thread>

namespace aftersales::testing {
namespace {

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string ReadUntilClosed(int fd, std::chrono::milliseconds timeout) {
  std::string got;
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char chunk[8192];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) break;
    got.append(chunk, static_cast<size_t>(n));
  }
  return got;
}

}  // namespace

Reply Exchange(int port, const std::string& bytes, std::chrono::milliseconds timeout) {
  Reply reply;
  int fd = Connect(port);
  if (fd < 0) return reply;
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer (413) and close before all is sent
    sent += static_cast<size_t>(n);
  }
  std::string got = ReadUntilClosed(fd, timeout);
  close(fd);
  if (got.rfind("HTTP/1.", 0) != 0 || got.size() < 12) return reply;
  reply.status = std::atoi(got.substr(9, 3).c_str());
  const size_t split = got.find("\r\n\r\n");
  if (split != std::string::npos) reply.body = got.substr(split + 4);
  return reply;
}

std::string BuildRequest(const std::string& method, const std::string& target,
                         const std::string& token, const std::string& body,
                         const std::string& content_type,
                         const std::vector<std::string>& extra_headers) {
  std::string req = method;
  req += ' ';
  req += target;
  req += " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!token.empty()) {
    req += "Authorization: Bearer ";
    req += token;
    req += "\r\n";
  }
  for (const auto& h : extra_headers) {
    req += h;
    req += "\r\n";
  }
  if (!body.empty() || method == "POST") {
    if (!content_type.empty()) {
      req += "Content-Type: ";
      req += content_type;
      req += "\r\n";
    }
    req += "Content-Length: ";
    req += std::to_string(body.size());
    req += "\r\n";
  }
  req += "\r\n";
  req += body;
  return req;
}

Reply Call(int port, const std::string& method, const std::string& target, const std::string& token,
           const std::string& body) {
  return Exchange(port, BuildRequest(method, target, token, body));
}

std::string Token(const std::string& role, const std::string& id, std::chrono::seconds valid_for,
                  const std::string& secret) {
  auth::Claims c;
  c.sub = "faults-";
  c.sub += role;
  c.sub += id;
  c.role = role;
  c.exp = std::chrono::system_clock::now() + valid_for;
  if (role == "customer") c.customer_id = id;
  if (role == "engineer") c.engineer_id = id;
  return auth::SignJwt(c, secret);
}

std::string JsonField(const std::string& json, const std::string& field) {
  std::string key = "\"";
  key += field;
  key += "\":\"";
  size_t at = json.find(key);
  if (at == std::string::npos) return "";
  at += key.size();
  const size_t end = json.find('"', at);
  return end == std::string::npos ? "" : json.substr(at, end - at);
}

int CountOf(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

std::string RedisCommand(int port, const std::vector<std::string>& args) {
  std::string req = "*";
  req += std::to_string(args.size());
  req += "\r\n";
  for (const auto& a : args) {
    req += "$";
    req += std::to_string(a.size());
    req += "\r\n";
    req += a;
    req += "\r\n";
  }
  int fd = Connect(port);
  if (fd < 0) return "";
  send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string got;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) {
      if (!got.empty()) break;  // one reply, read in full
      continue;
    }
    char chunk[8192];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) break;
    got.append(chunk, static_cast<size_t>(n));
  }
  close(fd);
  return got;
}

void KillService(Platform& platform, const std::string& name, int sig) {
  platform.service(name).process->Stop(sig, std::chrono::seconds(5));
}

void StartServiceAgain(Platform& platform, const std::string& name,
                       const std::map<std::string, std::string>& extra_env) {
  // The same environment Platform::StartService gives, on the same ports.
  ServiceProcess& p = platform.service(name);
  std::map<std::string, std::string> env = {
      {"AFTERSALES_REDIS_HOST", "127.0.0.1"},
      {"AFTERSALES_REDIS_PORT", std::to_string(platform.redis().port())},
      {"AFTERSALES_HEALTH_INTERVAL", "100ms"},
      {"AFTERSALES_SHUTDOWN_GRACE", "5s"},
      {"AFTERSALES_JWT_SECRET", std::string(kPlatformJwtSecret)},
  };
  for (const auto& [k, v] : extra_env) env[k] = v;
  auto addr = [&](const std::string& svc) {
    std::string a = "127.0.0.1:";
    a += std::to_string(platform.service(svc).grpc_port);
    return a;
  };
  if (name == "gateway") {
    env["AFTERSALES_HTTP_PORT"] = std::to_string(p.http_port);
    for (const auto& svc : platform.service_names()) {
      std::string var = "AFTERSALES_";
      var += svc;
      var += "_ADDR";
      for (auto& c : var) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      env[var] = addr(svc);
    }
  } else {
    if (name == "dispatch") env["AFTERSALES_INVENTORY_ADDR"] = addr("inventory");
    env["AFTERSALES_GRPC_PORT"] = std::to_string(p.grpc_port);
    env["AFTERSALES_METRICS_PORT"] = std::to_string(p.http_port);
  }
  p.process = std::make_unique<ChildProcess>(std::vector<std::string>{BinDir() + "/" + name}, env,
                                             platform.log_dir() + "/" + name + ".log");
  const int port = p.grpc_port ? p.grpc_port : p.http_port;
  REQUIRE(WaitForPort(port, std::chrono::seconds(20)));
}

LoadTarget PrepareLoad(Platform& platform) {
  LoadTarget t;
  t.port = platform.gateway().http_port;
  t.token = Token("admin", "");
  Reply c =
      Call(t.port, "POST", "/v1/customers", t.token,
           R"({"name":"Load Parking Co","contactName":"Load","contactPhone":"+86 21 5555 0199"})");
  INFO(c.body);
  REQUIRE(c.status == 201);
  t.customer_id = JsonField(c.body, "id");
  REQUIRE_FALSE(t.customer_id.empty());
  std::string target = "/v1/customers/";
  target += t.customer_id;
  target += "/sites";
  Reply s = Call(
      t.port, "POST", target, t.token,
      R"({"name":"Lot A","address":"1 Road","zone":"CITY","branch":"shanghai","latitude":31.2,"longitude":121.5})");
  INFO(s.body);
  REQUIRE(s.status == 201);
  t.site_id = JsonField(s.body, "id");
  REQUIRE_FALSE(t.site_id.empty());
  return t;
}

LoadResult RunLoad(const LoadTarget& t, std::chrono::milliseconds duration,
                   std::chrono::milliseconds pause_between) {
  LoadResult out;
  const auto end = std::chrono::steady_clock::now() + duration;
  int i = 0;
  while (std::chrono::steady_clock::now() < end) {
    LoadResult::Ticket ticket;
    std::string body = R"({"customerId":")";
    body += t.customer_id;
    body += R"(","siteId":")";
    body += t.site_id;
    body +=
        R"(","kind":"FAULT","channel":"HOTLINE","contactName":"Load","contactPhone":"13800000000","symptoms":"barrier stuck )";
    body += std::to_string(i++);
    body += R"(","impact":"SYSTEM_DOWN"})";
    ticket.created_at = std::chrono::steady_clock::now();
    Reply created = Call(t.port, "POST", "/v1/tickets", t.token, body);
    ticket.create_status = created.status;
    if (created.status >= 500 || created.status == 0) ++out.server_errors;
    if (created.status != 201) {
      ++out.create_errors;
      out.tickets.push_back(ticket);
      std::this_thread::sleep_for(pause_between);
      continue;
    }
    ticket.number = JsonField(created.body, "number");
    std::string base = "/v1/tickets/";
    base += ticket.number;
    Reply responded = Call(t.port, "POST", base + ":respond", t.token, R"({"note":"called"})");
    if (responded.status == 200) {
      Reply onsite = Call(t.port, "POST", base + ":requestOnsite", t.token,
                          R"({"requiredSkill":"parking","note":"send someone"})");
      ticket.onsite_status = onsite.status;
      if (onsite.status == 200) ticket.acked_at = std::chrono::steady_clock::now();
    }
    out.tickets.push_back(ticket);
    std::this_thread::sleep_for(pause_between);
  }
  return out;
}

std::vector<std::string> ListTicketNumbers(const LoadTarget& t) {
  std::vector<std::string> numbers;
  std::string page_token;
  for (int page = 0; page < 200; ++page) {
    std::string target = "/v1/tickets?customerId=";
    target += t.customer_id;
    target += "&pageSize=100";
    if (!page_token.empty()) {
      target += "&pageToken=";
      target += page_token;
    }
    Reply r = Call(t.port, "GET", target, t.token);
    INFO(r.body);
    REQUIRE(r.status == 200);
    const std::string key = "\"number\":\"";
    for (size_t at = r.body.find(key); at != std::string::npos; at = r.body.find(key, at + 1)) {
      const size_t start = at + key.size();
      numbers.push_back(r.body.substr(start, r.body.find('"', start) - start));
    }
    page_token = JsonField(r.body, "nextPageToken");
    if (page_token.empty()) break;
  }
  return numbers;
}

TicketState InspectTicket(const LoadTarget& t, const std::string& number) {
  TicketState s;
  std::string target = "/v1/tickets/";
  target += number;
  Reply got = Call(t.port, "GET", target, t.token);
  s.get_status = got.status;
  if (got.status != 200) {
    s.error = "GET " + target + " => " + std::to_string(got.status) + " " + got.body.substr(0, 300);
    return s;
  }
  s.status = JsonField(got.body, "status");
  std::string list = "/v1/workorders?ticketNumber=";
  list += number;
  Reply wos = Call(t.port, "GET", list, t.token);
  if (wos.status == 200) {
    std::string needle = "\"ticketNumber\":\"";
    needle += number;
    needle += '"';
    s.work_orders = CountOf(wos.body, needle);
  } else {
    s.error = "GET " + list + " => " + std::to_string(wos.status) + " " + wos.body.substr(0, 300);
  }
  return s;
}

}  // namespace aftersales::testing

// What the fault and hostile-input tests share: a raw HTTP exchange (so a
// test controls every byte, Content-Type included), tokens, a tiny JSON
// field reader, a RESP command to the platform's redis, restarting one of the
// platform's processes on its own ports, and the ticket load.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "services/common/auth/jwt.h"
#include "tests/e2e/platform.h"

namespace aftersales::testing {

struct Reply {
  int status = 0;  // 0: no HTTP answer (connection refused, reset, time-out)
  std::string body;
};

// Sends bytes as they are, reads until the server closes, parses the status
// line and the body after the blank line.
Reply Exchange(int port, const std::string& bytes,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A request with Connection: close; content_type empty sends none; a body is
// always sent with its Content-Length.
std::string BuildRequest(const std::string& method, const std::string& target,
                         const std::string& token, const std::string& body = "",
                         const std::string& content_type = "application/json",
                         const std::vector<std::string>& extra_headers = {});

Reply Call(int port, const std::string& method, const std::string& target, const std::string& token,
           const std::string& body = "");

std::string Token(const std::string& role, const std::string& id = "",
                  std::chrono::seconds valid_for = std::chrono::hours(1),
                  const std::string& secret = kPlatformJwtSecret);

// The first "field":"value" string in a JSON text (no escapes in value).
std::string JsonField(const std::string& json, const std::string& field);
// How often "field": occurs.
int CountOf(const std::string& text, const std::string& needle);

// One RESP command to 127.0.0.1:port; the raw reply.
std::string RedisCommand(int port, const std::vector<std::string>& args);

// SIGKILLs (sig) the named process of the platform (a service or "gateway"),
// waits down_for, and starts it again on the same ports with the platform's
// environment plus extra_env.
void KillService(Platform& platform, const std::string& name, int sig = 9);
void StartServiceAgain(Platform& platform, const std::string& name,
                       const std::map<std::string, std::string>& extra_env = {});

// A steady ticket load through the gateway: create, respond, request on-site,
// one ticket after another, for `duration`.
struct LoadResult {
  struct Ticket {
    std::string number;
    int create_status = 0;
    int onsite_status = 0;                           // 0: not tried (the create or respond failed)
    std::chrono::steady_clock::time_point acked_at;  // of the on-site 2xx
    std::chrono::steady_clock::time_point created_at;
  };
  std::vector<Ticket> tickets;
  int create_errors = 0;
  int server_errors = 0;
};

struct LoadTarget {
  int port = 0;
  std::string token;
  std::string customer_id;
  std::string site_id;
};

// Creates a customer and a site through the gateway (REQUIREs success).
LoadTarget PrepareLoad(Platform& platform);

LoadResult RunLoad(const LoadTarget& target, std::chrono::milliseconds duration,
                   std::chrono::milliseconds pause_between = std::chrono::milliseconds(20));

// Every ticket number of the customer, through ListTickets.
std::vector<std::string> ListTicketNumbers(const LoadTarget& target);

struct TicketState {
  int get_status = 0;
  std::string status;  // e.g. "AWAITING_ONSITE"
  int work_orders = -1;
  std::string error;  // the failed GET or list, with its answer
};
TicketState InspectTicket(const LoadTarget& target, const std::string& number);

}  // namespace aftersales::testing

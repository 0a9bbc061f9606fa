// libFuzzer target over what a client controls: the request target (path
// and query), the method, the JSON body and the bearer token. Whatever the
// bytes, parsing must end in a request message or a Status, never a crash,
// a sanitizer report or an exception.
//
// Input layout: "<METHOD> <target>\n<Authorization value>\n<body>".
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/route_table.h"
#include "gateway/transcoder.h"
#include "services/common/auth/jwt.h"
#include "services/common/http/http_message.h"

namespace {

std::string_view Line(std::string_view& rest) {
  const size_t nl = rest.find('\n');
  std::string_view line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aftersales;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const std::string_view request_line = Line(rest);
  const std::string_view authorization = Line(rest);
  const size_t space = request_line.find(' ');
  if (space == std::string_view::npos) return 0;

  HttpRequest request;
  request.method = std::string(request_line.substr(0, space));
  request.target = std::string(request_line.substr(space + 1));
  request.body = std::string(rest);
  if (!ParseTarget(request.target, request.path, request.query).ok()) return 0;

  (void)auth::VerifyJwt(authorization, "fuzz-secret-0123456789",
                        TimePoint(std::chrono::seconds(1'795'248'000)));

  auto match = gateway::RouteTable::V1().Match(request.method, request.path);
  if (!match.ok()) return 0;
  // The body as a service's answer: whatever bytes come back, the printer
  // prints or refuses, never crashes.
  (void)gateway::WireToJson(match->route->rpc->output_type(), request.body);
  auto message = gateway::BuildRequest(*match, request);
  if (!message.ok()) {
    // The error body must always be printable JSON.
    (void)ErrorResponse(message.status());
    return 0;
  }
  (void)gateway::CheckRequired(*match->route, **message);
  (void)gateway::ToJson(**message);
  (void)gateway::WireToJson((*message)->GetDescriptor(), (*message)->SerializeAsString());
  return 0;
}

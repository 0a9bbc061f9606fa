// The route table: every route of http-api.md is there, path variables are
// percent-decoded, and unknown paths and methods answer 404 and 405.
#include "gateway/route_table.h"

#include <catch2/catch.hpp>

namespace aftersales::gateway {
namespace {

const RouteTable& T() { return RouteTable::V1(); }

TEST_CASE("every route of http-api.md is in the table") {
  const std::vector<std::pair<std::string, std::string>> spec = {
      {"POST", "/v1/customers"},
      {"GET", "/v1/customers/{id}"},
      {"POST", "/v1/customers/{id}/sites"},
      {"POST", "/v1/assets"},
      {"GET", "/v1/assets/{serialNumber}"},
      {"POST", "/v1/contracts"},
      {"POST", "/v1/tickets"},
      {"GET", "/v1/tickets/{number}"},
      {"GET", "/v1/tickets"},
      {"GET", "/v1/tickets/{number}/history"},
      {"POST", "/v1/tickets/{number}:respond"},
      {"POST", "/v1/tickets/{number}:resolveByPhone"},
      {"POST", "/v1/tickets/{number}:startRemoteSession"},
      {"POST", "/v1/tickets/{number}:requestOnsite"},
      {"POST", "/v1/tickets/{number}:pause"},
      {"POST", "/v1/tickets/{number}:resume"},
      {"POST", "/v1/tickets/{number}:close"},
      {"POST", "/v1/tickets/{number}:reopen"},
      {"POST", "/v1/knowledge/articles"},
      {"GET", "/v1/knowledge/articles"},
      {"POST", "/v1/engineers"},
      {"POST", "/v1/engineers/{id}:setStatus"},
      {"GET", "/v1/engineers"},
      {"GET", "/v1/workorders"},
      {"GET", "/v1/workorders/{id}"},
      {"POST", "/v1/workorders/{id}:accept"},
      {"POST", "/v1/workorders/{id}:decline"},
      {"POST", "/v1/workorders/{id}:depart"},
      {"POST", "/v1/workorders/{id}:arrive"},
      {"POST", "/v1/workorders/{id}:complete"},
      {"POST", "/v1/workorders/{id}:signOff"},
      {"POST", "/v1/workorders/{id}:reassign"},
      {"POST", "/v1/parts"},
      {"POST", "/v1/locations"},
      {"GET", "/v1/locations"},
      {"POST", "/v1/stock:receive"},
      {"POST", "/v1/stock:transfer"},
      {"GET", "/v1/stock"},
      {"POST", "/v1/advance-replacements"},
      {"POST", "/v1/advance-replacements/{id}:receiveReturn"},
      {"GET", "/v1/advance-replacements"},
      {"POST", "/v1/repairs"},
      {"POST", "/v1/repairs/{id}:complete"},
      {"POST", "/v1/loaners"},
      {"POST", "/v1/loaners/{id}:return"},
      {"GET", "/v1/followups"},
      {"POST", "/v1/followups/{id}:complete"},
      {"POST", "/v1/complaints"},
      {"POST", "/v1/complaints/{id}:advance"},
      {"GET", "/v1/complaints"},
      {"POST", "/v1/maintenance-plans"},
      {"GET", "/v1/maintenance-plans"},
      {"GET", "/v1/reports/service"},
  };
  for (const auto& [method, path] : spec) {
    INFO(method << " " << path);
    int found = 0;
    for (const auto& r : T().routes()) found += r.method == method && r.path == path;
    CHECK(found == 1);
  }
}

TEST_CASE("path variables are matched per segment and percent-decoded") {
  auto m = T().Match("GET", "/v1/tickets/2611210007");
  REQUIRE(m.ok());
  CHECK(m->route->rpc->name() == "GetTicket");
  CHECK(m->vars.at("number") == "2611210007");

  auto encoded = T().Match("GET", "/v1/assets/PK%2F0042%20X");
  REQUIRE(encoded.ok());
  CHECK(encoded->vars.at("serialNumber") == "PK/0042 X");

  auto action = T().Match("POST", "/v1/tickets/2611210007:resolveByPhone");
  REQUIRE(action.ok());
  CHECK(action->route->rpc->name() == "ResolveTicketByPhone");
  CHECK(action->vars.at("number") == "2611210007");

  auto colon = T().Match("GET", "/v1/workorders/WO%3A1");
  REQUIRE(colon.ok());
  CHECK(colon->vars.at("id") == "WO:1");

  auto history = T().Match("GET", "/v1/tickets/26/history");
  REQUIRE(history.ok());
  CHECK(history->route->rpc->name() == "GetTicketHistory");

  auto literal = T().Match("POST", "/v1/stock:transfer");
  REQUIRE(literal.ok());
  CHECK(literal->route->rpc->name() == "TransferStock");
  CHECK(T().Match("HEAD", "/v1/tickets/1").ok());
}

TEST_CASE("unknown paths are 404 and known paths with another method are 405 with Allow") {
  for (const char* path : {"/v1/nothing", "/v1/tickets/1/2/3", "/v1/tickets/", "/v1/tickets/1:fly",
                           "/v1/tickets/:respond", "/v1", "/v1//tickets", "/v1/stock:steal"}) {
    INFO(path);
    auto m = T().Match("GET", path);
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().code() == Code::kNotFound);
    CHECK(m.status().reason() == "ROUTE_NOT_FOUND");
  }
  auto m = T().Match("DELETE", "/v1/tickets/1");
  REQUIRE_FALSE(m.ok());
  CHECK(m.status().reason() == "METHOD_NOT_ALLOWED");
  CHECK(T().AllowedMethods("/v1/tickets/1") == "GET, HEAD");
  CHECK(T().AllowedMethods("/v1/tickets") == "POST, GET, HEAD");
  auto get_action = T().Match("GET", "/v1/tickets/1:close");
  REQUIRE_FALSE(get_action.ok());
  CHECK(get_action.status().reason() == "METHOD_NOT_ALLOWED");
}

TEST_CASE("bad percent-escapes and invalid UTF-8 in a variable are 400") {
  for (const char* path : {"/v1/tickets/%zz", "/v1/tickets/%4", "/v1/tickets/%ff%fe",
                           "/v1/workorders/%00%ff:accept"}) {
    INFO(path);
    auto m = T().Match(std::string(path).ends_with(":accept") ? "POST" : "GET", path);
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().code() == Code::kInvalidArgument);
    CHECK(m.status().reason() == "MALFORMED_PATH");
  }
}

TEST_CASE("admin may use every route and each route names its roles") {
  for (const auto& r : T().routes()) {
    INFO(r.method << " " << r.path);
    CHECK(r.Allows("admin"));
    CHECK_FALSE(r.Allows("nobody"));
    CHECK_FALSE(r.roles.empty());
    CHECK((r.success == (r.create ? 201 : 200)));
    // A customer or engineer route says how it confines them.
    if (r.Allows("customer") && r.path.find("{") != std::string::npos) {
      CHECK((r.customer.scope != Scope::kNone || r.path == "/v1/followups/{id}:complete"));
    }
    if (r.Allows("engineer") && r.path.find("{") != std::string::npos) {
      CHECK((r.engineer.scope != Scope::kNone || r.path == "/v1/parts/{sku}"));
    }
  }
  auto reassign = T().Match("POST", "/v1/workorders/W1:reassign");
  REQUIRE(reassign.ok());
  CHECK(reassign->route->Allows("dispatcher"));
  CHECK_FALSE(reassign->route->Allows("engineer"));
  CHECK(reassign->route->GrpcMethodPath() ==
        "/aftersales.dispatch.v1.DispatchService/ReassignWorkOrder");
}

}  // namespace
}  // namespace aftersales::gateway

// The public API in one table: every route of http-api.md with the gRPC
// method it calls, who may call it, and how the URL fills the request. The
// router, the authorisation check, the transcoder, /openapi.json and the e2e
// authorisation matrix all read this one table, so they cannot disagree.
#pragma once

#include <google/protobuf/descriptor.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/common/status.h"

namespace aftersales::gateway {

// How a route confines a customer or an engineer to its own records.
enum class Scope {
  kNone,
  // The caller's id is written into `field` (creates and lists): whatever
  // the client sent, it only ever sees or makes its own.
  kForceField,
  // The path variable `field` names the caller itself (GET
  // /v1/customers/{id}); another id answers 404.
  kPathIsSelf,
  // The record is looked up first (GetTicket / GetWorkOrder by the path
  // variable) and someone else's answers 404 before anything changes.
  kProbeTicket,
  kProbeWorkOrder,
  // The answer's top-level customer_id / engineer_id is checked; a GET only.
  kCheckAnswer,
};

struct ScopeRule {
  Scope scope = Scope::kNone;
  std::string field;  // proto field name for kForceField, path var for kPathIsSelf/kProbe*
};

struct Route {
  std::string method;    // "GET", "POST"
  std::string path;      // "/v1/tickets/{number}:respond"
  std::string upstream;  // "intake"
  const google::protobuf::MethodDescriptor* rpc = nullptr;
  // Roles besides admin, which may do everything.
  std::vector<std::string> roles;
  int success = 200;
  // A create: answers 201 and honours Idempotency-Key.
  bool create = false;
  // Path variable → request field (proto name).
  std::map<std::string, std::string> path_fields;
  // JSON names that must be present (non-default) in the request.
  std::vector<std::string> required;
  // How a customer / an engineer is confined (only for routes they may use).
  ScopeRule customer;
  ScopeRule engineer;
  std::string summary;

  bool Allows(std::string_view role) const;
  // "/aftersales.intake.v1.IntakeService/GetTicket"
  std::string GrpcMethodPath() const;
};

// The field whose JSON name (lowerCamelCase) is `name`, or null.
const google::protobuf::FieldDescriptor* FieldByJsonName(const google::protobuf::Descriptor* type,
                                                         std::string_view name);

struct RouteMatch {
  const Route* route = nullptr;
  std::map<std::string, std::string> vars;  // percent-decoded
};

class RouteTable {
 public:
  // The v1 API. The table is built once (descriptors are resolved at start; a
  // typo in it is a programming error that throws).
  static const RouteTable& V1();

  explicit RouteTable(std::vector<Route> routes);

  // The route for (method, path) with its variables; path is the raw,
  // still percent-encoded path. NOT_FOUND (ROUTE_NOT_FOUND) when no template
  // matches, UNIMPLEMENTED (METHOD_NOT_ALLOWED, the message lists the allowed
  // methods, see AllowedMethods) when only other methods do, INVALID_ARGUMENT
  // (MALFORMED_PATH) for a bad %-escape or invalid UTF-8 in a variable.
  Result<RouteMatch> Match(std::string_view method, std::string_view path) const;
  // "GET, POST" for the templates that match path; empty when none.
  std::string AllowedMethods(std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Segment {
    std::string literal;  // when var is empty
    std::string var;
    std::string suffix;  // ":action" after a variable
  };
  struct Compiled {
    std::vector<Segment> segments;
  };
  static Compiled Compile(const std::string& path);
  // 0 no match, 1 match, -1 a variable that does not decode.
  static int MatchPath(const Compiled& c, const std::vector<std::string_view>& parts,
                       std::map<std::string, std::string>& vars);

  std::vector<Route> routes_;
  std::vector<Compiled> compiled_;
};

}  // namespace aftersales::gateway

#include "gateway/route_table.h"

#include <algorithm>
#include <stdexcept>

#include "aftersales/dispatch/v1/dispatch.pb.h"
#include "aftersales/followup/v1/followup.pb.h"
#include "aftersales/intake/v1/intake.pb.h"
#include "aftersales/inventory/v1/inventory.pb.h"
#include "services/common/http/http_message.h"
#include "services/common/runtime/json.h"

namespace aftersales::gateway {
namespace {

using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

// Naming the generated messages links their descriptors into the binary.
const ServiceDescriptor* ServiceOf(const std::string& upstream) {
  if (upstream == "intake") {
    return intake::v1::CreateTicketRequest::descriptor()->file()->FindServiceByName(
        "IntakeService");
  }
  if (upstream == "dispatch") {
    return dispatch::v1::GetWorkOrderRequest::descriptor()->file()->FindServiceByName(
        "DispatchService");
  }
  if (upstream == "inventory") {
    return inventory::v1::CreatePartRequest::descriptor()->file()->FindServiceByName(
        "InventoryService");
  }
  if (upstream == "followup") {
    return followup::v1::ListFollowupsRequest::descriptor()->file()->FindServiceByName(
        "FollowupService");
  }
  return nullptr;
}

struct RouteBuilder {
  Route r;
  RouteBuilder(std::string method, std::string path, std::string upstream, const std::string& rpc,
               std::vector<std::string> roles, std::string summary) {
    r.method = std::move(method);
    r.path = std::move(path);
    r.upstream = std::move(upstream);
    const ServiceDescriptor* service = ServiceOf(r.upstream);
    r.rpc = service ? service->FindMethodByName(rpc) : nullptr;
    if (!r.rpc) throw std::logic_error("route table: no rpc " + r.upstream + "." + rpc);
    r.roles = std::move(roles);
    r.summary = std::move(summary);
  }
  RouteBuilder& Create() {
    r.create = true;
    r.success = 201;
    return *this;
  }
  RouteBuilder& Var(std::string var, std::string field) {
    if (!r.rpc->input_type()->FindFieldByName(field)) {
      throw std::logic_error("route table: " + r.path + ": no field " + field);
    }
    r.path_fields[std::move(var)] = std::move(field);
    return *this;
  }
  RouteBuilder& Required(std::vector<std::string> json_names) {
    for (const auto& n : json_names) {
      if (!FieldByJsonName(r.rpc->input_type(), n)) {
        throw std::logic_error("route table: " + r.path + ": no field " + n);
      }
    }
    r.required = std::move(json_names);
    return *this;
  }
  RouteBuilder& Customer(Scope s, std::string field) {
    r.customer = {s, std::move(field)};
    return *this;
  }
  RouteBuilder& Engineer(Scope s, std::string field) {
    r.engineer = {s, std::move(field)};
    return *this;
  }
  operator Route() const { return r; }  // NOLINT(google-explicit-constructor)
};

using B = RouteBuilder;
using V = std::vector<std::string>;

std::vector<Route> V1Routes() {
  const V install{"agent"};
  const V install_read{"agent", "customer"};
  const V tickets{"agent", "dispatcher"};
  const V tickets_customer{"agent", "dispatcher", "customer"};
  const V knowledge{"agent", "engineer"};
  const V dispatch{"dispatcher"};
  const V dispatch_engineer{"dispatcher", "engineer"};
  const V parts{"warehouse"};
  const V stock_read{"warehouse", "engineer"};
  const V care{"care", "manager"};
  const V care_customer{"care", "manager", "customer"};
  const V managers{"manager"};
  return {
      // Install base.
      B("POST", "/v1/customers", "intake", "CreateCustomer", install, "Create a customer")
          .Create()
          .Required({"name"}),
      B("GET", "/v1/customers/{id}", "intake", "GetCustomer", install_read, "Get a customer")
          .Var("id", "customer_id")
          .Customer(Scope::kPathIsSelf, "id"),
      B("POST", "/v1/customers/{id}/sites", "intake", "CreateSite", install, "Add a site")
          .Create()
          .Var("id", "customer_id")
          .Required({"name", "zone"}),
      B("POST", "/v1/assets", "intake", "CreateAsset", install, "Register an asset")
          .Create()
          .Required({"serialNumber", "model", "category", "siteId"}),
      B("GET", "/v1/assets/{serialNumber}", "intake", "GetAsset", install_read,
        "Get an asset with its warranty as of now")
          .Var("serialNumber", "serial_number")
          .Customer(Scope::kCheckAnswer, "customer_id"),
      B("POST", "/v1/contracts", "intake", "CreateContract", install, "Create a service contract")
          .Create()
          .Required({"customerId", "startsOn", "endsOn"}),

      // Tickets.
      B("POST", "/v1/tickets", "intake", "CreateTicket", tickets_customer, "Report a fault")
          .Create()
          .Required({"siteId", "kind", "channel", "contactPhone", "symptoms"})
          .Customer(Scope::kForceField, "customer_id"),
      B("GET", "/v1/tickets/{number}", "intake", "GetTicket", tickets_customer, "Get a ticket")
          .Var("number", "ticket_number")
          .Customer(Scope::kCheckAnswer, "customer_id"),
      B("GET", "/v1/tickets", "intake", "ListTickets", tickets_customer, "List tickets")
          .Customer(Scope::kForceField, "customer_id"),
      B("GET", "/v1/tickets/{number}/history", "intake", "GetTicketHistory", tickets_customer,
        "A ticket's history, oldest first")
          .Var("number", "ticket_number")
          .Customer(Scope::kProbeTicket, "number"),
      B("POST", "/v1/tickets/{number}:respond", "intake", "RespondTicket", tickets,
        "First contact made")
          .Var("number", "ticket_number"),
      B("POST", "/v1/tickets/{number}:resolveByPhone", "intake", "ResolveTicketByPhone", tickets,
        "Resolved by phone guidance; reconfirmation due within 24 h")
          .Var("number", "ticket_number")
          .Required({"solution"}),
      B("POST", "/v1/tickets/{number}:startRemoteSession", "intake", "StartRemoteSession", tickets,
        "Start a remote session")
          .Var("number", "ticket_number")
          .Required({"consentBy"}),
      B("POST", "/v1/tickets/{number}:requestOnsite", "intake", "RequestOnsite", tickets,
        "Hand the ticket to dispatch for an on-site visit")
          .Var("number", "ticket_number"),
      B("POST", "/v1/tickets/{number}:pause", "intake", "PauseTicket", tickets,
        "Waiting on the customer: clocks stop")
          .Var("number", "ticket_number"),
      B("POST", "/v1/tickets/{number}:resume", "intake", "ResumeTicket", tickets, "Clocks restart")
          .Var("number", "ticket_number"),
      B("POST", "/v1/tickets/{number}:close", "intake", "CloseTicket", tickets, "Close a ticket")
          .Var("number", "ticket_number"),
      B("POST", "/v1/tickets/{number}:reopen", "intake", "ReopenTicket", tickets,
        "Reopen a resolved or closed ticket")
          .Var("number", "ticket_number"),
      B("POST", "/v1/tickets/{number}:recordDiagnosis", "intake", "RecordDiagnosis", tickets,
        "Record the diagnosis and any warranty exclusion")
          .Var("number", "ticket_number")
          .Required({"diagnosis"}),

      // Knowledge base.
      B("POST", "/v1/knowledge/articles", "intake", "CreateArticle", knowledge,
        "Add a knowledge base article")
          .Create()
          .Required({"title"}),
      B("GET", "/v1/knowledge/articles", "intake", "SearchArticles", knowledge,
        "Search articles, best match first"),

      // Engineers and work orders.
      B("POST", "/v1/engineers", "dispatch", "CreateEngineer", dispatch, "Add an engineer")
          .Create()
          .Required({"name", "branch"}),
      B("POST", "/v1/engineers/{id}:setStatus", "dispatch", "SetEngineerStatus", dispatch_engineer,
        "Go on or off duty and report a position")
          .Var("id", "engineer_id")
          .Required({"state"})
          .Engineer(Scope::kPathIsSelf, "id"),
      B("GET", "/v1/engineers", "dispatch", "ListEngineers", dispatch, "List engineers"),
      B("GET", "/v1/workorders", "dispatch", "ListWorkOrders", dispatch_engineer,
        "List work orders")
          .Engineer(Scope::kForceField, "engineer_id"),
      B("GET", "/v1/workorders/{id}", "dispatch", "GetWorkOrder", dispatch_engineer,
        "Get a work order")
          .Var("id", "work_order_id")
          .Engineer(Scope::kCheckAnswer, "engineer_id"),
      B("POST", "/v1/workorders/{id}:accept", "dispatch", "AcceptWorkOrder", dispatch_engineer,
        "Accept a work order")
          .Var("id", "work_order_id")
          .Engineer(Scope::kProbeWorkOrder, "id"),
      B("POST", "/v1/workorders/{id}:decline", "dispatch", "DeclineWorkOrder", dispatch_engineer,
        "Decline a work order; it is reassigned")
          .Var("id", "work_order_id")
          .Engineer(Scope::kProbeWorkOrder, "id"),
      B("POST", "/v1/workorders/{id}:depart", "dispatch", "DepartWorkOrder", dispatch_engineer,
        "Set off for the site")
          .Var("id", "work_order_id")
          .Engineer(Scope::kProbeWorkOrder, "id"),
      B("POST", "/v1/workorders/{id}:arrive", "dispatch", "ArriveWorkOrder", dispatch_engineer,
        "Arrive on site")
          .Var("id", "work_order_id")
          .Engineer(Scope::kProbeWorkOrder, "id"),
      B("POST", "/v1/workorders/{id}:complete", "dispatch", "CompleteWorkOrder", dispatch_engineer,
        "Record the work done, parts used and fees")
          .Var("id", "work_order_id")
          .Required({"fixed"})
          .Engineer(Scope::kProbeWorkOrder, "id"),
      B("POST", "/v1/workorders/{id}:signOff", "dispatch", "SignOffWorkOrder", dispatch_engineer,
        "The customer signs off")
          .Var("id", "work_order_id")
          .Required({"signedBy"})
          .Engineer(Scope::kProbeWorkOrder, "id"),
      B("POST", "/v1/workorders/{id}:reassign", "dispatch", "ReassignWorkOrder", dispatch,
        "Move a work order to another engineer")
          .Var("id", "work_order_id")
          .Required({"engineerId"}),

      // Parts.
      B("POST", "/v1/parts", "inventory", "CreatePart", parts, "Add a part")
          .Create()
          .Required({"sku", "name"}),
      B("GET", "/v1/parts/{sku}", "inventory", "GetPart", stock_read, "Get a part")
          .Var("sku", "sku"),
      B("POST", "/v1/locations", "inventory", "CreateLocation", parts, "Add a stock location")
          .Create()
          .Required({"id", "type"}),
      B("GET", "/v1/locations", "inventory", "ListLocations", parts, "List stock locations"),
      B("POST", "/v1/stock:receive", "inventory", "ReceiveStock", parts,
        "Receive stock at a location")
          .Required({"location", "sku", "quantity"}),
      B("POST", "/v1/stock:transfer", "inventory", "TransferStock", parts,
        "Move stock between locations")
          .Required({"from", "to", "sku", "quantity"}),
      B("POST", "/v1/stock:setReorderPoint", "inventory", "SetReorderPoint", parts,
        "Set the reorder point of a part at a location")
          .Required({"location", "sku"}),
      B("GET", "/v1/stock", "inventory", "ListStockLevels", stock_read, "Stock levels"),
      B("POST", "/v1/advance-replacements", "inventory", "CreateAdvanceReplacement", parts,
        "Ship a replacement before the faulty part is back")
          .Create()
          .Required({"ticketNumber", "sku", "shipFrom"}),
      B("POST", "/v1/advance-replacements/{id}:receiveReturn", "inventory", "ReceiveAdvanceReturn",
        parts, "The faulty part came back")
          .Var("id", "advance_replacement_id")
          .Required({"serial"}),
      B("GET", "/v1/advance-replacements", "inventory", "ListAdvanceReplacements", parts,
        "List advance replacements"),
      B("POST", "/v1/repairs", "inventory", "CreateRepair", parts, "Send a part to repair")
          .Create()
          .Required({"sku", "serial", "location"}),
      B("POST", "/v1/repairs/{id}:complete", "inventory", "CompleteRepair", parts,
        "Record a repair's outcome")
          .Var("id", "repair_id")
          .Required({"outcome"}),
      B("POST", "/v1/loaners", "inventory", "CreateLoaner", parts, "Lend equipment")
          .Create()
          .Required({"ticketNumber", "sku", "serial"}),
      B("POST", "/v1/loaners/{id}:return", "inventory", "ReturnLoaner", parts, "A loaner came back")
          .Var("id", "loaner_id"),
      B("GET", "/v1/replenishment-requests", "inventory", "ListReplenishmentRequests", parts,
        "Open and fulfilled reorder requests"),

      // Follow-up.
      B("GET", "/v1/followups", "followup", "ListFollowups", care_customer, "List followups")
          .Customer(Scope::kForceField, "customer_id"),
      B("POST", "/v1/followups/{id}:complete", "followup", "CompleteFollowup", care_customer,
        "Record the customer's answer")
          .Var("id", "followup_id")
          .Required({"satisfaction"}),
      B("POST", "/v1/complaints", "followup", "CreateComplaint", care, "Open a complaint")
          .Create()
          .Required({"customerId", "text"}),
      B("POST", "/v1/complaints/{id}:advance", "followup", "AdvanceComplaint", care,
        "Move a complaint on")
          .Var("id", "complaint_id")
          .Required({"status"}),
      B("GET", "/v1/complaints", "followup", "ListComplaints", care, "List complaints"),
      B("POST", "/v1/maintenance-plans", "followup", "CreateMaintenancePlan", care,
        "Create a maintenance plan")
          .Create()
          .Required({"siteId", "cadence"}),
      B("GET", "/v1/maintenance-plans", "followup", "ListMaintenancePlans", care,
        "List maintenance plans"),
      B("GET", "/v1/reports/service", "followup", "GetServiceReport", care,
        "Service report for a period")
          .Required({"from", "to"}),
      // Added to the spec's routes: a model upgraded or withdrawn makes one
      // PRODUCT_NOTICE followup per customer owning assets of it. A manager's
      // decision, so not care's; a create (201, Idempotency-Key).
      B("POST", "/v1/product-notices", "followup", "NotifyProductChange", managers,
        "A model was upgraded or withdrawn: one product notice followup per owning customer")
          .Create()
          .Required({"model", "change"}),
  };
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  if (path.empty() || path.front() != '/') return parts;
  path.remove_prefix(1);
  while (true) {
    const size_t slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

}  // namespace

const google::protobuf::FieldDescriptor* FieldByJsonName(const google::protobuf::Descriptor* type,
                                                         std::string_view name) {
  for (int i = 0; i < type->field_count(); ++i) {
    if (type->field(i)->json_name() == name) return type->field(i);
  }
  return nullptr;
}

bool Route::Allows(std::string_view role) const {
  if (role == "admin") return true;
  for (const auto& r : roles) {
    if (r == role) return true;
  }
  return false;
}

std::string Route::GrpcMethodPath() const {
  std::string p = "/";
  p += rpc->service()->full_name();
  p += '/';
  p += rpc->name();
  return p;
}

const RouteTable& RouteTable::V1() {
  static const RouteTable* table = new RouteTable(V1Routes());
  return *table;
}

RouteTable::RouteTable(std::vector<Route> routes) : routes_(std::move(routes)) {
  for (const auto& r : routes_) compiled_.push_back(Compile(r.path));
}

RouteTable::Compiled RouteTable::Compile(const std::string& path) {
  Compiled c;
  for (std::string_view part : SplitPath(path)) {
    Segment s;
    if (!part.empty() && part.front() == '{') {
      const size_t close = part.find('}');
      s.var = std::string(part.substr(1, close - 1));
      s.suffix = std::string(part.substr(close + 1));
    } else {
      s.literal = std::string(part);
    }
    c.segments.push_back(std::move(s));
  }
  return c;
}

int RouteTable::MatchPath(const Compiled& c, const std::vector<std::string_view>& parts,
                          std::map<std::string, std::string>& vars) {
  if (parts.size() != c.segments.size()) return 0;
  std::map<std::string, std::string> found;
  bool bad_escape = false;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Segment& s = c.segments[i];
    std::string_view p = parts[i];
    if (s.var.empty()) {
      if (p != s.literal) return 0;
      continue;
    }
    if (!s.suffix.empty()) {
      if (p.size() <= s.suffix.size() || p.substr(p.size() - s.suffix.size()) != s.suffix) {
        return 0;
      }
      p.remove_suffix(s.suffix.size());
    }
    // A raw ':' starts a custom action, so a plain variable never holds one
    // (an id with a colon in it is sent as %3A).
    if (p.empty() || p.find(':') != std::string_view::npos) return 0;
    std::string value;
    if (!PercentDecode(p, false, value) || !IsValidUtf8(value) || value.empty()) {
      bad_escape = true;
      continue;
    }
    found[s.var] = std::move(value);
  }
  if (bad_escape) return -1;
  vars = std::move(found);
  return 1;
}

Result<RouteMatch> RouteTable::Match(std::string_view method, std::string_view path) const {
  const auto parts = SplitPath(path);
  bool path_matched = false;
  bool malformed = false;
  for (size_t i = 0; i < routes_.size(); ++i) {
    std::map<std::string, std::string> vars;
    const int m = MatchPath(compiled_[i], parts, vars);
    if (m == 0) continue;
    path_matched = true;
    if (m < 0) {
      malformed = true;
      continue;
    }
    if (routes_[i].method == method || (method == "HEAD" && routes_[i].method == "GET")) {
      return RouteMatch{&routes_[i], std::move(vars)};
    }
  }
  if (malformed) {
    return InvalidArgument("MALFORMED_PATH",
                           "a path segment has a malformed %-escape or is not UTF-8");
  }
  if (path_matched) {
    return Status(Code::kUnimplemented, "METHOD_NOT_ALLOWED",
                  std::string(method) + " is not allowed here; allowed: " + AllowedMethods(path));
  }
  return NotFound("ROUTE_NOT_FOUND", "no route for " + std::string(path));
}

std::string RouteTable::AllowedMethods(std::string_view path) const {
  const auto parts = SplitPath(path);
  std::vector<std::string> methods;
  for (size_t i = 0; i < routes_.size(); ++i) {
    std::map<std::string, std::string> vars;
    if (MatchPath(compiled_[i], parts, vars) == 0) continue;
    const std::string& m = routes_[i].method;
    if (std::find(methods.begin(), methods.end(), m) == methods.end()) methods.push_back(m);
    if (m == "GET" && std::find(methods.begin(), methods.end(), "HEAD") == methods.end()) {
      methods.push_back("HEAD");
    }
  }
  std::string out;
  for (const auto& m : methods) {
    if (!out.empty()) out += ", ";
    out += m;
  }
  return out;
}

}  // namespace aftersales::gateway

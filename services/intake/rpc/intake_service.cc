#include "services/intake/rpc/intake_service.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <map>

#include "services/common/grpc/status_mapping.h"
#include "services/common/runtime/uuid.h"
#include "services/intake/domain/date.h"
#include "services/intake/domain/knowledge.h"
#include "services/intake/storage/keys.h"

namespace aftersales::intake {
namespace {

using google::protobuf::util::TimeUtil;

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;

google::protobuf::Timestamp Ts(TimePoint t) {
  return TimeUtil::MillisecondsToTimestamp(ToUnixMillis(t));
}

std::string Metadata(const grpc::CallbackServerContext& ctx, const char* name) {
  const auto& md = ctx.client_metadata();
  auto it = md.find(name);
  if (it == md.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

Caller CallerOf(const grpc::CallbackServerContext& ctx) {
  return Caller{Metadata(ctx, "x-caller-role"), Metadata(ctx, "x-caller-subject"),
                Metadata(ctx, "x-caller-customer-id")};
}

// Runs a handler and finishes the call with its status; nothing a handler
// throws escapes as a crash.
template <typename F>
grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx, F&& handler) {
  auto* reactor = ctx->DefaultReactor();
  Status status;
  try {
    status = handler();
  } catch (const std::exception& e) {
    status = Internal("INTERNAL", e.what());
  }
  reactor->Finish(grpcx::ToGrpcStatus(WithApiFieldNames(status)));
  return reactor;
}

Status CheckPageSize(int page_size, int* out) {
  if (page_size < 0) {
    return InvalidArgument("INVALID_PAGE_SIZE", "page size must not be negative",
                           {{"pageSize", "must be 0 (default 50) to 500"}});
  }
  *out = page_size == 0 ? kDefaultPageSize : std::min(page_size, kMaxPageSize);
  return Status::Ok();
}

// Page tokens are opaque to clients: "p" + a decimal cursor.
std::string MakeToken(uint64_t cursor) { return "p" + std::to_string(cursor); }
Status ParseToken(const std::string& token, uint64_t* cursor) {
  *cursor = 0;
  if (token.empty()) return Status::Ok();
  if (token.size() < 2 || token.size() > 21 || token[0] != 'p' ||
      !std::all_of(token.begin() + 1, token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return InvalidArgument("INVALID_PAGE_TOKEN", "page token was not issued by this service",
                           {{"pageToken", "use the nextPageToken of the previous page"}});
  }
  *cursor = std::stoull(token.substr(1));
  return Status::Ok();
}

Result<FaultNumber> ParseNumber(const std::string& text) {
  return FaultNumber::Parse(text, "ticket_number");
}

bool Blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t'; });
}

template <typename P>
Result<std::optional<P>> Load(IntakeStore& store, const std::string& key) {
  Result<std::optional<std::string>> blob = store.Get(key);
  if (!blob.ok()) return blob.status();
  if (!blob->has_value()) return std::optional<P>();
  P p;
  if (!p.ParseFromString(**blob)) {
    return Status(Code::kDataLoss, "CORRUPT_RECORD", "stored record " + key + " is corrupt");
  }
  return std::optional<P>(std::move(p));
}

Status NotFoundFor(const std::string& what, const std::string& reason, const std::string& id) {
  return NotFound(reason, what + " " + id + " does not exist");
}

// A replayed request id answers with what the first request made.
std::string RequestValue(const std::string& kind, const std::string& id) { return kind + ":" + id; }
std::string IdOf(const std::string& value) {
  const auto colon = value.find(':');
  return colon == std::string::npos ? value : value.substr(colon + 1);
}

}  // namespace

std::string ApiFieldName(std::string_view field) {
  static const std::map<std::string, std::string, std::less<>> kRenamed = {
      {"asset_id", "assetSerial"},
      {"customer_actions", "customerMeasures"},
      {"fault_number", "ticketNumber"},
  };
  if (auto it = kRenamed.find(field); it != kRenamed.end()) return it->second;
  std::string out;
  bool upper = false;
  for (char c : field) {
    if (c == '_') {
      upper = true;
    } else {
      out.push_back(upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
      upper = false;
    }
  }
  return out;
}

Status WithApiFieldNames(const Status& status) {
  if (status.field_violations().empty()) return status;
  std::vector<FieldViolation> renamed;
  for (const FieldViolation& fv : status.field_violations()) {
    renamed.push_back({ApiFieldName(fv.field), fv.description});
  }
  return Status(status.code(), status.reason(), status.message(), std::move(renamed));
}

IntakeService::IntakeService(TicketDesk& desk, BatchTicketWriter* writer)
    : desk_(desk), store_(desk.store()), clock_(desk.clock()), writer_(writer) {}

// ---------------------------------------------------------------- install base

grpc::ServerUnaryReactor* IntakeService::CreateCustomer(grpc::CallbackServerContext* ctx,
                                                        const v1::CreateCustomerRequest* req,
                                                        v1::Customer* resp) {
  return Serve(ctx, [&]() -> Status {
    Validator v;
    v.Check(!Blank(req->name()), "name", "must not be empty");
    if (!req->contact_phone().empty()) {
      const auto problem = PhoneProblem(req->contact_phone());
      v.Check(!problem, "contactPhone", problem.value_or(""));
    }
    if (!req->email().empty()) {
      const auto at = req->email().find('@');
      v.Check(at != std::string::npos && at > 0 && at + 1 < req->email().size(), "email",
              "must look like name@domain");
    }
    if (!v.ok()) return v.ToStatus("INVALID_CUSTOMER");
    v1::Customer c;
    c.set_id(NewUuid());
    c.set_name(req->name());
    c.set_contact_name(req->contact_name());
    c.set_contact_phone(req->contact_phone());
    c.set_email(req->email());
    *c.mutable_create_time() = Ts(clock_.Now());
    *c.mutable_update_time() = c.create_time();
    Result<std::string> made = store_.CreateRecord(
        keys::Customer(c.id()), c.SerializeAsString(), req->request_id(),
        RequestValue("customer", c.id()), "", "", "CUSTOMER_EXISTS", "customer exists");
    if (!made.ok()) return made.status();
    Result<std::optional<v1::Customer>> stored =
        Load<v1::Customer>(store_, keys::Customer(IdOf(*made)));
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) return Internal("CUSTOMER_LOST", "customer vanished after create");
    *resp = **stored;
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* IntakeService::GetCustomer(grpc::CallbackServerContext* ctx,
                                                     const v1::GetCustomerRequest* req,
                                                     v1::Customer* resp) {
  return Serve(ctx, [&]() -> Status {
    const Caller caller = CallerOf(*ctx);
    Result<std::optional<v1::Customer>> c =
        Load<v1::Customer>(store_, keys::Customer(req->customer_id()));
    if (!c.ok()) return c.status();
    if (req->customer_id().empty() || !c->has_value() || !caller.CanSee((*c)->id())) {
      return NotFoundFor("customer", "CUSTOMER_NOT_FOUND", req->customer_id());
    }
    *resp = **c;
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* IntakeService::CreateSite(grpc::CallbackServerContext* ctx,
                                                    const v1::CreateSiteRequest* req,
                                                    v1::Site* resp) {
  return Serve(ctx, [&]() -> Status {
    Validator v;
    v.Check(!Blank(req->name()), "name", "must not be empty");
    v.Check(FromProto(req->zone()).has_value(), "zone", "must be CITY, SUBURB or REMOTE");
    v.Check(std::isfinite(req->latitude()) && req->latitude() >= -90 && req->latitude() <= 90,
            "latitude", "must be between -90 and 90");
    v.Check(std::isfinite(req->longitude()) && req->longitude() >= -180 && req->longitude() <= 180,
            "longitude", "must be between -180 and 180");
    if (!v.ok()) return v.ToStatus("INVALID_SITE");
    Result<std::optional<v1::Customer>> customer =
        Load<v1::Customer>(store_, keys::Customer(req->customer_id()));
    if (!customer.ok()) return customer.status();
    if (req->customer_id().empty() || !customer->has_value()) {
      return NotFoundFor("customer", "CUSTOMER_NOT_FOUND", req->customer_id());
    }
    v1::Site s;
    s.set_id(NewUuid());
    s.set_customer_id(req->customer_id());
    s.set_name(req->name());
    s.set_address(req->address());
    s.set_zone(req->zone());
    s.set_branch(req->branch().empty() ? std::string("head-office") : req->branch());
    s.set_latitude(req->latitude());
    s.set_longitude(req->longitude());
    *s.mutable_create_time() = Ts(clock_.Now());
    *s.mutable_update_time() = s.create_time();
    Result<std::string> made =
        store_.CreateRecord(keys::Site(s.id()), s.SerializeAsString(), req->request_id(),
                            RequestValue("site", s.id()), "", "", "SITE_EXISTS", "site exists");
    if (!made.ok()) return made.status();
    Result<std::optional<v1::Site>> stored = Load<v1::Site>(store_, keys::Site(IdOf(*made)));
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) return Internal("SITE_LOST", "site vanished after create");
    *resp = **stored;
    return Status::Ok();
  });
}

namespace {
// The asset's warranty on the local day of `now`.
pb::Warranty DecideAssetWarranty(IntakeStore& store, const v1::Asset& asset, TimePoint now) {
  pb::Warranty out;
  out.set_basis(pb::NONE);
  WarrantyFacts facts;
  facts.asset.category = FromProto(asset.category()).value_or(AssetCategory::kMainframe);
  Result<Date> accepted = Date::Parse(asset.accepted_on());
  if (!accepted.ok()) return out;
  facts.asset.acceptance_date = *accepted;
  facts.asset.vendor_months = asset.warranty_months();
  facts.asset.manufacturer_months = asset.manufacturer_warranty_months();
  if (Result<std::vector<std::string>> ids =
          store.Members(keys::CustomerContracts(asset.customer_id()));
      ids.ok()) {
    std::vector<std::string> contract_keys;
    for (const auto& id : *ids) contract_keys.push_back(keys::Contract(id));
    if (Result<std::vector<std::string>> blobs = store.GetMany(contract_keys); blobs.ok()) {
      for (const std::string& blob : *blobs) {
        v1::Contract c;
        if (!c.ParseFromString(blob)) continue;
        if (!c.site_id().empty() && c.site_id() != asset.site_id()) continue;
        Result<Date> start = Date::Parse(c.starts_on());
        Result<Date> end = Date::Parse(c.ends_on());
        if (start.ok() && end.ok()) facts.contracts.push_back({c.id(), *start, *end});
      }
    }
  }
  Result<WarrantyDecision> d = DecideWarranty(facts, now, std::chrono::minutes(8 * 60));
  if (!d.ok()) return out;
  out.set_covered(d->covered);
  out.set_basis(ToProto(d->basis));
  if (d->until) out.set_until(d->until->ToString());
  if (d->exclusion) {
    out.set_exclusion(ToProto(*d->exclusion));
    out.set_exclusion_note(d->exclusion_reason.empty() ? std::string(ExclusionName(*d->exclusion))
                                                       : d->exclusion_reason);
  }
  return out;
}
}  // namespace

grpc::ServerUnaryReactor* IntakeService::CreateAsset(grpc::CallbackServerContext* ctx,
                                                     const v1::CreateAssetRequest* req,
                                                     v1::Asset* resp) {
  return Serve(ctx, [&]() -> Status {
    const TimePoint now = clock_.Now();
    Validator v;
    v.Check(!Blank(req->serial_number()) && req->serial_number().size() <= 64 &&
                req->serial_number().find(' ') == std::string::npos,
            "serialNumber", "must be 1-64 characters without spaces");
    v.Check(!Blank(req->model()), "model", "must not be empty");
    v.Check(FromProto(req->category()).has_value(), "category",
            "must be MAINFRAME, CONTROLLER, TERMINAL, ACCESSORY or CONSUMABLE");
    Result<Date> accepted = Date::Parse(req->accepted_on(), "acceptedOn");
    v.Check(accepted.ok(), "acceptedOn", "must be a date YYYY-MM-DD");
    if (accepted.ok()) {
      v.Check(*accepted <= Date::FromTimePoint(now, std::chrono::minutes(8 * 60)), "acceptedOn",
              "must not be in the future");
    }
    const int months = req->has_warranty_months() ? req->warranty_months() : 12;
    v.Check(months >= 0 && months <= 240, "warrantyMonths", "must be 0 to 240");
    v.Check(req->manufacturer_warranty_months() >= 0 && req->manufacturer_warranty_months() <= 240,
            "manufacturerWarrantyMonths", "must be 0 to 240");
    Result<std::optional<v1::Site>> site = Load<v1::Site>(store_, keys::Site(req->site_id()));
    if (!site.ok()) return site.status();
    v.Check(!req->site_id().empty() && site->has_value(), "siteId", "no such site");
    if (!v.ok()) return v.ToStatus("INVALID_ASSET");

    v1::Asset a;
    a.set_serial_number(req->serial_number());
    a.set_model(req->model());
    a.set_category(req->category());
    a.set_site_id(req->site_id());
    a.set_customer_id((*site)->customer_id());
    a.set_accepted_on(req->accepted_on());
    a.set_warranty_months(months);
    a.set_manufacturer_warranty_months(req->manufacturer_warranty_months());
    *a.mutable_create_time() = Ts(now);
    *a.mutable_update_time() = a.create_time();
    Result<std::string> made = store_.CreateRecord(
        keys::Asset(a.serial_number()), a.SerializeAsString(), req->request_id(),
        RequestValue("asset", a.serial_number()), "", "", "ASSET_EXISTS",
        "an asset with serial number " + a.serial_number() + " exists");
    if (!made.ok()) return made.status();
    Result<std::optional<v1::Asset>> stored = Load<v1::Asset>(store_, keys::Asset(IdOf(*made)));
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) return Internal("ASSET_LOST", "asset vanished after create");
    *resp = **stored;
    *resp->mutable_warranty() = DecideAssetWarranty(store_, *resp, now);
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* IntakeService::GetSite(grpc::CallbackServerContext* ctx,
                                                 const v1::GetSiteRequest* req, v1::Site* resp) {
  return Serve(ctx, [&]() -> Status {
    const Caller caller = CallerOf(*ctx);
    Result<std::optional<v1::Site>> s = Load<v1::Site>(store_, keys::Site(req->site_id()));
    if (!s.ok()) return s.status();
    if (req->site_id().empty() || !s->has_value() || !caller.CanSee((*s)->customer_id())) {
      return NotFoundFor("site", "SITE_NOT_FOUND", req->site_id());
    }
    *resp = **s;
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* IntakeService::GetAsset(grpc::CallbackServerContext* ctx,
                                                  const v1::GetAssetRequest* req, v1::Asset* resp) {
  return Serve(ctx, [&]() -> Status {
    const Caller caller = CallerOf(*ctx);
    Result<std::optional<v1::Asset>> a = Load<v1::Asset>(store_, keys::Asset(req->serial_number()));
    if (!a.ok()) return a.status();
    if (req->serial_number().empty() || !a->has_value() || !caller.CanSee((*a)->customer_id())) {
      return NotFoundFor("asset", "ASSET_NOT_FOUND", req->serial_number());
    }
    *resp = **a;
    *resp->mutable_warranty() = DecideAssetWarranty(store_, *resp, clock_.Now());
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* IntakeService::CreateContract(grpc::CallbackServerContext* ctx,
                                                        const v1::CreateContractRequest* req,
                                                        v1::Contract* resp) {
  return Serve(ctx, [&]() -> Status {
    Validator v;
    Result<std::optional<v1::Customer>> customer =
        Load<v1::Customer>(store_, keys::Customer(req->customer_id()));
    if (!customer.ok()) return customer.status();
    v.Check(!req->customer_id().empty() && customer->has_value(), "customerId", "no such customer");
    if (!req->site_id().empty()) {
      Result<std::optional<v1::Site>> site = Load<v1::Site>(store_, keys::Site(req->site_id()));
      if (!site.ok()) return site.status();
      v.Check(site->has_value() && (*site)->customer_id() == req->customer_id(), "siteId",
              "no such site of this customer");
    }
    Result<Date> start = Date::Parse(req->starts_on(), "startsOn");
    Result<Date> end = Date::Parse(req->ends_on(), "endsOn");
    v.Check(start.ok(), "startsOn", "must be a date YYYY-MM-DD");
    v.Check(end.ok(), "endsOn", "must be a date YYYY-MM-DD");
    if (start.ok() && end.ok()) v.Check(*start <= *end, "endsOn", "must not be before startsOn");
    for (int i = 0; i < req->clock_limits_size(); ++i) {
      const v1::ClockLimit& l = req->clock_limits(i);
      const std::string field = "clockLimits[" + std::to_string(i) + "]";
      v.Check(l.clock() != pb::DEADLINE_CLOCK_UNSPECIFIED, field + ".clock", "must name a clock");
      v.Check(l.limit().seconds() > 0, field + ".limit", "must be positive");
    }
    if (!v.ok()) return v.ToStatus("INVALID_CONTRACT");
    v1::Contract c;
    c.set_id(NewUuid());
    c.set_customer_id(req->customer_id());
    c.set_site_id(req->site_id());
    c.set_starts_on(req->starts_on());
    c.set_ends_on(req->ends_on());
    *c.mutable_clock_limits() = req->clock_limits();
    *c.mutable_create_time() = Ts(clock_.Now());
    *c.mutable_update_time() = c.create_time();
    Result<std::string> made = store_.CreateRecord(
        keys::Contract(c.id()), c.SerializeAsString(), req->request_id(),
        RequestValue("contract", c.id()), keys::CustomerContracts(c.customer_id()), c.id(),
        "CONTRACT_EXISTS", "contract exists");
    if (!made.ok()) return made.status();
    store_.ForgetContracts(c.customer_id());
    Result<std::optional<v1::Contract>> stored =
        Load<v1::Contract>(store_, keys::Contract(IdOf(*made)));
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) return Internal("CONTRACT_LOST", "contract vanished after create");
    *resp = **stored;
    return Status::Ok();
  });
}

// ---------------------------------------------------------------- tickets

namespace {
// The report as the domain words it; INVALID_ARGUMENT for what the proto
// alone shows is wrong (the domain checks the rest).
Result<NewTicket> ReportOf(const v1::CreateTicketRequest* req, const Caller& caller) {
  Validator v;
  NewTicket report;
  // A customer reports for itself, whatever the body says.
  report.customer_id = caller.is_customer() ? caller.customer_id : req->customer_id();
  report.site_id = req->site_id();
  report.asset_id = req->asset_serial();
  const auto kind = FromProto(req->kind());
  v.Check(req->kind() == pb::TICKET_KIND_UNSPECIFIED || kind.has_value(), "kind",
          "must be FAULT or CONSULTATION");
  report.kind = kind.value_or(TicketKind::kFault);
  const auto channel = FromProto(req->channel());
  v.Check(req->channel() == v1::CHANNEL_UNSPECIFIED || channel.has_value(), "channel",
          "must be HOTLINE, EMAIL, FAX, WEB, MOBILE_APP or MONITORING");
  report.channel = channel.value_or(caller.is_customer() ? Channel::kMobileApp : Channel::kHotline);
  report.contact_name = req->contact_name();
  report.contact_phone = req->contact_phone();
  report.symptoms = req->symptoms();
  if (req->has_started_at()) {
    report.started_at = FromUnixMillis(TimeUtil::TimestampToMilliseconds(req->started_at()));
  }
  const auto impact = FromProto(req->impact());
  v.Check(req->impact() == v1::IMPACT_UNSPECIFIED || impact.has_value(), "impact",
          "unknown impact");
  if (impact) report.impact = std::string(ImpactName(*impact));
  report.customer_actions = req->customer_measures();
  const auto severity = FromProto(req->severity());
  v.Check(req->severity() == pb::SEVERITY_UNSPECIFIED || severity.has_value(), "severity",
          "must be EMERGENCY, MAJOR, MINOR or NOTICE");
  report.severity = severity;
  if (report.kind == TicketKind::kFault) {
    v.Check(severity.has_value() || impact.has_value(), "impact",
            "give the impact (or a severity) so the fault can be classified");
  }
  if (!v.ok()) return v.ToStatus("INVALID_TICKET");
  return report;
}
}  // namespace

grpc::ServerUnaryReactor* IntakeService::CreateTicket(grpc::CallbackServerContext* ctx,
                                                      const v1::CreateTicketRequest* req,
                                                      v1::Ticket* resp) {
  const Caller caller = CallerOf(*ctx);
  if (writer_ != nullptr) {
    // The write joins a batch; the reactor finishes on the writer's thread.
    auto* reactor = ctx->DefaultReactor();
    Result<NewTicket> report = ReportOf(req, caller);
    if (!report.ok()) {
      reactor->Finish(grpcx::ToGrpcStatus(WithApiFieldNames(report.status())));
      return reactor;
    }
    desk_.CreateAsync(std::move(report).value(), caller, req->request_id(), *writer_,
                      [reactor, resp](Result<StoredTicket> t) {
                        if (t.ok()) *resp = TicketToProto(*t);
                        reactor->Finish(grpcx::ToGrpcStatus(WithApiFieldNames(t.status())));
                      });
    return reactor;
  }
  return Serve(ctx, [&]() -> Status {
    Result<NewTicket> report = ReportOf(req, caller);
    if (!report.ok()) return report.status();
    Result<StoredTicket> t = desk_.Create(std::move(report).value(), caller, req->request_id());
    if (!t.ok()) return t.status();
    *resp = TicketToProto(*t);
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* IntakeService::GetTicket(grpc::CallbackServerContext* ctx,
                                                   const v1::GetTicketRequest* req,
                                                   v1::Ticket* resp) {
  return Serve(ctx, [&]() -> Status {
    Result<FaultNumber> n = ParseNumber(req->ticket_number());
    if (!n.ok()) return n.status();
    Result<StoredTicket> t = desk_.Get(*n, CallerOf(*ctx));
    if (!t.ok()) return t.status();
    *resp = TicketToProto(*t);
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* IntakeService::ListTickets(grpc::CallbackServerContext* ctx,
                                                     const v1::ListTicketsRequest* req,
                                                     v1::ListTicketsResponse* resp) {
  return Serve(ctx, [&]() -> Status {
    const Caller caller = CallerOf(*ctx);
    int page_size = 0;
    if (Status s = CheckPageSize(req->page_size(), &page_size); !s.ok()) return s;
    uint64_t cursor = 0;
    if (Status s = ParseToken(req->page_token(), &cursor); !s.ok()) return s;
    Validator v;
    const auto status = FromProto(req->status());
    v.Check(req->status() == v1::Ticket::STATUS_UNSPECIFIED || status.has_value(), "status",
            "unknown status");
    const auto severity = FromProto(req->severity());
    v.Check(req->severity() == pb::SEVERITY_UNSPECIFIED || severity.has_value(), "severity",
            "unknown severity");
    if (!v.ok()) return v.ToStatus("INVALID_FILTER");
    std::string customer = req->customer_id();
    if (caller.is_customer()) {
      // A customer token without its customer, or asking for another: none.
      if (caller.customer_id.empty()) return Status::Ok();
      if (!customer.empty() && customer != caller.customer_id) return Status::Ok();
      customer = caller.customer_id;
    }
    // The most selective index drives the scan; the other filters are
    // checked on the tickets it yields. Status and severity share indexes
    // (one per pair): either alone reads the union of its pairs.
    std::vector<std::string> indexes;
    if (!customer.empty()) {
      indexes.push_back(keys::TicketsByCustomer(customer));
    } else if (status || severity) {
      for (int st = 0; st < kTicketStatusCount; ++st) {
        if (status && static_cast<int>(*status) != st) continue;
        for (int sv = 0; sv < kSeverityCount; ++sv) {
          if (severity && static_cast<int>(*severity) != sv) continue;
          indexes.push_back(keys::TicketsByState(TicketStatusName(static_cast<TicketStatus>(st)),
                                                 SeverityName(static_cast<Severity>(sv))));
        }
      }
    } else {
      indexes.push_back(keys::TicketsAll());
    }
    // Bounded work per call: a sparse filter returns a short page with a
    // token rather than scanning on.
    constexpr int kMaxRounds = 8;
    for (int round = 0; round < kMaxRounds; ++round) {
      const int want = page_size - resp->tickets_size();
      Result<TicketIndexPage> page = store_.ListIndexes(indexes, cursor, std::max(want, 16));
      if (!page.ok()) return page.status();
      Result<std::vector<VersionedTicket>> tickets = store_.LoadTickets(page->numbers);
      if (!tickets.ok()) return tickets.status();
      for (size_t i = 0; i < page->numbers.size(); ++i) {
        cursor = page->sequences[i];
        auto it = std::find_if(tickets->begin(), tickets->end(), [&](const VersionedTicket& t) {
          return t.ticket.record.number.ToString() == page->numbers[i];
        });
        if (it == tickets->end()) continue;
        const TicketRecord& r = it->ticket.record;
        if (!customer.empty() && r.report.customer_id != customer) continue;
        if (status && r.status != *status) continue;
        if (severity && r.severity != *severity) continue;
        *resp->add_tickets() = TicketToProto(it->ticket);
        if (resp->tickets_size() == page_size) {
          if (i + 1 < page->numbers.size() || page->more) {
            resp->set_next_page_token(MakeToken(cursor));
          }
          return Status::Ok();
        }
      }
      if (!page->more) return Status::Ok();
      if (round + 1 == kMaxRounds) resp->set_next_page_token(MakeToken(cursor));
    }
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* IntakeService::GetTicketHistory(grpc::CallbackServerContext* ctx,
                                                          const v1::GetTicketHistoryRequest* req,
                                                          v1::GetTicketHistoryResponse* resp) {
  return Serve(ctx, [&]() -> Status {
    int page_size = 0;
    if (Status s = CheckPageSize(req->page_size(), &page_size); !s.ok()) return s;
    uint64_t offset = 0;
    if (Status s = ParseToken(req->page_token(), &offset); !s.ok()) return s;
    Result<FaultNumber> n = ParseNumber(req->ticket_number());
    if (!n.ok()) return n.status();
    Result<StoredTicket> t = desk_.Get(*n, CallerOf(*ctx));
    if (!t.ok()) return t.status();
    const auto& history = t->record.history;
    uint64_t i = offset;
    for (; i < history.size() && resp->entries_size() < page_size; ++i) {
      *resp->add_entries() = HistoryToProto(history[i]);
    }
    if (i < history.size()) resp->set_next_page_token(MakeToken(i));
    return Status::Ok();
  });
}

namespace {
// The shape every ticket step shares: parse the number, run the step, answer
// with the ticket.
template <typename Resp, typename F>
Status TicketStep(const std::string& number, Resp* resp, F&& step) {
  Result<FaultNumber> n = ParseNumber(number);
  if (!n.ok()) return n.status();
  Result<StoredTicket> t = step(*n);
  if (!t.ok()) return t.status();
  *resp->mutable_ticket() = TicketToProto(*t);
  return Status::Ok();
}
}  // namespace

grpc::ServerUnaryReactor* IntakeService::RespondTicket(grpc::CallbackServerContext* ctx,
                                                       const v1::RespondTicketRequest* req,
                                                       v1::RespondTicketResponse* resp) {
  return Serve(ctx, [&]() -> Status {
    return TicketStep(req->ticket_number(), resp, [&](const FaultNumber& n) {
      return desk_.Respond(n, CallerOf(*ctx), req->request_id(), req->note());
    });
  });
}

grpc::ServerUnaryReactor* IntakeService::ResolveTicketByPhone(
    grpc::CallbackServerContext* ctx, const v1::ResolveTicketByPhoneRequest* req,
    v1::ResolveTicketByPhoneResponse* resp) {
  return Serve(ctx, [&]() -> Status {
    if (Blank(req->solution())) {
      return InvalidArgument("INVALID_RESOLUTION", "say how it was solved",
                             {{"solution", "must not be empty"}});
    }
    Status s = TicketStep(req->ticket_number(), resp, [&](const FaultNumber& n) {
      return desk_.ResolveByPhone(n, CallerOf(*ctx), req->request_id(), req->solution(),
                                  req->article_id());
    });
    if (!s.ok()) return s;
    // The reconfirmation is due 24 h after the fix, which is the last history line.
    Result<FaultNumber> n = ParseNumber(req->ticket_number());
    if (n.ok()) {
      Result<StoredTicket> t = desk_.Get(*n, CallerOf(*ctx));
      if (t.ok() && t->record.resolution) {
        for (auto it = t->record.history.rbegin(); it != t->record.history.rend(); ++it) {
          if (it->kind == HistoryKind::kResolved) {
            *resp->mutable_reconfirm_due_time() = Ts(it->time + std::chrono::hours(24));
            break;
          }
        }
      }
    }
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* IntakeService::StartRemoteSession(
    grpc::CallbackServerContext* ctx, const v1::StartRemoteSessionRequest* req,
    v1::StartRemoteSessionResponse* resp) {
  return Serve(ctx, [&]() -> Status {
    if (Blank(req->consent_by())) {
      return InvalidArgument("CONSENT_REQUIRED", "a remote session needs the customer's consent",
                             {{"consentBy", "name who at the customer consented"}});
    }
    return TicketStep(req->ticket_number(), resp, [&](const FaultNumber& n) {
      return desk_.StartRemoteSession(n, CallerOf(*ctx), req->request_id(), req->consent_by());
    });
  });
}

grpc::ServerUnaryReactor* IntakeService::RequestOnsite(grpc::CallbackServerContext* ctx,
                                                       const v1::RequestOnsiteRequest* req,
                                                       v1::RequestOnsiteResponse* resp) {
  return Serve(ctx, [&]() -> Status {
    // Dispatch can only choose among engineers who know the product line;
    // without one the request could never become a work order.
    if (Blank(req->required_skill())) {
      return InvalidArgument("REQUIRED_SKILL_MISSING",
                             "say which product line the engineer must know",
                             {{"requiredSkill", "must not be empty"}});
    }
    return TicketStep(req->ticket_number(), resp, [&](const FaultNumber& n) {
      return desk_.RequestOnsite(n, CallerOf(*ctx), req->request_id(), req->note(),
                                 req->required_skill());
    });
  });
}

grpc::ServerUnaryReactor* IntakeService::PauseTicket(grpc::CallbackServerContext* ctx,
                                                     const v1::PauseTicketRequest* req,
                                                     v1::PauseTicketResponse* resp) {
  return Serve(ctx, [&]() -> Status {
    if (Blank(req->reason())) {
      return InvalidArgument("REASON_REQUIRED", "say what the customer is waited on for",
                             {{"reason", "must not be empty"}});
    }
    return TicketStep(req->ticket_number(), resp, [&](const FaultNumber& n) {
      return desk_.Pause(n, CallerOf(*ctx), req->request_id(), req->reason());
    });
  });
}

grpc::ServerUnaryReactor* IntakeService::ResumeTicket(grpc::CallbackServerContext* ctx,
                                                      const v1::ResumeTicketRequest* req,
                                                      v1::ResumeTicketResponse* resp) {
  return Serve(ctx, [&]() -> Status {
    return TicketStep(req->ticket_number(), resp, [&](const FaultNumber& n) {
      return desk_.Resume(n, CallerOf(*ctx), req->request_id(), req->reason());
    });
  });
}

grpc::ServerUnaryReactor* IntakeService::CloseTicket(grpc::CallbackServerContext* ctx,
                                                     const v1::CloseTicketRequest* req,
                                                     v1::CloseTicketResponse* resp) {
  return Serve(ctx, [&]() -> Status {
    return TicketStep(req->ticket_number(), resp, [&](const FaultNumber& n) {
      return desk_.Close(n, CallerOf(*ctx), req->request_id(), req->reason());
    });
  });
}

grpc::ServerUnaryReactor* IntakeService::ReopenTicket(grpc::CallbackServerContext* ctx,
                                                      const v1::ReopenTicketRequest* req,
                                                      v1::ReopenTicketResponse* resp) {
  return Serve(ctx, [&]() -> Status {
    return TicketStep(req->ticket_number(), resp, [&](const FaultNumber& n) {
      return desk_.Reopen(n, CallerOf(*ctx), req->request_id(), req->reason());
    });
  });
}

grpc::ServerUnaryReactor* IntakeService::RecordDiagnosis(grpc::CallbackServerContext* ctx,
                                                         const v1::RecordDiagnosisRequest* req,
                                                         v1::RecordDiagnosisResponse* resp) {
  return Serve(ctx, [&]() -> Status {
    Validator v;
    v.Check(!Blank(req->diagnosis()), "diagnosis", "must not be empty");
    std::optional<Exclusion> exclusion;
    switch (req->exclusion()) {
      case pb::WARRANTY_EXCLUSION_UNSPECIFIED:
        break;
      case pb::MISUSE:
        exclusion = Exclusion::kMisuse;
        break;
      case pb::DISASTER:
        exclusion = Exclusion::kDisaster;
        break;
      case pb::SELF_REPAIR:
        exclusion = Exclusion::kSelfRepair;
        break;
      case pb::UNAUTHORISED_INSTALLER:
        exclusion = Exclusion::kUnauthorisedInstaller;
        break;
      case pb::MIXED_VENDORS:
        exclusion = Exclusion::kMixedVendors;
        break;
      default:
        v.Check(false, "exclusion", "EXPIRED is decided from the dates, not recorded");
    }
    if (exclusion) {
      v.Check(!Blank(req->exclusion_note()), "exclusionNote", "an exclusion needs its reason");
    }
    if (!v.ok()) return v.ToStatus("INVALID_DIAGNOSIS");
    return TicketStep(req->ticket_number(), resp, [&](const FaultNumber& n) {
      return desk_.RecordDiagnosis(n, CallerOf(*ctx), req->request_id(), req->diagnosis(),
                                   exclusion, req->exclusion_note());
    });
  });
}

// ---------------------------------------------------------------- knowledge base

grpc::ServerUnaryReactor* IntakeService::CreateArticle(grpc::CallbackServerContext* ctx,
                                                       const v1::CreateArticleRequest* req,
                                                       v1::Article* resp) {
  return Serve(ctx, [&]() -> Status {
    Validator v;
    v.Check(!Blank(req->title()), "title", "must not be empty");
    v.Check(!Blank(req->symptoms()), "symptoms", "must not be empty");
    v.Check(!Blank(req->solution()), "solution", "must not be empty");
    if (!v.ok()) return v.ToStatus("INVALID_ARTICLE");
    v1::Article a;
    a.set_id(NewUuid());
    a.set_title(req->title());
    a.set_symptoms(req->symptoms());
    a.set_solution(req->solution());
    *a.mutable_models() = req->models();
    *a.mutable_tags() = req->tags();
    *a.mutable_create_time() = Ts(clock_.Now());
    *a.mutable_update_time() = a.create_time();
    Result<std::string> made =
        store_.CreateRecord(keys::Article(a.id()), a.SerializeAsString(), req->request_id(),
                            RequestValue("article", a.id()), keys::Articles(), a.id(),
                            "ARTICLE_EXISTS", "article exists");
    if (!made.ok()) return made.status();
    Result<std::optional<v1::Article>> stored =
        Load<v1::Article>(store_, keys::Article(IdOf(*made)));
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) return Internal("ARTICLE_LOST", "article vanished after create");
    *resp = **stored;
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* IntakeService::SearchArticles(grpc::CallbackServerContext* ctx,
                                                        const v1::SearchArticlesRequest* req,
                                                        v1::SearchArticlesResponse* resp) {
  return Serve(ctx, [&]() -> Status {
    int page_size = 0;
    if (Status s = CheckPageSize(req->page_size(), &page_size); !s.ok()) return s;
    uint64_t offset = 0;
    if (Status s = ParseToken(req->page_token(), &offset); !s.ok()) return s;
    // The knowledge base is small (hundreds of known faults): it is ranked
    // whole, from its own index set, never from a keyspace scan.
    Result<std::vector<std::string>> ids = store_.Members(keys::Articles());
    if (!ids.ok()) return ids.status();
    std::vector<std::string> article_keys;
    for (const auto& id : *ids) article_keys.push_back(keys::Article(id));
    Result<std::vector<std::string>> blobs = store_.GetMany(article_keys);
    if (!blobs.ok()) return blobs.status();
    std::map<std::string, v1::Article> by_id;
    std::vector<Article> articles;
    for (const std::string& blob : *blobs) {
      v1::Article p;
      if (!p.ParseFromString(blob)) continue;
      Article a;
      a.id = p.id();
      a.title = p.title();
      a.symptoms = p.symptoms();
      a.fix = p.solution();
      a.tags.assign(p.tags().begin(), p.tags().end());
      a.models.assign(p.models().begin(), p.models().end());
      articles.push_back(std::move(a));
      by_id[p.id()] = std::move(p);
    }
    std::vector<std::string> ranked;
    if (Blank(req->q())) {
      // Browsing: every article for the model, by id.
      for (const Article& a : articles) {
        const bool fits =
            req->model().empty() || a.models.empty() ||
            std::any_of(a.models.begin(), a.models.end(), [&](const std::string& m) {
              return std::equal(m.begin(), m.end(), req->model().begin(), req->model().end(),
                                [](char x, char y) {
                                  return std::tolower(static_cast<unsigned char>(x)) ==
                                         std::tolower(static_cast<unsigned char>(y));
                                });
            });
        if (fits) ranked.push_back(a.id);
      }
      std::sort(ranked.begin(), ranked.end());
    } else {
      for (const ScoredArticle& s : Search(articles, req->q(), req->model(), articles.size())) {
        ranked.push_back(s.article.id);
      }
    }
    uint64_t i = offset;
    for (; i < ranked.size() && resp->articles_size() < page_size; ++i) {
      *resp->add_articles() = by_id[ranked[i]];
    }
    if (i < ranked.size()) resp->set_next_page_token(MakeToken(i));
    return Status::Ok();
  });
}

}  // namespace aftersales::intake

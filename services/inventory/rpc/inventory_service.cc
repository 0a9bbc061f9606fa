#include "services/inventory/rpc/inventory_service.h"

#include <charconv>
#include <optional>

#include "services/common/grpc/status_mapping.h"
#include "services/common/runtime/uuid.h"

namespace aftersales::inventory {
namespace {

namespace pb = ::google::protobuf;
namespace common = ::aftersales::common::v1;

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;

grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context, const Status& status) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(grpcx::ToGrpcStatus(status));
  return reactor;
}

// The request's own idempotency key (set by the gateway, or by dispatch), else
// a fresh one: no retry protection then, but the call still works. The
// x-request-id header is not used: one caller request may lead to several
// different calls that carry the same header.
std::string RequestIdFor(const grpc::CallbackServerContext&, const std::string& own) {
  return own.empty() ? NewUuid() : own;
}

void SetTime(pb::Timestamp* ts, int64_t ms) {
  if (ms <= 0) return;
  ts->set_seconds(ms / 1000);
  ts->set_nanos(static_cast<int32_t>((ms % 1000) * 1'000'000));
}
template <typename T>
using Proto = std::remove_reference_t<T>;

// Only touches the message when the record has the time, so that an unset
// time stays absent (not 1970-01-01) in the answer.
template <typename Message>
void SetTime(Message& m, pb::Timestamp* (Message::*mutable_field)(), const Record& r,
             const std::string& field) {
  const int64_t ms = IntField(r, field);
  if (ms > 0) SetTime((m.*mutable_field)(), ms);
}
int32_t Int32(const Record& r, const std::string& field) {
  return static_cast<int32_t>(IntField(r, field));
}

void ToProto(const Record& r, v1::Part& p) {
  p.set_sku(Field(r, "sku"));
  p.set_name(Field(r, "name"));
  p.set_model(Field(r, "model"));
  p.set_category(static_cast<common::AssetCategory>(Int32(r, "category")));
  p.set_critical(Field(r, "critical") == "1");
  p.mutable_cost_price()->set_currency_code(Field(r, "cost_currency"));
  p.mutable_cost_price()->set_minor_units(IntField(r, "cost_minor"));
  p.mutable_sale_price()->set_currency_code(Field(r, "sale_currency"));
  p.mutable_sale_price()->set_minor_units(IntField(r, "sale_minor"));
  p.set_warranty_months(Int32(r, "warranty_months"));
  p.set_safety_stock(Int32(r, "safety_stock"));
  SetTime(p, &Proto<decltype(p)>::mutable_create_time, r, "create_time");
  SetTime(p, &Proto<decltype(p)>::mutable_update_time, r, "update_time");
}

void ToProto(const Record& r, v1::Location& l) {
  l.set_id(Field(r, "id"));
  l.set_name(Field(r, "name"));
  v1::Location::Type type = v1::Location::TYPE_UNSPECIFIED;
  v1::Location::Type_Parse(Field(r, "type"), &type);
  l.set_type(type);
  l.set_branch(Field(r, "branch"));
  l.set_engineer_id(Field(r, "engineer_id"));
  SetTime(l, &Proto<decltype(l)>::mutable_create_time, r, "create_time");
  SetTime(l, &Proto<decltype(l)>::mutable_update_time, r, "update_time");
}

void ToProto(const Record& r, v1::StockLevel& s) {
  s.set_location(Field(r, "location"));
  s.set_sku(Field(r, "sku"));
  s.set_on_hand(Int32(r, "on_hand"));
  s.set_reserved(Int32(r, "reserved"));
  s.set_available(s.on_hand() - s.reserved());
  s.set_reorder_point(Int32(r, "reorder_point"));
  s.set_in_repair(Int32(r, "in_repair"));
}

void ToProto(const Record& r, v1::Reservation& x) {
  x.set_id(Field(r, "id"));
  x.set_work_order_id(Field(r, "work_order_id"));
  x.set_sku(Field(r, "sku"));
  x.set_issued_quantity(Int32(r, "issued"));
  x.set_released_quantity(Int32(r, "released"));
  // `quantity` in the record is what is still held; the proto shows the whole.
  x.set_quantity(Int32(r, "quantity") + x.issued_quantity() + x.released_quantity());
  x.set_location(Field(r, "location"));
  v1::Reservation::Status status = v1::Reservation::STATUS_UNSPECIFIED;
  v1::Reservation::Status_Parse(Field(r, "status"), &status);
  x.set_status(status);
  SetTime(x, &Proto<decltype(x)>::mutable_create_time, r, "create_time");
  SetTime(x, &Proto<decltype(x)>::mutable_update_time, r, "update_time");
}

void ToProto(const Record& r, v1::AdvanceReplacement& a) {
  a.set_id(Field(r, "id"));
  a.set_ticket_number(Field(r, "ticket_number"));
  a.set_sku(Field(r, "sku"));
  a.set_ship_from(Field(r, "ship_from"));
  v1::AdvanceReplacement::Status status = v1::AdvanceReplacement::STATUS_UNSPECIFIED;
  v1::AdvanceReplacement::Status_Parse(Field(r, "status"), &status);
  a.set_status(status);
  SetTime(a, &Proto<decltype(a)>::mutable_return_due, r, "return_due");
  a.set_returned_serial(Field(r, "returned_serial"));
  SetTime(a, &Proto<decltype(a)>::mutable_return_time, r, "return_time");
  a.set_repair_id(Field(r, "repair_id"));
  SetTime(a, &Proto<decltype(a)>::mutable_create_time, r, "create_time");
  SetTime(a, &Proto<decltype(a)>::mutable_update_time, r, "update_time");
}

void ToProto(const Record& r, v1::Repair& x) {
  x.set_id(Field(r, "id"));
  x.set_sku(Field(r, "sku"));
  x.set_serial(Field(r, "serial"));
  x.set_location(Field(r, "location"));
  x.set_ticket_number(Field(r, "ticket_number"));
  x.set_overdue(Field(r, "overdue") == "1");
  v1::Repair::Status status = v1::Repair::STATUS_UNSPECIFIED;
  v1::Repair::Status_Parse(Field(r, "status"), &status);
  x.set_status(status);
  common::RepairOutcome outcome = common::REPAIR_OUTCOME_UNSPECIFIED;
  common::RepairOutcome_Parse(Field(r, "outcome"), &outcome);
  x.set_outcome(outcome);
  SetTime(x, &Proto<decltype(x)>::mutable_due_time, r, "due_time");
  SetTime(x, &Proto<decltype(x)>::mutable_complete_time, r, "complete_time");
  SetTime(x, &Proto<decltype(x)>::mutable_warranty_start_time, r, "warranty_start_time");
  SetTime(x, &Proto<decltype(x)>::mutable_warranty_end_time, r, "warranty_end_time");
  SetTime(x, &Proto<decltype(x)>::mutable_create_time, r, "create_time");
  SetTime(x, &Proto<decltype(x)>::mutable_update_time, r, "update_time");
}

void ToProto(const Record& r, v1::Loaner& x) {
  x.set_id(Field(r, "id"));
  x.set_ticket_number(Field(r, "ticket_number"));
  x.set_sku(Field(r, "sku"));
  x.set_serial(Field(r, "serial"));
  v1::Loaner::Status status = v1::Loaner::STATUS_UNSPECIFIED;
  v1::Loaner::Status_Parse(Field(r, "status"), &status);
  x.set_status(status);
  SetTime(x, &Proto<decltype(x)>::mutable_return_time, r, "return_time");
  SetTime(x, &Proto<decltype(x)>::mutable_create_time, r, "create_time");
  SetTime(x, &Proto<decltype(x)>::mutable_update_time, r, "update_time");
}

void ToProto(const Record& r, v1::ReplenishmentRequest& x) {
  x.set_id(Field(r, "id"));
  x.set_sku(Field(r, "sku"));
  x.set_location(Field(r, "location"));
  x.set_quantity(Int32(r, "quantity"));
  x.set_available(Int32(r, "available"));
  x.set_reorder_point(Int32(r, "reorder_point"));
  v1::ReplenishmentRequest::Status status = v1::ReplenishmentRequest::STATUS_UNSPECIFIED;
  v1::ReplenishmentRequest::Status_Parse(Field(r, "status"), &status);
  x.set_status(status);
  SetTime(x, &Proto<decltype(x)>::mutable_create_time, r, "create_time");
  SetTime(x, &Proto<decltype(x)>::mutable_update_time, r, "update_time");
}

Money FromProto(const common::Money& m) { return {m.currency_code(), m.minor_units()}; }

void CheckId(Validator& v, const std::string& id, const std::string& field) {
  v.Check(IsValidId(id), field, "required: up to 64 letters, digits, '-', '_' or '.'");
}
void CheckOptionalId(Validator& v, const std::string& id, const std::string& field) {
  v.Check(id.empty() || IsValidId(id), field, "letters, digits, '-', '_' or '.'");
}
void CheckQuantity(Validator& v, int64_t quantity, const std::string& field) {
  // Kept in a local: a temporary's member would dangle in the range-for.
  const Status status = ValidateQuantity(quantity, field);
  for (const auto& violation : status.field_violations()) {
    v.Check(false, violation.field, violation.description);
  }
}
void CheckSerial(Validator& v, const std::string& serial) {
  const Status status = ValidateSerial(serial);
  for (const auto& violation : status.field_violations()) {
    v.Check(false, violation.field, violation.description);
  }
}
std::string Indexed(const char* list, int i, const char* field) {
  std::string s(list);
  s += '[';
  s += std::to_string(i);
  s += "].";
  s += field;
  return s;
}

// A page of `items` from the offset in `page_token`; checks both fields.
struct Page {
  size_t begin = 0;
  size_t end = 0;
  std::string next_token;
};
Result<Page> PageOf(size_t total, int page_size, const std::string& page_token) {
  Validator v;
  v.Check(page_size >= 0, "pageSize", "must not be negative");
  size_t offset = 0;
  if (!page_token.empty()) {
    auto [ptr, ec] =
        std::from_chars(page_token.data(), page_token.data() + page_token.size(), offset);
    v.Check(ec == std::errc() && ptr == page_token.data() + page_token.size(), "pageToken",
            "not a token this service gave out");
  }
  if (!v.ok()) return v.ToStatus();
  const size_t size = page_size == 0 ? kDefaultPageSize : std::min(page_size, kMaxPageSize);
  Page page;
  page.begin = std::min(offset, total);
  page.end = std::min(page.begin + size, total);
  if (page.end < total) page.next_token = std::to_string(page.end);
  return page;
}

template <typename Message, typename Add>
Status FillPage(std::vector<Record> records, int page_size, const std::string& page_token, Add add,
                std::string* next_token) {
  auto page = PageOf(records.size(), page_size, page_token);
  if (!page.ok()) return page.status();
  for (size_t i = page->begin; i < page->end; ++i) ToProto(records[i], *add());
  *next_token = page->next_token;
  return Status::Ok();
}

}  // namespace

// ---------------------------------------------------------------- catalogue

grpc::ServerUnaryReactor* InventoryGrpcService::CreatePart(grpc::CallbackServerContext* context,
                                                           const v1::CreatePartRequest* in,
                                                           v1::Part* out) {
  PartSpec spec;
  spec.sku = in->sku();
  spec.name = in->name();
  spec.model = in->model();
  spec.category = static_cast<int>(in->category());
  spec.critical = in->critical();
  spec.cost_price = FromProto(in->cost_price());
  spec.sale_price = FromProto(in->sale_price());
  if (in->has_warranty_months()) spec.warranty_months = in->warranty_months();
  spec.safety_stock = in->safety_stock();
  auto part = NewPart(spec);
  if (!part.ok()) return Finish(context, part.status());
  auto stored = store_.CreatePart(*part, RequestIdFor(*context, in->request_id()));
  if (!stored.ok()) return Finish(context, stored.status());
  ToProto(*stored, *out);
  return Finish(context, Status::Ok());
}

grpc::ServerUnaryReactor* InventoryGrpcService::GetPart(grpc::CallbackServerContext* context,
                                                        const v1::GetPartRequest* in,
                                                        v1::Part* out) {
  Validator v;
  CheckId(v, in->sku(), "sku");
  if (!v.ok()) return Finish(context, v.ToStatus());
  auto part = store_.GetPart(in->sku());
  if (!part.ok()) return Finish(context, part.status());
  ToProto(*part, *out);
  return Finish(context, Status::Ok());
}

grpc::ServerUnaryReactor* InventoryGrpcService::CreateLocation(grpc::CallbackServerContext* context,
                                                               const v1::CreateLocationRequest* in,
                                                               v1::Location* out) {
  Location location{in->id(), in->name(), static_cast<LocationType>(in->type()), in->branch(),
                    in->engineer_id()};
  if (Status s = ValidateLocation(location); !s.ok()) return Finish(context, s);
  auto stored = store_.CreateLocation(location, RequestIdFor(*context, in->request_id()));
  if (!stored.ok()) return Finish(context, stored.status());
  ToProto(*stored, *out);
  return Finish(context, Status::Ok());
}

#define AS_INVENTORY_UNARY_IMPL(Method)                                                        \
  grpc::ServerUnaryReactor* InventoryGrpcService::Method(grpc::CallbackServerContext* context, \
                                                         const v1::Method##Request* request,   \
                                                         v1::Method##Response* response) {     \
    return Finish(context, Do##Method(*context, *request, *response));                         \
  }

AS_INVENTORY_UNARY_IMPL(ListLocations)
AS_INVENTORY_UNARY_IMPL(SetReorderPoint)
AS_INVENTORY_UNARY_IMPL(ReceiveStock)
AS_INVENTORY_UNARY_IMPL(TransferStock)
AS_INVENTORY_UNARY_IMPL(AdjustStock)
AS_INVENTORY_UNARY_IMPL(ListStockLevels)
AS_INVENTORY_UNARY_IMPL(ReserveParts)
AS_INVENTORY_UNARY_IMPL(IssueParts)
AS_INVENTORY_UNARY_IMPL(ReleaseParts)
AS_INVENTORY_UNARY_IMPL(ReceiveAdvanceReturn)
AS_INVENTORY_UNARY_IMPL(ListAdvanceReplacements)
AS_INVENTORY_UNARY_IMPL(CompleteRepair)
AS_INVENTORY_UNARY_IMPL(ReturnLoaner)
AS_INVENTORY_UNARY_IMPL(ListLoaners)
AS_INVENTORY_UNARY_IMPL(ListReplenishmentRequests)

Status InventoryGrpcService::DoListLocations(const grpc::CallbackServerContext&,
                                             const v1::ListLocationsRequest& in,
                                             v1::ListLocationsResponse& out) {
  auto all = store_.ListLocations();
  if (!all.ok()) return all.status();
  std::erase_if(*all, [&](const Record& r) {
    return (in.type() != v1::Location::TYPE_UNSPECIFIED &&
            Field(r, "type") != v1::Location::Type_Name(in.type())) ||
           (!in.branch().empty() && Field(r, "branch") != in.branch());
  });
  return FillPage<v1::Location>(
      std::move(*all), in.page_size(), in.page_token(), [&] { return out.add_locations(); },
      out.mutable_next_page_token());
}

Status InventoryGrpcService::DoSetReorderPoint(const grpc::CallbackServerContext& context,
                                               const v1::SetReorderPointRequest& in,
                                               v1::SetReorderPointResponse& out) {
  Validator v;
  CheckId(v, in.location(), "location");
  CheckId(v, in.sku(), "sku");
  v.Check(in.reorder_point() >= 0, "reorderPoint", "must not be negative");
  if (!v.ok()) return v.ToStatus();
  auto level = store_.SetReorderPoint(in.sku(), in.location(), in.reorder_point(),
                                      RequestIdFor(context, in.request_id()));
  if (!level.ok()) return level.status();
  ToProto(*level, *out.mutable_level());
  return Status::Ok();
}

// ---------------------------------------------------------------- stock

Status InventoryGrpcService::DoReceiveStock(const grpc::CallbackServerContext& context,
                                            const v1::ReceiveStockRequest& in,
                                            v1::ReceiveStockResponse& out) {
  Validator v;
  CheckId(v, in.location(), "location");
  CheckId(v, in.sku(), "sku");
  CheckQuantity(v, in.quantity(), "quantity");
  if (!v.ok()) return v.ToStatus();
  auto level = store_.Receive(in.sku(), in.location(), in.quantity(),
                              RequestIdFor(context, in.request_id()));
  if (!level.ok()) return level.status();
  ToProto(*level, *out.mutable_level());
  return Status::Ok();
}

Status InventoryGrpcService::DoTransferStock(const grpc::CallbackServerContext& context,
                                             const v1::TransferStockRequest& in,
                                             v1::TransferStockResponse& out) {
  Validator v;
  CheckId(v, in.from(), "from");
  CheckId(v, in.to(), "to");
  v.Check(in.from() != in.to(), "to", "must differ from `from`");
  CheckId(v, in.sku(), "sku");
  CheckQuantity(v, in.quantity(), "quantity");
  if (!v.ok()) return v.ToStatus();
  auto levels = store_.Transfer(in.sku(), in.from(), in.to(), in.quantity(),
                                RequestIdFor(context, in.request_id()));
  if (!levels.ok()) return levels.status();
  if (levels->size() != 2) return Internal("UNEXPECTED_REPLY", "a transfer answers two levels");
  ToProto((*levels)[0], *out.mutable_from_level());
  ToProto((*levels)[1], *out.mutable_to_level());
  return Status::Ok();
}

Status InventoryGrpcService::DoAdjustStock(const grpc::CallbackServerContext& context,
                                           const v1::AdjustStockRequest& in,
                                           v1::AdjustStockResponse& out) {
  Validator v;
  CheckId(v, in.location(), "location");
  CheckId(v, in.sku(), "sku");
  const Status adjustment = ValidateAdjustment(in.delta(), in.reason());
  for (const auto& violation : adjustment.field_violations()) {
    v.Check(false, violation.field, violation.description);
  }
  if (!v.ok()) return v.ToStatus();
  auto level = store_.Adjust(in.sku(), in.location(), in.delta(), in.reason(),
                             RequestIdFor(context, in.request_id()));
  if (!level.ok()) return level.status();
  ToProto(*level, *out.mutable_level());
  return Status::Ok();
}

Status InventoryGrpcService::DoListStockLevels(const grpc::CallbackServerContext&,
                                               const v1::ListStockLevelsRequest& in,
                                               v1::ListStockLevelsResponse& out) {
  Validator v;
  CheckOptionalId(v, in.sku(), "sku");
  CheckOptionalId(v, in.location(), "location");
  if (!v.ok()) return v.ToStatus();
  auto levels = store_.ListLevels(in.sku(), in.location());
  if (!levels.ok()) return levels.status();
  return FillPage<v1::StockLevel>(
      std::move(*levels), in.page_size(), in.page_token(), [&] { return out.add_levels(); },
      out.mutable_next_page_token());
}

// ---------------------------------------------------------------- reservations

Status InventoryGrpcService::DoReserveParts(const grpc::CallbackServerContext& context,
                                            const v1::ReservePartsRequest& in,
                                            v1::ReservePartsResponse& out) {
  Validator v;
  CheckId(v, in.work_order_id(), "workOrderId");
  CheckOptionalId(v, in.engineer_id(), "engineerId");
  CheckOptionalId(v, in.branch(), "branch");
  v.Check(in.lines_size() > 0, "lines", "at least one part line");
  std::vector<ReserveLine> lines;
  for (int i = 0; i < in.lines_size(); ++i) {
    CheckId(v, in.lines(i).sku(), Indexed("lines", i, "sku"));
    CheckQuantity(v, in.lines(i).quantity(), Indexed("lines", i, "quantity"));
    lines.push_back({in.lines(i).sku(), in.lines(i).quantity()});
  }
  if (!v.ok()) return v.ToStatus();
  auto records = store_.Reserve(in.work_order_id(), in.engineer_id(), in.branch(), lines,
                                RequestIdFor(context, in.request_id()));
  if (!records.ok()) return records.status();
  for (const Record& r : *records) {
    if (Field(r, "kind") == "shortage") {
      auto* line = out.add_shortages();
      line->set_sku(Field(r, "sku"));
      line->set_quantity(Int32(r, "quantity"));
    } else {
      ToProto(r, *out.add_reservations());
    }
  }
  return Status::Ok();
}

Status InventoryGrpcService::DoIssueParts(const grpc::CallbackServerContext& context,
                                          const v1::IssuePartsRequest& in,
                                          v1::IssuePartsResponse& out) {
  Validator v;
  CheckId(v, in.work_order_id(), "workOrderId");
  std::vector<UsedPart> parts;
  for (int i = 0; i < in.parts_size(); ++i) {
    const auto& p = in.parts(i);
    CheckId(v, p.sku(), Indexed("parts", i, "sku"));
    CheckQuantity(v, p.quantity(), Indexed("parts", i, "quantity"));
    CheckOptionalId(v, p.location(), Indexed("parts", i, "location"));
    parts.push_back({p.sku(), p.quantity(), p.location(), p.serial_in(), p.serial_out()});
  }
  if (!v.ok()) return v.ToStatus();
  auto records = store_.Issue(in.work_order_id(), parts, in.release_rest(),
                              RequestIdFor(context, in.request_id()));
  if (!records.ok()) return records.status();
  for (const Record& r : *records) ToProto(r, *out.add_reservations());
  return Status::Ok();
}

Status InventoryGrpcService::DoReleaseParts(const grpc::CallbackServerContext& context,
                                            const v1::ReleasePartsRequest& in,
                                            v1::ReleasePartsResponse& out) {
  Validator v;
  CheckId(v, in.work_order_id(), "workOrderId");
  std::vector<ReserveLine> lines;
  for (int i = 0; i < in.lines_size(); ++i) {
    CheckId(v, in.lines(i).sku(), Indexed("lines", i, "sku"));
    CheckQuantity(v, in.lines(i).quantity(), Indexed("lines", i, "quantity"));
    lines.push_back({in.lines(i).sku(), in.lines(i).quantity()});
  }
  if (!v.ok()) return v.ToStatus();
  auto records = store_.Release(in.work_order_id(), lines, RequestIdFor(context, in.request_id()));
  if (!records.ok()) return records.status();
  for (const Record& r : *records) ToProto(r, *out.add_reservations());
  return Status::Ok();
}

// ---------------------------------------------------------------- advance replacements

grpc::ServerUnaryReactor* InventoryGrpcService::CreateAdvanceReplacement(
    grpc::CallbackServerContext* context, const v1::CreateAdvanceReplacementRequest* in,
    v1::AdvanceReplacement* out) {
  Validator v;
  v.Check(!in->ticket_number().empty(), "ticketNumber", "required");
  CheckId(v, in->sku(), "sku");
  CheckId(v, in->ship_from(), "shipFrom");
  if (!v.ok()) return Finish(context, v.ToStatus());
  std::optional<TimePoint> requested;
  if (in->has_return_due()) {
    requested = TimePoint(
        std::chrono::duration_cast<Duration>(std::chrono::seconds(in->return_due().seconds()) +
                                             std::chrono::nanoseconds(in->return_due().nanos())));
  }
  auto due = AdvanceReturnDue(clock_.Now(), requested, policy_.return_window);
  if (!due.ok()) return Finish(context, due.status());
  auto stored = store_.CreateAdvanceReplacement(in->ticket_number(), in->sku(), in->ship_from(),
                                                *due, RequestIdFor(*context, in->request_id()));
  if (!stored.ok()) return Finish(context, stored.status());
  ToProto(*stored, *out);
  return Finish(context, Status::Ok());
}

Status InventoryGrpcService::DoReceiveAdvanceReturn(const grpc::CallbackServerContext& context,
                                                    const v1::ReceiveAdvanceReturnRequest& in,
                                                    v1::ReceiveAdvanceReturnResponse& out) {
  Validator v;
  CheckId(v, in.advance_replacement_id(), "advanceReplacementId");
  CheckSerial(v, in.serial());
  if (!v.ok()) return v.ToStatus();
  auto stored = store_.ReceiveAdvanceReturn(in.advance_replacement_id(), in.serial(),
                                            RequestIdFor(context, in.request_id()));
  if (!stored.ok()) return stored.status();
  ToProto(*stored, *out.mutable_advance_replacement());
  return Status::Ok();
}

Status InventoryGrpcService::DoListAdvanceReplacements(const grpc::CallbackServerContext&,
                                                       const v1::ListAdvanceReplacementsRequest& in,
                                                       v1::ListAdvanceReplacementsResponse& out) {
  auto all = store_.ListAdvanceReplacements(in.overdue());
  if (!all.ok()) return all.status();
  if (!in.ticket_number().empty()) {
    std::erase_if(*all,
                  [&](const Record& r) { return Field(r, "ticket_number") != in.ticket_number(); });
  }
  return FillPage<v1::AdvanceReplacement>(
      std::move(*all), in.page_size(), in.page_token(),
      [&] { return out.add_advance_replacements(); }, out.mutable_next_page_token());
}

// ---------------------------------------------------------------- repairs and loaners

grpc::ServerUnaryReactor* InventoryGrpcService::CreateRepair(grpc::CallbackServerContext* context,
                                                             const v1::CreateRepairRequest* in,
                                                             v1::Repair* out) {
  Validator v;
  CheckId(v, in->sku(), "sku");
  CheckId(v, in->location(), "location");
  CheckSerial(v, in->serial());
  if (!v.ok()) return Finish(context, v.ToStatus());
  auto stored = store_.CreateRepair(in->sku(), in->serial(), in->location(), in->ticket_number(),
                                    RequestIdFor(*context, in->request_id()));
  if (!stored.ok()) return Finish(context, stored.status());
  ToProto(*stored, *out);
  return Finish(context, Status::Ok());
}

Status InventoryGrpcService::DoCompleteRepair(const grpc::CallbackServerContext& context,
                                              const v1::CompleteRepairRequest& in,
                                              v1::CompleteRepairResponse& out) {
  Validator v;
  CheckId(v, in.repair_id(), "repairId");
  v.Check(in.outcome() == common::REPAIRED || in.outcome() == common::SCRAPPED, "outcome",
          "required: REPAIRED or SCRAPPED");
  if (!v.ok()) return v.ToStatus();
  auto stored = store_.CompleteRepair(in.repair_id(), static_cast<RepairOutcome>(in.outcome()),
                                      RequestIdFor(context, in.request_id()));
  if (!stored.ok()) return stored.status();
  ToProto(*stored, *out.mutable_repair());
  return Status::Ok();
}

grpc::ServerUnaryReactor* InventoryGrpcService::CreateLoaner(grpc::CallbackServerContext* context,
                                                             const v1::CreateLoanerRequest* in,
                                                             v1::Loaner* out) {
  Validator v;
  v.Check(!in->ticket_number().empty(), "ticketNumber", "required");
  CheckId(v, in->sku(), "sku");
  CheckSerial(v, in->serial());
  if (!v.ok()) return Finish(context, v.ToStatus());
  auto stored = store_.CreateLoaner(in->ticket_number(), in->sku(), in->serial(),
                                    RequestIdFor(*context, in->request_id()));
  if (!stored.ok()) return Finish(context, stored.status());
  ToProto(*stored, *out);
  return Finish(context, Status::Ok());
}

Status InventoryGrpcService::DoReturnLoaner(const grpc::CallbackServerContext& context,
                                            const v1::ReturnLoanerRequest& in,
                                            v1::ReturnLoanerResponse& out) {
  Validator v;
  CheckId(v, in.loaner_id(), "loanerId");
  if (!v.ok()) return v.ToStatus();
  auto stored = store_.ReturnLoaner(in.loaner_id(), RequestIdFor(context, in.request_id()));
  if (!stored.ok()) return stored.status();
  ToProto(*stored, *out.mutable_loaner());
  return Status::Ok();
}

Status InventoryGrpcService::DoListLoaners(const grpc::CallbackServerContext&,
                                           const v1::ListLoanersRequest& in,
                                           v1::ListLoanersResponse& out) {
  auto all = store_.ListLoaners(in.outstanding());
  if (!all.ok()) return all.status();
  if (!in.ticket_number().empty()) {
    std::erase_if(*all,
                  [&](const Record& r) { return Field(r, "ticket_number") != in.ticket_number(); });
  }
  return FillPage<v1::Loaner>(
      std::move(*all), in.page_size(), in.page_token(), [&] { return out.add_loaners(); },
      out.mutable_next_page_token());
}

Status InventoryGrpcService::DoListReplenishmentRequests(
    const grpc::CallbackServerContext&, const v1::ListReplenishmentRequestsRequest& in,
    v1::ListReplenishmentRequestsResponse& out) {
  auto all = store_.ListReplenishments();
  if (!all.ok()) return all.status();
  std::erase_if(*all, [&](const Record& r) {
    return (!in.location().empty() && Field(r, "location") != in.location()) ||
           (!in.sku().empty() && Field(r, "sku") != in.sku()) ||
           (in.status() != v1::ReplenishmentRequest::STATUS_UNSPECIFIED &&
            Field(r, "status") != v1::ReplenishmentRequest::Status_Name(in.status()));
  });
  return FillPage<v1::ReplenishmentRequest>(
      std::move(*all), in.page_size(), in.page_token(),
      [&] { return out.add_replenishment_requests(); }, out.mutable_next_page_token());
}

}  // namespace aftersales::inventory

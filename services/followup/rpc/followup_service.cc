#include "services/followup/rpc/followup_service.h"

#include <charconv>

#include "services/common/grpc/status_mapping.h"
#include "services/common/runtime/uuid.h"

namespace aftersales::followup {
namespace {

namespace pb = ::google::protobuf;

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;

grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context, const Status& status) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(grpcx::ToGrpcStatus(status));
  return reactor;
}

std::string Metadata(const grpc::CallbackServerContext& ctx, const std::string& key) {
  const auto& md = ctx.client_metadata();
  auto it = md.find(key);
  if (it == md.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

struct Caller {
  std::string role;
  std::string subject;
  std::string customer_id;
  bool is_customer() const { return role == "customer"; }
  std::string actor() const {
    if (role.empty()) return "system";
    std::string a = role;
    a += ':';
    a += is_customer() ? customer_id : subject;
    return a;
  }
  // A customer sees only its own records; anyone else sees all.
  bool MaySee(const std::string& owner) const { return !is_customer() || owner == customer_id; }
};

Caller CallerOf(const grpc::CallbackServerContext& ctx) {
  return {Metadata(ctx, "x-caller-role"), Metadata(ctx, "x-caller-subject"),
          Metadata(ctx, "x-caller-customer-id")};
}

void SetTime(pb::Timestamp* ts, TimePoint t) {
  const int64_t ms = ToUnixMillis(t);
  ts->set_seconds(ms / 1000);
  ts->set_nanos(static_cast<int32_t>(ms % 1000) * 1'000'000);
}
TimePoint FromProto(const pb::Timestamp& ts) {
  return FromUnixMillis(ts.seconds() * 1000 + ts.nanos() / 1'000'000);
}

// page_size (default 50, at most 500) and page_token (an offset we handed out).
Status Paging(int32_t page_size, const std::string& token, int& size, int& offset) {
  Validator v;
  v.Check(page_size >= 0, "pageSize", "must not be negative");
  offset = 0;
  if (!token.empty()) {
    auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), offset);
    v.Check(ec == std::errc() && end == token.data() + token.size() && offset >= 0, "pageToken",
            "not a token this service handed out");
  }
  if (!v.ok()) return v.ToStatus();
  size = page_size == 0 ? kDefaultPageSize : std::min(page_size, kMaxPageSize);
  return Status::Ok();
}

void ToProto(const Task& t, v1::Followup& f) {
  f.set_id(t.id);
  f.set_kind(static_cast<v1::Followup::Kind>(t.kind));
  f.set_status(static_cast<v1::Followup::Status>(t.status));
  SetTime(f.mutable_due(), t.due);
  f.set_ticket_number(t.ticket_number);
  f.set_customer_id(t.customer_id);
  f.set_asset_serial(t.asset_serial);
  f.set_maintenance_plan_id(t.maintenance_plan_id);
  f.set_detail(t.detail);
  if (t.status == TaskStatus::kDone) {
    auto* o = f.mutable_outcome();
    o->set_satisfaction(t.outcome.satisfaction);
    o->set_comment(t.outcome.comment);
    o->set_fault_back(t.outcome.fault_back);
    SetTime(o->mutable_complete_time(), t.outcome.complete_time);
    o->set_complaint_id(t.outcome.complaint_id);
  }
  SetTime(f.mutable_create_time(), t.create_time);
  SetTime(f.mutable_update_time(), t.update_time);
}

void ToProto(const Complaint& k, v1::Complaint& c) {
  c.set_id(k.id);
  c.set_customer_id(k.customer_id);
  c.set_ticket_number(k.ticket_number);
  c.set_text(k.text);
  c.set_status(static_cast<v1::Complaint::Status>(k.status));
  for (const auto& s : k.steps) {
    auto* step = c.add_steps();
    SetTime(step->mutable_time(), s.time);
    step->set_status(static_cast<v1::Complaint::Status>(s.status));
    step->set_note(s.note);
    step->set_actor(s.actor);
  }
  SetTime(c.mutable_resolve_due(), k.resolve_due);
  c.set_escalation_level(k.escalation_level);
  c.set_followup_id(k.followup_id);
  SetTime(c.mutable_create_time(), k.create_time);
  SetTime(c.mutable_update_time(), k.update_time);
}

void ToProto(const MaintenancePlan& p, v1::MaintenancePlan& m) {
  m.set_id(p.id);
  m.set_site_id(p.site_id);
  m.set_asset_serial(p.asset_serial);
  m.set_customer_id(p.customer_id);
  m.set_cadence(static_cast<v1::MaintenancePlan::Cadence>(p.cadence));
  m.set_starts_on(p.starts_on.ToString());
  SetTime(m.mutable_next_visit_time(), p.next_visit);
  SetTime(m.mutable_create_time(), p.create_time);
  SetTime(m.mutable_update_time(), p.update_time);
}

void SetDuration(pb::Duration* d, int64_t ms) {
  d->set_seconds(ms / 1000);
  d->set_nanos(static_cast<int32_t>(ms % 1000) * 1'000'000);
}

Status NotFoundFollowup(const std::string& id) {
  return NotFound("FOLLOWUP_NOT_FOUND", "followup " + id + " does not exist");
}

}  // namespace

grpc::ServerUnaryReactor* FollowupGrpcService::ListFollowups(
    grpc::CallbackServerContext* context, const v1::ListFollowupsRequest* request,
    v1::ListFollowupsResponse* response) {
  const Caller caller = CallerOf(*context);
  int size = 0, offset = 0;
  if (Status s = Paging(request->page_size(), request->page_token(), size, offset); !s.ok()) {
    return Finish(context, s);
  }
  Validator v;
  v.Check(request->kind() >= 0 && request->kind() <= 5, "kind", "unknown kind");
  v.Check(request->status() >= 0 && request->status() <= 2, "status", "unknown status");
  if (!v.ok()) return Finish(context, v.ToStatus());
  TaskFilter f;
  if (request->kind() != 0) f.kind = static_cast<TaskKind>(request->kind());
  if (request->status() != 0) f.status = static_cast<TaskStatus>(request->status());
  if (request->has_due_before()) f.due_before = FromProto(request->due_before());
  f.ticket_number = request->ticket_number();
  f.customer_id = caller.is_customer() ? caller.customer_id : request->customer_id();
  if (caller.is_customer() && caller.customer_id.empty()) {
    return Finish(context, Status::Ok());  // a customer token without a customer sees nothing
  }
  auto page = store_.ListTasks(f, size, offset);
  if (!page.ok()) return Finish(context, page.status());
  for (const Task& t : page->items) ToProto(t, *response->add_followups());
  response->set_next_page_token(page->next_page_token);
  return Finish(context, Status::Ok());
}

grpc::ServerUnaryReactor* FollowupGrpcService::CompleteFollowup(
    grpc::CallbackServerContext* context, const v1::CompleteFollowupRequest* request,
    v1::CompleteFollowupResponse* response) {
  const Caller caller = CallerOf(*context);
  if (request->followup_id().empty()) {
    return Finish(context, InvalidArgument("INVALID_ARGUMENT", "followupId is required",
                                           {{"followupId", "required"}}));
  }
  auto task = store_.GetTask(request->followup_id());
  if (!task.ok()) return Finish(context, task.status());
  if (!caller.MaySee(task->customer_id)) return Finish(context, NotFoundFollowup(task->id));
  auto done = store_.CompleteTask(
      task->id, {request->satisfaction(), request->comment(), request->fault_back()},
      caller.actor(), request->request_id());
  if (!done.ok()) return Finish(context, done.status());
  ToProto(*done, *response->mutable_followup());
  return Finish(context, Status::Ok());
}

grpc::ServerUnaryReactor* FollowupGrpcService::CreateComplaint(
    grpc::CallbackServerContext* context, const v1::CreateComplaintRequest* request,
    v1::Complaint* response) {
  const Caller caller = CallerOf(*context);
  const std::string customer = caller.is_customer() ? caller.customer_id : request->customer_id();
  auto k = store_.CreateComplaint(customer, request->ticket_number(), request->text(),
                                  caller.actor(), request->request_id());
  if (!k.ok()) return Finish(context, k.status());
  ToProto(*k, *response);
  return Finish(context, Status::Ok());
}

grpc::ServerUnaryReactor* FollowupGrpcService::AdvanceComplaint(
    grpc::CallbackServerContext* context, const v1::AdvanceComplaintRequest* request,
    v1::AdvanceComplaintResponse* response) {
  const Caller caller = CallerOf(*context);
  Validator v;
  v.Check(!request->complaint_id().empty(), "complaintId", "required");
  v.Check(request->status() >= 2 && request->status() <= 4, "status",
          "one of INVESTIGATING, RESOLVED, CONFIRMED");
  if (!v.ok()) return Finish(context, v.ToStatus());
  auto k = store_.GetComplaint(request->complaint_id());
  if (!k.ok()) return Finish(context, k.status());
  if (!caller.MaySee(k->customer_id)) {
    return Finish(context, NotFound("COMPLAINT_NOT_FOUND",
                                    "complaint " + request->complaint_id() + " does not exist"));
  }
  const auto to = static_cast<ComplaintStatus>(request->status());
  // The customer confirms a resolution or says it did not hold; staff do the rest.
  if (caller.is_customer() && to == ComplaintStatus::kResolved) {
    return Finish(context,
                  PermissionDenied("CUSTOMER_CANNOT_RESOLVE", "care staff resolve complaints"));
  }
  auto advanced =
      store_.AdvanceComplaint(k->id, to, request->note(), caller.actor(), request->request_id());
  if (!advanced.ok()) return Finish(context, advanced.status());
  ToProto(*advanced, *response->mutable_complaint());
  return Finish(context, Status::Ok());
}

grpc::ServerUnaryReactor* FollowupGrpcService::ListComplaints(
    grpc::CallbackServerContext* context, const v1::ListComplaintsRequest* request,
    v1::ListComplaintsResponse* response) {
  const Caller caller = CallerOf(*context);
  int size = 0, offset = 0;
  if (Status s = Paging(request->page_size(), request->page_token(), size, offset); !s.ok()) {
    return Finish(context, s);
  }
  if (request->status() < 0 || request->status() > 4) {
    return Finish(context, InvalidArgument("INVALID_ARGUMENT", "unknown status",
                                           {{"status", "unknown status"}}));
  }
  if (caller.is_customer() && caller.customer_id.empty()) return Finish(context, Status::Ok());
  ComplaintFilter f;
  f.customer_id = caller.is_customer() ? caller.customer_id : request->customer_id();
  f.ticket_number = request->ticket_number();
  if (request->status() != 0) f.status = static_cast<ComplaintStatus>(request->status());
  auto page = store_.ListComplaints(f, size, offset);
  if (!page.ok()) return Finish(context, page.status());
  for (const Complaint& k : page->items) ToProto(k, *response->add_complaints());
  response->set_next_page_token(page->next_page_token);
  return Finish(context, Status::Ok());
}

grpc::ServerUnaryReactor* FollowupGrpcService::CreateMaintenancePlan(
    grpc::CallbackServerContext* context, const v1::CreateMaintenancePlanRequest* request,
    v1::MaintenancePlan* response) {
  const Caller caller = CallerOf(*context);
  if (caller.is_customer()) {
    return Finish(context, PermissionDenied("STAFF_ONLY", "maintenance plans are set by staff"));
  }
  auto p = store_.CreatePlan(request->site_id(), request->asset_serial(), "",
                             static_cast<int>(request->cadence()), request->starts_on(),
                             request->request_id());
  if (!p.ok()) return Finish(context, p.status());
  ToProto(*p, *response);
  return Finish(context, Status::Ok());
}

grpc::ServerUnaryReactor* FollowupGrpcService::ListMaintenancePlans(
    grpc::CallbackServerContext* context, const v1::ListMaintenancePlansRequest* request,
    v1::ListMaintenancePlansResponse* response) {
  const Caller caller = CallerOf(*context);
  int size = 0, offset = 0;
  if (Status s = Paging(request->page_size(), request->page_token(), size, offset); !s.ok()) {
    return Finish(context, s);
  }
  if (caller.is_customer() && caller.customer_id.empty()) return Finish(context, Status::Ok());
  PlanFilter f;
  f.site_id = request->site_id();
  f.asset_serial = request->asset_serial();
  f.customer_id = caller.is_customer() ? caller.customer_id : request->customer_id();
  auto page = store_.ListPlans(f, size, offset);
  if (!page.ok()) return Finish(context, page.status());
  for (const auto& p : page->items) ToProto(p, *response->add_maintenance_plans());
  response->set_next_page_token(page->next_page_token);
  return Finish(context, Status::Ok());
}

grpc::ServerUnaryReactor* FollowupGrpcService::GetServiceReport(
    grpc::CallbackServerContext* context, const v1::GetServiceReportRequest* request,
    v1::ServiceReport* response) {
  const Caller caller = CallerOf(*context);
  if (caller.is_customer()) {
    return Finish(context, PermissionDenied("STAFF_ONLY", "the service report is for staff"));
  }
  // Absent: the 30 days up to now.
  const TimePoint to = request->has_to() ? FromProto(request->to()) : clock_.Now();
  const TimePoint from =
      request->has_from() ? FromProto(request->from()) : to - std::chrono::hours(24 * 30);
  if (from >= to) {
    return Finish(context, InvalidArgument("INVALID_ARGUMENT", "the period is empty",
                                           {{"to", "must be after from"}}));
  }
  // Counters are kept per UTC day: a period covers every day it touches.
  const int64_t from_day = DayOf(from);
  const int64_t to_day = DayOf(to - std::chrono::milliseconds(1)) + 1;
  auto f = store_.Report(from_day, to_day, request->branch(), request->product_line());
  if (!f.ok()) return Finish(context, f.status());
  SetTime(response->mutable_from(), from);
  SetTime(response->mutable_to(), to);
  response->set_branch(request->branch());
  response->set_product_line(request->product_line());
  for (const auto& d : f->deadlines) {
    auto* s = response->add_deadlines();
    s->set_clock(static_cast<common::v1::DeadlineClock>(d.clock));
    s->set_severity(static_cast<common::v1::Severity>(d.severity));
    s->set_total(d.met + d.breached);
    s->set_met(d.met);
    s->set_breached(d.breached);
    s->set_met_ratio(d.met + d.breached == 0
                         ? 0.0
                         : static_cast<double>(d.met) / static_cast<double>(d.met + d.breached));
  }
  SetDuration(response->mutable_mean_time_to_respond(),
              f->MeanMs(f->respond_ms_total, f->respond_count));
  SetDuration(response->mutable_mean_time_to_arrive(),
              f->MeanMs(f->arrive_ms_total, f->arrive_count));
  SetDuration(response->mutable_mean_time_to_repair(),
              f->MeanMs(f->repair_ms_total, f->repair_count));
  response->set_visits(f->visits);
  response->set_first_time_fix_rate(f->FirstTimeFixRate());
  response->set_repeat_visits(f->repeat_visits);
  response->set_surveys(f->surveys);
  response->set_satisfaction_average(f->satisfaction_average);
  for (const auto& [score, count] : f->satisfaction) {
    auto* s = response->add_satisfaction_distribution();
    s->set_score(score);
    s->set_count(count);
  }
  response->set_complaints_opened(f->complaints_opened);
  response->set_complaints_resolved(f->complaints_resolved);
  for (const auto& [sku, qty] : f->parts_used) {
    auto* p = response->add_parts_used();
    p->set_sku(sku);
    p->set_quantity(qty);
  }
  response->set_overdue_returns(f->overdue_returns);
  return Finish(context, Status::Ok());
}

grpc::ServerUnaryReactor* FollowupGrpcService::NotifyProductChange(
    grpc::CallbackServerContext* context, const v1::NotifyProductChangeRequest* request,
    v1::NotifyProductChangeResponse* response) {
  const Caller caller = CallerOf(*context);
  if (caller.is_customer()) {
    return Finish(context, PermissionDenied("STAFF_ONLY", "product notices are sent by staff"));
  }
  Validator v;
  v.Check(!request->model().empty() && request->model().size() <= 128, "model",
          "required, at most 128 bytes");
  v.Check(request->change() == v1::NotifyProductChangeRequest::UPGRADED ||
              request->change() == v1::NotifyProductChangeRequest::WITHDRAWN,
          "change", "one of UPGRADED, WITHDRAWN");
  v.Check(request->detail().size() <= 4000, "detail", "at most 4000 bytes");
  if (!v.ok()) return Finish(context, v.ToStatus());
  std::string detail = request->model();
  detail +=
      request->change() == v1::NotifyProductChangeRequest::UPGRADED ? " upgraded" : " withdrawn";
  if (!request->detail().empty()) {
    detail += ": ";
    detail += request->detail();
  }
  // The request id names the notice: a retried request finds the same tasks.
  const std::string notice = request->request_id().empty() ? NewUuid() : request->request_id();
  auto tasks = store_.NotifyModel(notice, request->model(), detail);
  if (!tasks.ok()) return Finish(context, tasks.status());
  for (const Task& t : *tasks) ToProto(t, *response->add_followups());
  return Finish(context, Status::Ok());
}

}  // namespace aftersales::followup

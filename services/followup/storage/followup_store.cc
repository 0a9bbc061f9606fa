#include "services/followup/storage/followup_store.h"

#include <algorithm>
#include <map>

#include "aftersales/events/v1/followup_events.pb.h"
#include "services/followup/storage/keys.h"

namespace aftersales::followup {
namespace {

using Hash = std::map<std::string, std::string>;
constexpr char kRequestTtl[] = "86400";
constexpr char kSep = '\x1f';
// Effect markers of consumed events outlive any redelivery window (30 days);
// the report's outlive the streams it is rebuilt from (the rebuild clears them).
constexpr int64_t kEffectTtlSeconds = 30LL * 24 * 3600;
constexpr int64_t kReportMarkerTtlSeconds = 800LL * 24 * 3600;

std::string Ms(TimePoint t) { return std::to_string(ToUnixMillis(t)); }
int64_t Int(const Hash& h, const std::string& f) {
  auto it = h.find(f);
  if (it == h.end() || it->second.empty()) return 0;
  try {
    return std::stoll(it->second);
  } catch (...) {
    return 0;
  }
}
std::string Str(const Hash& h, const std::string& f) {
  auto it = h.find(f);
  return it == h.end() ? "" : it->second;
}
TimePoint Time(const Hash& h, const std::string& f) { return FromUnixMillis(Int(h, f)); }

Hash ToHash(redis::ReplyView v) {
  Hash h;
  for (size_t i = 0; i + 1 < v.size(); i += 2) h[v[i].string()] = v[i + 1].string();
  return h;
}

google::protobuf::Timestamp Proto(TimePoint t) {
  google::protobuf::Timestamp ts;
  const int64_t ms = ToUnixMillis(t);
  ts.set_seconds(ms / 1000);
  ts.set_nanos(static_cast<int32_t>(ms % 1000) * 1'000'000);
  return ts;
}

streams::EventToPublish Event(IdGenerator& ids, const google::protobuf::Message& m,
                              const std::string& aggregate, TimePoint now) {
  streams::EventToPublish e;
  e.event_id = ids.NewId();
  e.type = std::string(m.GetDescriptor()->full_name());
  e.aggregate_id = aggregate;
  e.time_ms = ToUnixMillis(now);
  e.payload = m.SerializeAsString();
  return e;
}

const char* KindName(TaskKind k) {
  switch (k) {
    case TaskKind::kReturnVisit:
      return "RETURN_VISIT";
    case TaskKind::kReconfirm:
      return "RECONFIRM";
    case TaskKind::kMaintenance:
      return "MAINTENANCE";
    case TaskKind::kWarrantyExpiry:
      return "WARRANTY_EXPIRY";
    case TaskKind::kProductNotice:
      return "PRODUCT_NOTICE";
  }
  return "KIND_UNSPECIFIED";
}

const char* StatusName(ComplaintStatus s) {
  switch (s) {
    case ComplaintStatus::kReceived:
      return "RECEIVED";
    case ComplaintStatus::kInvestigating:
      return "INVESTIGATING";
    case ComplaintStatus::kResolved:
      return "RESOLVED";
    case ComplaintStatus::kConfirmed:
      return "CONFIRMED";
  }
  return "STATUS_UNSPECIFIED";
}

Task TaskFromHash(const Hash& h) {
  Task t;
  t.id = Str(h, "id");
  t.kind = static_cast<TaskKind>(Int(h, "kind"));
  t.status = static_cast<TaskStatus>(Int(h, "status"));
  t.due = Time(h, "due");
  t.ticket_number = Str(h, "ticket");
  t.customer_id = Str(h, "customer");
  t.asset_serial = Str(h, "asset");
  t.maintenance_plan_id = Str(h, "plan");
  t.detail = Str(h, "detail");
  t.outcome.satisfaction = static_cast<int>(Int(h, "satisfaction"));
  t.outcome.comment = Str(h, "comment");
  t.outcome.fault_back = Int(h, "fault_back") == 1;
  t.outcome.complete_time = Time(h, "complete_time");
  t.outcome.complaint_id = Str(h, "complaint");
  t.create_time = Time(h, "create_time");
  t.update_time = Time(h, "update_time");
  return t;
}

std::string StepLine(const ComplaintStep& s) {
  std::string line = Ms(s.time);
  line += kSep;
  line += std::to_string(static_cast<int>(s.status));
  line += kSep;
  line += s.actor;
  line += kSep;
  line += s.note;
  return line;
}

ComplaintStep StepFromLine(const std::string& line) {
  ComplaintStep s;
  const size_t a = line.find(kSep);
  const size_t b = a == std::string::npos ? a : line.find(kSep, a + 1);
  const size_t c = b == std::string::npos ? b : line.find(kSep, b + 1);
  if (c == std::string::npos) return s;
  s.time = FromUnixMillis(std::stoll(line.substr(0, a)));
  s.status = static_cast<ComplaintStatus>(std::stoi(line.substr(a + 1, b - a - 1)));
  s.actor = line.substr(b + 1, c - b - 1);
  s.note = line.substr(c + 1);
  return s;
}

MaintenancePlan PlanFromHash(const Hash& h) {
  MaintenancePlan p;
  p.id = Str(h, "id");
  p.site_id = Str(h, "site");
  p.asset_serial = Str(h, "asset");
  p.customer_id = Str(h, "customer");
  p.contract_cadence = static_cast<Cadence>(Int(h, "contract_cadence"));
  p.cadence = static_cast<Cadence>(Int(h, "cadence"));
  p.starts_on = CivilDate::Parse(Str(h, "starts_on")).value_or(CivilDate{});
  p.next_visit = Time(h, "next_visit");
  p.create_time = Time(h, "create_time");
  p.update_time = Time(h, "update_time");
  return p;
}

std::string PlanTimer(const std::string& id) {
  std::string m = "plan:";
  m += id;
  return m;
}
std::string TaskTimer(const std::string& id) {
  std::string m = "task:";
  m += id;
  return m;
}
std::string ComplaintTimer(const std::string& id) {
  std::string m = "complaint:";
  m += id;
  return m;
}

template <typename T>
Page<T> Paginate(std::vector<T> all, int page_size, int offset) {
  Page<T> page;
  const size_t from = std::min<size_t>(all.size(), static_cast<size_t>(std::max(0, offset)));
  const size_t to = std::min<size_t>(all.size(), from + static_cast<size_t>(page_size));
  for (size_t i = from; i < to; ++i) page.items.push_back(std::move(all[i]));
  if (to < all.size()) page.next_page_token = std::to_string(to);
  return page;
}

// The report's facts, read from Redis for one event.
class RedisReportFacts final : public ReportFactsView {
 public:
  Hash ticket, work_order;
  std::string ticket_number, work_order_id, asset, fault;
  std::optional<int64_t> last_done;

  std::optional<TicketFacts> Ticket(const std::string& t) const override {
    if (t != ticket_number || ticket.empty()) return std::nullopt;
    TicketFacts f;
    f.branch = Str(ticket, "branch");
    f.product_line = Str(ticket, "line");
    f.report_ms = Int(ticket, "report_ms");
    const std::string breached = Str(ticket, "breached");
    size_t start = 0;
    while (start < breached.size()) {
      size_t comma = breached.find(',', start);
      if (comma == std::string::npos) comma = breached.size();
      if (comma > start) f.breached_clocks.insert(std::stoi(breached.substr(start, comma - start)));
      start = comma + 1;
    }
    return f;
  }
  std::optional<WorkOrderFacts> WorkOrder(const std::string& w) const override {
    if (w != work_order_id || work_order.empty()) return std::nullopt;
    return WorkOrderFacts{Str(work_order, "ticket"), Str(work_order, "branch"),
                          static_cast<int>(Int(work_order, "severity"))};
  }
  std::optional<int64_t> LastDone(const std::string& a, const std::string& f) const override {
    if (a != asset || f != fault) return std::nullopt;
    return last_done;
  }
};

std::string LastDoneField(const std::string& asset, const std::string& fault) {
  std::string f = asset;
  f += kSep;
  f += fault;
  return f;
}

}  // namespace

FollowupStore::FollowupStore(redis::RedisPool& pool, const Clock& clock, IdGenerator& ids,
                             FollowupPolicy policy)
    : pool_(pool), clock_(clock), ids_(ids), policy_(policy) {}

// ------------------------------------------------------------------ tasks

void FollowupStore::WriteTask(Change& c, const Task& t) const {
  c.Write("HSET", keys::Task(t.id),
          {"id",
           t.id,
           "kind",
           std::to_string(static_cast<int>(t.kind)),
           "status",
           std::to_string(static_cast<int>(t.status)),
           "due",
           Ms(t.due),
           "ticket",
           t.ticket_number,
           "customer",
           t.customer_id,
           "asset",
           t.asset_serial,
           "plan",
           t.maintenance_plan_id,
           "detail",
           t.detail,
           "satisfaction",
           std::to_string(t.outcome.satisfaction),
           "comment",
           t.outcome.comment,
           "fault_back",
           t.outcome.fault_back ? "1" : "0",
           "complete_time",
           Ms(t.outcome.complete_time),
           "complaint",
           t.outcome.complaint_id,
           "create_time",
           Ms(t.create_time),
           "update_time",
           Ms(t.update_time)});
  if (t.status == TaskStatus::kOpen) {
    c.Write("ZADD", keys::kOpenTasks, {Ms(t.due), t.id});
  } else {
    c.Write("ZREM", keys::kOpenTasks, {t.id});
  }
}

Result<bool> FollowupStore::CreateTask(const Task& task, const std::string& source,
                                       const std::string& marker) {
  Change c;
  if (!marker.empty()) c.FirstTime(marker, kEffectTtlSeconds);
  if (!source.empty()) {
    c.Absent(keys::Source(source));
    c.Write("SET", keys::Source(source), {task.id});
  }
  WriteTask(c, task);
  if (task.status == TaskStatus::kOpen)
    c.Write("ZADD", keys::kTimers, {Ms(task.due), TaskTimer(task.id)});
  c.Write("ZADD", keys::kTasks, {Ms(task.create_time), task.id});
  if (!task.customer_id.empty()) {
    c.Write("ZADD", keys::TasksOfCustomer(task.customer_id), {Ms(task.create_time), task.id});
  }
  if (!task.ticket_number.empty()) {
    c.Write("ZADD", keys::TasksOfTicket(task.ticket_number), {Ms(task.create_time), task.id});
  }
  return c.Apply(pool_);
}

Result<Task> FollowupStore::GetTask(const std::string& id) {
  auto r = pool_.Command({"HGETALL", keys::Task(id)});
  if (!r.ok()) return r.status();
  Hash h = ToHash(r->view());
  if (h.empty()) return NotFound("FOLLOWUP_NOT_FOUND", "followup " + id + " does not exist");
  return TaskFromHash(h);
}

Result<std::optional<Task>> FollowupStore::TaskFromSource(const std::string& source) {
  auto r = pool_.Command({"GET", keys::Source(source)});
  if (!r.ok()) return r.status();
  if (r->is_nil()) return std::optional<Task>();
  auto t = GetTask(r->string());
  if (!t.ok()) return t.status();
  return std::optional<Task>(*t);
}

Result<std::vector<std::string>> FollowupStore::Ids(const std::string& index) {
  auto r = pool_.Command({"ZRANGE", index, "0", "-1"});
  if (!r.ok()) return r.status();
  std::vector<std::string> ids;
  for (size_t i = 0; i < r->size(); ++i) ids.push_back((*r)[i].string());
  return ids;
}

Result<Page<Task>> FollowupStore::ListTasks(const TaskFilter& f, int page_size, int offset) {
  Result<std::vector<std::string>> ids = std::vector<std::string>{};
  if (!f.ticket_number.empty()) {
    ids = Ids(keys::TasksOfTicket(f.ticket_number));
  } else if (!f.customer_id.empty()) {
    ids = Ids(keys::TasksOfCustomer(f.customer_id));
  } else if (f.status == TaskStatus::kOpen) {
    // Open tasks by due time: the due-before view is a range of the index.
    auto r = pool_.Command({"ZRANGEBYSCORE", keys::kOpenTasks, "-inf",
                            f.due_before ? "(" + Ms(*f.due_before) : std::string("+inf")});
    if (!r.ok()) return r.status();
    std::vector<std::string> v;
    for (size_t i = 0; i < r->size(); ++i) v.push_back((*r)[i].string());
    ids = v;
  } else {
    ids = Ids(keys::kTasks);
  }
  if (!ids.ok()) return ids.status();
  std::vector<std::vector<std::string>> reads;
  for (const auto& id : *ids) reads.push_back({"HGETALL", keys::Task(id)});
  std::vector<Task> all;
  if (!reads.empty()) {
    auto replies = pool_.Pipeline(reads);
    if (!replies.ok()) return replies.status();
    for (const auto& r : *replies) {
      Hash h = ToHash(r.view());
      if (h.empty()) continue;
      Task t = TaskFromHash(h);
      if (f.kind && t.kind != *f.kind) continue;
      if (f.status && t.status != *f.status) continue;
      if (f.due_before && t.due >= *f.due_before) continue;
      if (!f.customer_id.empty() && t.customer_id != f.customer_id) continue;
      if (!f.ticket_number.empty() && t.ticket_number != f.ticket_number) continue;
      all.push_back(std::move(t));
    }
  }
  return Paginate(std::move(all), page_size, offset);
}

Result<Task> FollowupStore::CompleteTask(const std::string& id, const Answer& answer,
                                         const std::string& actor, const std::string& request_id) {
  if (!request_id.empty()) {
    auto done = pool_.Command({"GET", keys::Request(request_id)});
    if (!done.ok()) return done.status();
    if (!done->is_nil()) return GetTask(done->string());
  }
  auto loaded = GetTask(id);
  if (!loaded.ok()) return loaded.status();
  Task task = *loaded;
  const TimePoint now = clock_.Now();
  auto completion = followup::CompleteTask(task, answer, now, policy_);
  if (!completion.ok()) return completion.status();

  Change c;
  if (!request_id.empty()) {
    c.Absent(keys::Request(request_id));
    c.Write("SET", keys::Request(request_id), {task.id, "EX", kRequestTtl});
  }
  c.FieldIs(keys::Task(id), "status", std::to_string(static_cast<int>(TaskStatus::kOpen)));
  if (completion->open_complaint) {
    std::string text = "unhappy return visit (satisfaction ";
    text += std::to_string(answer.satisfaction);
    text += ")";
    if (!answer.comment.empty()) {
      text += ": ";
      text += answer.comment;
    }
    auto complaint =
        NewComplaint(ids_.NewId(), task.customer_id.empty() ? "unknown" : task.customer_id,
                     task.ticket_number, text, "system", now, policy_);
    if (!complaint.ok()) return complaint.status();
    complaint->followup_id = task.id;
    complaint->satisfaction = answer.satisfaction;
    task.outcome.complaint_id = complaint->id;
    WriteComplaint(c, *complaint, 0);
    events::v1::ComplaintOpened opened;
    opened.set_complaint_id(complaint->id);
    opened.set_customer_id(complaint->customer_id);
    opened.set_ticket_number(complaint->ticket_number);
    opened.set_text(complaint->text);
    opened.set_followup_id(task.id);
    opened.set_satisfaction(answer.satisfaction);
    *opened.mutable_open_time() = Proto(now);
    c.Emit(keys::kEvents, Event(ids_, opened, complaint->id, now));
  }
  WriteTask(c, task);
  c.Write("HSET", keys::Task(id), {"completed_by", actor});
  c.Write("ZREM", keys::kTimers, {TaskTimer(task.id)});
  events::v1::FollowupCompleted completed;
  completed.set_followup_id(task.id);
  completed.set_kind(KindName(task.kind));
  completed.set_ticket_number(task.ticket_number);
  completed.set_customer_id(task.customer_id);
  completed.set_satisfaction(answer.satisfaction);
  completed.set_fault_back(answer.fault_back);
  *completed.mutable_complete_time() = Proto(now);
  c.Emit(keys::kEvents, Event(ids_, completed, task.id, now));
  if (completion->reconfirm_failed) {
    events::v1::ReconfirmFailed failed;
    failed.set_followup_id(task.id);
    failed.set_ticket_number(task.ticket_number);
    failed.set_customer_id(task.customer_id);
    failed.set_comment(answer.comment);
    *failed.mutable_answer_time() = Proto(now);
    c.Emit(keys::kEvents, Event(ids_, failed, task.id, now));
  }
  auto applied = c.Apply(pool_);
  if (!applied.ok()) return applied.status();
  return GetTask(id);
}

// ------------------------------------------------------------------ complaints

void FollowupStore::WriteComplaint(Change& c, const Complaint& k, size_t known_steps) const {
  c.FieldIs(keys::Complaint(k.id), "steps", known_steps == 0 ? "" : std::to_string(known_steps));
  c.Write("HSET", keys::Complaint(k.id),
          {"id",           k.id,
           "customer",     k.customer_id,
           "ticket",       k.ticket_number,
           "text",         k.text,
           "status",       std::to_string(static_cast<int>(k.status)),
           "resolve_due",  Ms(k.resolve_due),
           "level",        std::to_string(k.escalation_level),
           "followup",     k.followup_id,
           "satisfaction", std::to_string(k.satisfaction),
           "create_time",  Ms(k.create_time),
           "update_time",  Ms(k.update_time),
           "steps",        std::to_string(k.steps.size())});
  for (size_t i = known_steps; i < k.steps.size(); ++i) {
    c.Write("RPUSH", keys::ComplaintSteps(k.id), {StepLine(k.steps[i])});
  }
  if (known_steps == 0) {
    c.Write("ZADD", keys::kComplaints, {Ms(k.create_time), k.id});
    c.Write("ZADD", keys::ComplaintsOfCustomer(k.customer_id), {Ms(k.create_time), k.id});
  }
  if (auto next = NextEscalation(k, policy_)) {
    c.Write("ZADD", keys::kTimers, {Ms(*next), ComplaintTimer(k.id)});
  } else {
    c.Write("ZREM", keys::kTimers, {ComplaintTimer(k.id)});
  }
}

Result<std::optional<Complaint>> FollowupStore::LoadComplaint(const std::string& id) {
  auto r = pool_.Pipeline(
      {{"HGETALL", keys::Complaint(id)}, {"LRANGE", keys::ComplaintSteps(id), "0", "-1"}});
  if (!r.ok()) return r.status();
  Hash h = ToHash((*r)[0].view());
  if (h.empty()) return std::optional<Complaint>();
  Complaint k;
  k.id = Str(h, "id");
  k.customer_id = Str(h, "customer");
  k.ticket_number = Str(h, "ticket");
  k.text = Str(h, "text");
  k.status = static_cast<ComplaintStatus>(Int(h, "status"));
  k.resolve_due = Time(h, "resolve_due");
  k.escalation_level = static_cast<int>(Int(h, "level"));
  k.followup_id = Str(h, "followup");
  k.satisfaction = static_cast<int>(Int(h, "satisfaction"));
  k.create_time = Time(h, "create_time");
  k.update_time = Time(h, "update_time");
  redis::ReplyView steps = (*r)[1].view();
  for (size_t i = 0; i < steps.size(); ++i) k.steps.push_back(StepFromLine(steps[i].string()));
  return std::optional<Complaint>(std::move(k));
}

Result<Complaint> FollowupStore::GetComplaint(const std::string& id) {
  auto k = LoadComplaint(id);
  if (!k.ok()) return k.status();
  if (!k->has_value()) {
    return NotFound("COMPLAINT_NOT_FOUND", "complaint " + id + " does not exist");
  }
  return **k;
}

Result<Complaint> FollowupStore::CreateComplaint(const std::string& customer_id,
                                                 const std::string& ticket_number,
                                                 const std::string& text, const std::string& actor,
                                                 const std::string& request_id) {
  if (!request_id.empty()) {
    auto done = pool_.Command({"GET", keys::Request(request_id)});
    if (!done.ok()) return done.status();
    if (!done->is_nil()) return GetComplaint(done->string());
  }
  const TimePoint now = clock_.Now();
  auto k = NewComplaint(ids_.NewId(), customer_id, ticket_number, text, actor, now, policy_);
  if (!k.ok()) return k.status();
  Change c;
  if (!request_id.empty()) {
    c.Absent(keys::Request(request_id));
    c.Write("SET", keys::Request(request_id), {k->id, "EX", kRequestTtl});
  }
  WriteComplaint(c, *k, 0);
  events::v1::ComplaintOpened opened;
  opened.set_complaint_id(k->id);
  opened.set_customer_id(k->customer_id);
  opened.set_ticket_number(k->ticket_number);
  opened.set_text(k->text);
  *opened.mutable_open_time() = Proto(now);
  c.Emit(keys::kEvents, Event(ids_, opened, k->id, now));
  auto applied = c.Apply(pool_);
  if (!applied.ok()) return applied.status();
  if (!*applied) return CreateComplaint(customer_id, ticket_number, text, actor, request_id);
  return *k;
}

Result<Complaint> FollowupStore::AdvanceComplaint(const std::string& id, ComplaintStatus to,
                                                  const std::string& note, const std::string& actor,
                                                  const std::string& request_id) {
  if (!request_id.empty()) {
    auto done = pool_.Command({"GET", keys::Request(request_id)});
    if (!done.ok()) return done.status();
    if (!done->is_nil()) return GetComplaint(done->string());
  }
  auto k = GetComplaint(id);
  if (!k.ok()) return k.status();
  const size_t known = k->steps.size();
  const TimePoint now = clock_.Now();
  if (Status s = Advance(*k, to, note, actor, now); !s.ok()) return s;
  Change c;
  if (!request_id.empty()) {
    c.Absent(keys::Request(request_id));
    c.Write("SET", keys::Request(request_id), {k->id, "EX", kRequestTtl});
  }
  WriteComplaint(c, *k, known);
  events::v1::ComplaintAdvanced advanced;
  advanced.set_complaint_id(k->id);
  advanced.set_customer_id(k->customer_id);
  advanced.set_ticket_number(k->ticket_number);
  advanced.set_status(StatusName(to));
  advanced.set_note(note);
  advanced.set_actor(actor);
  *advanced.mutable_advance_time() = Proto(now);
  c.Emit(keys::kEvents, Event(ids_, advanced, k->id, now));
  auto applied = c.Apply(pool_);
  if (!applied.ok()) return applied.status();
  return GetComplaint(id);
}

Result<Page<Complaint>> FollowupStore::ListComplaints(const ComplaintFilter& f, int page_size,
                                                      int offset) {
  auto ids = Ids(f.customer_id.empty() ? std::string(keys::kComplaints)
                                       : keys::ComplaintsOfCustomer(f.customer_id));
  if (!ids.ok()) return ids.status();
  std::vector<Complaint> all;
  for (const auto& id : *ids) {
    auto k = LoadComplaint(id);
    if (!k.ok()) return k.status();
    if (!k->has_value()) continue;
    const Complaint& c = **k;
    if (!f.ticket_number.empty() && c.ticket_number != f.ticket_number) continue;
    if (f.status && c.status != *f.status) continue;
    all.push_back(c);
  }
  return Paginate(std::move(all), page_size, offset);
}

// ------------------------------------------------------------------ plans

void FollowupStore::WritePlan(Change& c, const MaintenancePlan& p) const {
  c.Write("HSET", keys::Plan(p.id),
          {"id",
           p.id,
           "site",
           p.site_id,
           "asset",
           p.asset_serial,
           "customer",
           p.customer_id,
           "contract_cadence",
           std::to_string(static_cast<int>(p.contract_cadence)),
           "cadence",
           std::to_string(static_cast<int>(p.cadence)),
           "starts_on",
           p.starts_on.ToString(),
           "next_visit",
           Ms(p.next_visit),
           "create_time",
           Ms(p.create_time),
           "update_time",
           Ms(p.update_time)});
  c.Write("ZADD", keys::kTimers, {Ms(p.next_visit), PlanTimer(p.id)});
}

Result<MaintenancePlan> FollowupStore::CreatePlan(const std::string& site_id,
                                                  const std::string& asset_serial,
                                                  const std::string& customer_id, int cadence,
                                                  const std::string& starts_on,
                                                  const std::string& request_id) {
  if (!request_id.empty()) {
    auto done = pool_.Command({"GET", keys::Request(request_id)});
    if (!done.ok()) return done.status();
    if (!done->is_nil()) return GetPlan(done->string());
  }
  std::string customer = customer_id;
  if (customer.empty()) {
    // The owner as tickets told us.
    auto owner = pool_.Command({"HGET", keys::kSiteCustomers, site_id});
    if (!owner.ok()) return owner.status();
    customer = owner->string();
  }
  const TimePoint now = clock_.Now();
  auto p = NewPlan(ids_.NewId(), site_id, asset_serial, customer, cadence, starts_on, now);
  if (!p.ok()) return p.status();
  Change c;
  if (!request_id.empty()) {
    c.Absent(keys::Request(request_id));
    c.Write("SET", keys::Request(request_id), {p->id, "EX", kRequestTtl});
  }
  WritePlan(c, *p);
  c.Write("ZADD", keys::kPlans, {Ms(now), p->id});
  c.Write("SADD", keys::PlansOfSite(p->site_id), {p->id});
  if (!p->asset_serial.empty()) c.Write("SADD", keys::PlansOfAsset(p->asset_serial), {p->id});
  auto applied = c.Apply(pool_);
  if (!applied.ok()) return applied.status();
  if (!*applied)
    return CreatePlan(site_id, asset_serial, customer_id, cadence, starts_on, request_id);
  return *p;
}

Result<MaintenancePlan> FollowupStore::GetPlan(const std::string& id) {
  auto r = pool_.Command({"HGETALL", keys::Plan(id)});
  if (!r.ok()) return r.status();
  Hash h = ToHash(r->view());
  if (h.empty()) return NotFound("MAINTENANCE_PLAN_NOT_FOUND", "plan " + id + " does not exist");
  return PlanFromHash(h);
}

Result<Page<MaintenancePlan>> FollowupStore::ListPlans(const PlanFilter& f, int page_size,
                                                       int offset) {
  auto ids = Ids(keys::kPlans);
  if (!ids.ok()) return ids.status();
  std::vector<MaintenancePlan> all;
  for (const auto& id : *ids) {
    auto p = GetPlan(id);
    if (!p.ok()) continue;
    if (!f.site_id.empty() && p->site_id != f.site_id) continue;
    if (!f.asset_serial.empty() && p->asset_serial != f.asset_serial) continue;
    if (!f.customer_id.empty() && p->customer_id != f.customer_id) continue;
    all.push_back(*p);
  }
  return Paginate(std::move(all), page_size, offset);
}

Status FollowupStore::RecordFault(const std::string& asset_serial, const std::string& site_id,
                                  TimePoint fault_time, const std::string& event_id) {
  std::vector<std::string> plan_ids;
  if (!asset_serial.empty()) {
    auto r = pool_.Command({"SMEMBERS", keys::PlansOfAsset(asset_serial)});
    if (!r.ok()) return r.status();
    for (size_t i = 0; i < r->size(); ++i) plan_ids.push_back((*r)[i].string());
  }
  if (!site_id.empty()) {
    auto r = pool_.Command({"SMEMBERS", keys::PlansOfSite(site_id)});
    if (!r.ok()) return r.status();
    for (size_t i = 0; i < r->size(); ++i) plan_ids.push_back((*r)[i].string());
  }
  std::sort(plan_ids.begin(), plan_ids.end());
  plan_ids.erase(std::unique(plan_ids.begin(), plan_ids.end()), plan_ids.end());
  for (const auto& id : plan_ids) {
    auto p = GetPlan(id);
    if (!p.ok()) continue;
    // A site-wide plan counts the site's faults; an asset plan only its asset's.
    if (!p->asset_serial.empty() && p->asset_serial != asset_serial) continue;
    auto r = pool_.Command({"ZRANGE", keys::PlanFaults(id), "0", "-1", "WITHSCORES"});
    if (!r.ok()) return r.status();
    std::vector<TimePoint> faults{fault_time};
    for (size_t i = 1; i < r->size(); i += 2) {
      faults.push_back(FromUnixMillis((*r)[i].integer().value_or(0)));
    }
    MaintenancePlan updated = *p;
    // Early life is biweekly anyway: the rule applies from the 3-month mark.
    if (fault_time >= p->starts_on.AddMonths(3).Start()) {
      updated.cadence = AdaptedCadence(p->cadence, faults, fault_time);
    }
    Change c;
    const std::string marker = keys::EffectHandled(event_id, "fault:" + id);
    c.FieldIs(keys::Plan(id), "next_visit", Ms(p->next_visit));
    c.FirstTime(marker, kEffectTtlSeconds);
    c.Write("ZADD", keys::PlanFaults(id), {Ms(fault_time), event_id});
    if (updated.cadence != p->cadence) {
      updated.next_visit =
          std::min(p->next_visit, VisitAfter(updated.starts_on, updated.cadence, fault_time));
      updated.update_time = clock_.Now();
      WritePlan(c, updated);
    }
    auto applied = c.Apply(pool_);
    if (!applied.ok()) return applied.status();
  }
  return Status::Ok();
}

Status FollowupStore::RememberContact(const std::string& ticket_number, const std::string& name,
                                      const std::string& phone) {
  if (ticket_number.empty() || (name.empty() && phone.empty())) return Status::Ok();
  std::string contact = name;
  if (!name.empty() && !phone.empty()) contact += ' ';
  contact += phone;
  auto r = pool_.Command({"HSET", keys::kTicketContacts, ticket_number, contact});
  return r.ok() ? Status::Ok() : r.status();
}

Status FollowupStore::RememberOwner(const std::string& customer_id, const std::string& site_id,
                                    const std::string& asset_serial, const std::string& model) {
  if (customer_id.empty()) return Status::Ok();
  std::vector<std::vector<std::string>> writes;
  if (!site_id.empty()) writes.push_back({"HSET", keys::kSiteCustomers, site_id, customer_id});
  if (!asset_serial.empty()) {
    writes.push_back({"HSET", keys::kAssetCustomers, asset_serial, customer_id});
  }
  if (!model.empty()) writes.push_back({"SADD", keys::CustomersOfModel(model), customer_id});
  if (writes.empty()) return Status::Ok();
  auto r = pool_.Pipeline(writes);
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::vector<Task>> FollowupStore::NotifyModel(const std::string& notice_id,
                                                     const std::string& model,
                                                     const std::string& detail) {
  auto r = pool_.Command({"SMEMBERS", keys::CustomersOfModel(model)});
  if (!r.ok()) return r.status();
  std::vector<std::string> customers;
  for (size_t i = 0; i < r->size(); ++i) customers.push_back((*r)[i].string());
  std::sort(customers.begin(), customers.end());
  std::vector<Task> tasks;
  const TimePoint now = clock_.Now();
  for (const auto& customer : customers) {
    const std::string source = NoticeSource(notice_id, customer);
    Task t;
    t.id = ids_.NewId();
    t.kind = TaskKind::kProductNotice;
    t.due = now;
    t.customer_id = customer;
    t.detail = detail;
    t.create_time = now;
    t.update_time = now;
    auto created = CreateTask(t, source, "");
    if (!created.ok()) return created.status();
    auto existing = TaskFromSource(source);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) tasks.push_back(**existing);
  }
  return tasks;
}

// ------------------------------------------------------------------ timers

Result<FiredTimers> FollowupStore::FireDueTimers(int limit) {
  const TimePoint now = clock_.Now();
  auto due = pool_.Command({"ZRANGEBYSCORE", keys::kTimers, "-inf", Ms(now), "WITHSCORES", "LIMIT",
                            "0", std::to_string(limit)});
  if (!due.ok()) return due.status();
  FiredTimers fired;
  for (size_t i = 0; i + 1 < due->size(); i += 2) {
    const std::string member = (*due)[i].string();
    const int64_t score = (*due)[i + 1].integer().value_or(0);
    Change c;
    c.ScoreIs(keys::kTimers, member, score);
    if (member.rfind("plan:", 0) == 0) {
      auto plan = GetPlan(member.substr(5));
      if (!plan.ok()) {
        c.Write("ZREM", keys::kTimers, {member});
        (void)c.Apply(pool_);
        continue;
      }
      MaintenancePlan p = *plan;
      const TimePoint visit = FromUnixMillis(score);
      Task t;
      t.id = ids_.NewId();
      t.kind = TaskKind::kMaintenance;
      t.due = visit;
      t.customer_id = p.customer_id;
      t.asset_serial = p.asset_serial;
      t.maintenance_plan_id = p.id;
      t.detail = "maintenance visit at site " + p.site_id;
      t.create_time = now;
      t.update_time = now;
      const std::string source = "maint:" + p.id + ":" + std::to_string(score);
      c.Absent(keys::Source(source));
      c.Write("SET", keys::Source(source), {t.id});
      WriteTask(c, t);
      c.Write("ZADD", keys::kTasks, {Ms(now), t.id});
      if (!t.customer_id.empty()) {
        c.Write("ZADD", keys::TasksOfCustomer(t.customer_id), {Ms(now), t.id});
      }
      p.next_visit = VisitAfter(p.starts_on, p.cadence, visit);
      p.update_time = now;
      WritePlan(c, p);
      events::v1::MaintenanceVisitDue visit_due;
      visit_due.set_maintenance_plan_id(p.id);
      visit_due.set_followup_id(t.id);
      visit_due.set_customer_id(p.customer_id);
      visit_due.set_site_id(p.site_id);
      visit_due.set_asset_serial(p.asset_serial);
      *visit_due.mutable_visit_due() = Proto(visit);
      c.Emit(keys::kEvents, Event(ids_, visit_due, p.id, now));
      auto applied = c.Apply(pool_);
      if (!applied.ok()) return applied.status();
      if (*applied) fired.maintenance_visits.push_back(t);
    } else if (member.rfind("complaint:", 0) == 0) {
      auto k = LoadComplaint(member.substr(10));
      if (!k.ok()) return k.status();
      if (!k->has_value()) {
        c.Write("ZREM", keys::kTimers, {member});
        (void)c.Apply(pool_);
        continue;
      }
      Complaint complaint = **k;
      const size_t known = complaint.steps.size();
      if (!Escalate(complaint, now, policy_)) {
        // Resolved meanwhile (or the timer ran early): re-arm from the record.
        if (auto next = NextEscalation(complaint, policy_)) {
          c.Write("ZADD", keys::kTimers, {Ms(*next), member});
        } else {
          c.Write("ZREM", keys::kTimers, {member});
        }
        (void)c.Apply(pool_);
        continue;
      }
      WriteComplaint(c, complaint, known);
      events::v1::ComplaintEscalated escalated;
      escalated.set_complaint_id(complaint.id);
      escalated.set_customer_id(complaint.customer_id);
      escalated.set_ticket_number(complaint.ticket_number);
      escalated.set_escalation_level(complaint.escalation_level);
      *escalated.mutable_resolve_due() = Proto(complaint.resolve_due);
      *escalated.mutable_escalate_time() = Proto(now);
      c.Emit(keys::kEvents, Event(ids_, escalated, complaint.id, now));
      auto applied = c.Apply(pool_);
      if (!applied.ok()) return applied.status();
      if (*applied) fired.escalations.push_back(complaint);
    } else if (member.rfind("task:", 0) == 0) {
      auto task = GetTask(member.substr(5));
      c.Write("ZREM", keys::kTimers, {member});
      auto applied = c.Apply(pool_);
      if (!applied.ok()) return applied.status();
      if (!*applied || !task.ok() || task->status != TaskStatus::kOpen) continue;
      DueTask due_task{*task, ""};
      if (!task->ticket_number.empty()) {
        auto contact = pool_.Command({"HGET", keys::kTicketContacts, task->ticket_number});
        if (contact.ok()) due_task.contact = contact->string();
      }
      fired.due_tasks.push_back(std::move(due_task));
    } else {
      c.Write("ZREM", keys::kTimers, {member});
      (void)c.Apply(pool_);
    }
  }
  return fired;
}

// ------------------------------------------------------------------ report

Status FollowupStore::ApplyReport(const std::string& event_id, const ReportEvent& e) {
  const std::string marker = keys::ReportHandled(event_id);
  RedisReportFacts facts;
  facts.ticket_number = e.ticket;
  facts.work_order_id = e.work_order;
  facts.asset = e.asset;
  std::vector<std::vector<std::string>> reads = {{"EXISTS", marker}};
  reads.push_back({"HGETALL", keys::ReportTicket(e.ticket)});
  reads.push_back({"HGETALL", keys::ReportWorkOrder(e.work_order)});
  auto r = pool_.Pipeline(reads);
  if (!r.ok()) return r.status();
  if ((*r)[0].integer().value_or(0) == 1) return Status::Ok();
  if (!e.ticket.empty()) facts.ticket = ToHash((*r)[1].view());
  if (!e.work_order.empty()) facts.work_order = ToHash((*r)[2].view());
  // The fault family of a visit is its product line (see report.h); it may come
  // from the ticket's facts, so ask for the last-done entry once it is known.
  if (!e.asset.empty()) {
    std::string line = e.product_line;
    if (line.empty()) line = Str(facts.ticket, "line");
    facts.fault = line;
    auto last = pool_.Command({"HGET", keys::kReportLastDone, LastDoneField(e.asset, line)});
    if (!last.ok()) return last.status();
    facts.last_done = last->integer();
  }
  ReportDelta d = FoldReport(e, facts);

  Change c;
  c.FirstTime(marker, kReportMarkerTtlSeconds);
  c.Write("SADD", keys::kReportIndex, {marker});
  if (!d.increments.empty()) {
    const std::string day = keys::ReportDay(d.day);
    c.Write("SADD", keys::kReportIndex, {day});
    for (const auto& [name, value] : d.increments) {
      std::string field = d.branch;
      field += kSep;
      field += d.product_line;
      field += kSep;
      field += name;
      c.Write("HINCRBY", day, {field, std::to_string(value)});
    }
  }
  if (d.ticket) {
    const TicketFacts& t = d.ticket->second;
    std::string breached;
    for (int clock : t.breached_clocks) {
      if (!breached.empty()) breached += ',';
      breached += std::to_string(clock);
    }
    const std::string key = keys::ReportTicket(d.ticket->first);
    // Replicas fold different streams at once: the facts change only from
    // the version this fold read (a conflict fails the event, which is retried).
    const std::string version = d.ticket->first == e.ticket ? Str(facts.ticket, "v") : "";
    c.FieldIs(key, "v", version);
    c.Write("HSET", key,
            {"branch", t.branch, "line", t.product_line, "report_ms", std::to_string(t.report_ms),
             "breached", breached, "v", std::to_string(Int(facts.ticket, "v") + 1)});
    c.Write("SADD", keys::kReportIndex, {key});
  }
  if (d.work_order) {
    const WorkOrderFacts& w = d.work_order->second;
    const std::string key = keys::ReportWorkOrder(d.work_order->first);
    c.FieldIs(key, "ticket", Str(facts.work_order, "ticket"));
    c.Write("HSET", key,
            {"ticket", w.ticket, "branch", w.branch, "severity", std::to_string(w.severity)});
    c.Write("SADD", keys::kReportIndex, {key});
  }
  if (d.last_done) {
    const auto& [asset, fault, ms] = *d.last_done;
    c.FieldIs(keys::kReportLastDone, LastDoneField(asset, fault),
              facts.last_done ? std::to_string(*facts.last_done) : "");
    c.Write("HSET", keys::kReportLastDone, {LastDoneField(asset, fault), std::to_string(ms)});
    c.Write("SADD", keys::kReportIndex, {keys::kReportLastDone});
  }
  auto applied = c.Apply(pool_);
  return applied.ok() ? Status::Ok() : applied.status();
}

Result<ReportFigures> FollowupStore::Report(int64_t from_day, int64_t to_day,
                                            const std::string& branch,
                                            const std::string& product_line) {
  if (to_day - from_day > 400) {
    return InvalidArgument("INVALID_ARGUMENT", "period too long",
                           {{"to", "at most 400 days after from"}});
  }
  std::vector<Counters> buckets;
  if (to_day <= from_day) return Summarize(buckets);
  std::vector<std::vector<std::string>> reads;
  for (int64_t day = from_day; day < to_day; ++day)
    reads.push_back({"HGETALL", keys::ReportDay(day)});
  auto r = pool_.Pipeline(reads);
  if (!r.ok()) return r.status();
  for (const auto& reply : *r) {
    Counters selected;
    Hash h = ToHash(reply.view());
    for (const auto& [field, value] : h) {
      const size_t a = field.find(kSep);
      const size_t b = a == std::string::npos ? a : field.find(kSep, a + 1);
      if (b == std::string::npos) continue;
      if (!branch.empty() && field.compare(0, a, branch) != 0) continue;
      if (!branch.empty() && a != branch.size()) continue;
      const std::string line = field.substr(a + 1, b - a - 1);
      if (!product_line.empty() && line != product_line) continue;
      try {
        selected[field.substr(b + 1)] += std::stoll(value);
      } catch (...) {
      }
    }
    buckets.push_back(std::move(selected));
  }
  return Summarize(buckets);
}

Status FollowupStore::ClearReport() {
  for (int round = 0; round < 100000; ++round) {
    auto r = pool_.Command({"SPOP", keys::kReportIndex, "500"});
    if (!r.ok()) return r.status();
    if (r->size() == 0) return Status::Ok();
    std::vector<std::string> del = {"DEL"};
    for (size_t i = 0; i < r->size(); ++i) del.push_back((*r)[i].string());
    auto d = pool_.Command(del);
    if (!d.ok()) return d.status();
  }
  return Status::Ok();
}

}  // namespace aftersales::followup

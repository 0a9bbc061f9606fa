#include "services/followup/domain/followup.h"

#include "services/followup/domain/calendar.h"

namespace aftersales::followup {

std::string ReturnVisitSource(const std::string& work_order_id, const std::string& ticket_number,
                              TimePoint resolve_time) {
  std::string s = "rv:";
  if (!work_order_id.empty()) {
    s += "wo:";
    s += work_order_id;
    return s;
  }
  s += "ticket:";
  s += ticket_number;
  s += ':';
  s += std::to_string(ToUnixMillis(resolve_time));
  return s;
}

std::string ReconfirmSource(const std::string& ticket_number, TimePoint resolve_time) {
  std::string s = "rc:";
  s += ticket_number;
  s += ':';
  s += std::to_string(ToUnixMillis(resolve_time));
  return s;
}

std::string ExpirySource(const std::string& asset_serial, const std::string& until) {
  std::string s = "exp:";
  s += asset_serial;
  s += ':';
  s += until;
  return s;
}

std::string NoticeSource(const std::string& notice_id, const std::string& customer_id) {
  std::string s = "notice:";
  s += notice_id;
  s += ':';
  s += customer_id;
  return s;
}

namespace {

Task NewTask(std::string id, TaskKind kind, TimePoint due, TimePoint now) {
  Task t;
  t.id = std::move(id);
  t.kind = kind;
  t.due = due;
  t.create_time = now;
  t.update_time = now;
  return t;
}

}  // namespace

Task NewReturnVisit(std::string id, std::string ticket_number, std::string customer_id,
                    std::string asset_serial, TimePoint service_time, TimePoint now,
                    const FollowupPolicy& policy) {
  Task t = NewTask(std::move(id), TaskKind::kReturnVisit, service_time + policy.return_visit_within,
                   now);
  t.ticket_number = std::move(ticket_number);
  t.customer_id = std::move(customer_id);
  t.asset_serial = std::move(asset_serial);
  return t;
}

Task NewReconfirm(std::string id, std::string ticket_number, std::string customer_id,
                  std::string asset_serial, TimePoint fixed_time,
                  std::optional<TimePoint> reconfirm_due, TimePoint now,
                  const FollowupPolicy& policy) {
  Task t = NewTask(std::move(id), TaskKind::kReconfirm,
                   reconfirm_due.value_or(fixed_time + policy.reconfirm_after), now);
  t.ticket_number = std::move(ticket_number);
  t.customer_id = std::move(customer_id);
  t.asset_serial = std::move(asset_serial);
  return t;
}

std::optional<Task> NewExpiryReminder(std::string id, std::string customer_id,
                                      std::string asset_serial, const std::string& until,
                                      TimePoint now, const FollowupPolicy& policy) {
  auto last_day = CivilDate::Parse(until);
  if (!last_day) return std::nullopt;
  const TimePoint ends = last_day->AddDays(1).Start();  // covered through the last day
  if (ends <= now) return std::nullopt;
  TimePoint due = last_day->Start() - policy.expiry_lead;
  if (due < now) due = now;
  Task t = NewTask(std::move(id), TaskKind::kWarrantyExpiry, due, now);
  t.customer_id = std::move(customer_id);
  t.asset_serial = std::move(asset_serial);
  t.detail = "warranty or contract ends ";
  t.detail += until;
  t.detail += ": check visit and renewal offer";
  return t;
}

Answer MaintenanceAnswer(const std::string& engineer_id, const std::string& work_order_id,
                         const std::string& findings) {
  constexpr size_t kMaxComment = 4000;
  Answer a;
  a.comment = "engineer ";
  a.comment += engineer_id.empty() ? "unknown" : engineer_id;
  a.comment += ", work order ";
  a.comment += work_order_id;
  a.comment += ": ";
  a.comment += findings.empty() ? "no findings recorded" : findings;
  if (a.comment.size() > kMaxComment) {
    size_t cut = kMaxComment;
    // Never split a UTF-8 sequence: back up to the start of one.
    while (cut > 0 && (static_cast<unsigned char>(a.comment[cut]) & 0xC0) == 0x80) --cut;
    a.comment.resize(cut);
  }
  return a;
}

std::string MaintenanceCompletionRequest(const std::string& work_order_id) {
  return "maintenance-work-order:" + work_order_id;
}

Result<Completion> CompleteTask(Task& task, const Answer& answer, TimePoint now,
                                const FollowupPolicy& policy) {
  Validator v;
  if (task.kind == TaskKind::kReturnVisit) {
    v.Check(answer.satisfaction >= 1 && answer.satisfaction <= 5, "satisfaction",
            "a return visit records satisfaction 1..5");
  } else {
    v.Check(answer.satisfaction >= 0 && answer.satisfaction <= 5, "satisfaction",
            "satisfaction is 1..5, or 0 when not asked");
  }
  v.Check(answer.comment.size() <= 4000, "comment", "at most 4000 bytes");
  if (!v.ok()) return v.ToStatus();
  if (task.status == TaskStatus::kDone) {
    return FailedPrecondition("FOLLOWUP_DONE", "followup " + task.id + " is already done");
  }
  Completion c;
  c.open_complaint =
      task.kind == TaskKind::kReturnVisit && answer.satisfaction <= policy.unhappy_at_most;
  c.reconfirm_failed = task.kind == TaskKind::kReconfirm && answer.fault_back;
  task.status = TaskStatus::kDone;
  task.outcome.satisfaction = answer.satisfaction;
  task.outcome.comment = answer.comment;
  task.outcome.fault_back = answer.fault_back;
  task.outcome.complete_time = now;
  task.update_time = now;
  return c;
}

}  // namespace aftersales::followup

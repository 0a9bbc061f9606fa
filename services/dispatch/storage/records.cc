#include "services/dispatch/storage/records.h"

#include <charconv>

#include "services/dispatch/storage/keys.h"

namespace aftersales::dispatch {
namespace {

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

std::optional<int64_t> ToInt(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// A hash reply [field, value, ...] as a lookup.
std::string_view Field(const redis::ReplyView& hash, std::string_view name) {
  for (size_t i = 0; i + 1 < hash.size(); i += 2) {
    if (hash[i].str() == name) return hash[i + 1].str();
  }
  return {};
}

StoredEngineer EngineerFrom(const redis::ReplyView& hash, const redis::ReplyView& jobs) {
  StoredEngineer e;
  e.proto.ParseFromString(std::string(Field(hash, "proto")));
  e.version = ToInt(Field(hash, "version")).value_or(0);
  // State follows the work orders and is written on its own by their steps.
  v1::Engineer::State state;
  if (v1::Engineer::State_Parse(std::string(Field(hash, "state")), &state))
    e.proto.set_state(state);
  for (size_t i = 0; i + 1 < jobs.size(); i += 2) {
    if (auto job = DecodeJob(jobs[i + 1].str())) e.jobs.emplace_back(jobs[i].string(), *job);
  }
  e.proto.set_active_jobs(static_cast<int32_t>(e.jobs.size()));
  return e;
}

}  // namespace

std::string EncodeJob(const EngineerJob& job) {
  std::string s = job.ticket_number;
  auto add = [&s](int64_t v) {
    s += '|';
    s += std::to_string(v);
  };
  add(static_cast<int>(job.severity));
  add(job.started ? 1 : 0);
  add(ToUnixMillis(job.expected_finish));
  add(job.due == TimePoint::max() ? -1 : ToUnixMillis(job.due));
  add(std::chrono::duration_cast<std::chrono::seconds>(job.travel).count());
  add(std::chrono::duration_cast<std::chrono::seconds>(job.service).count());
  return s;
}

std::optional<EngineerJob> DecodeJob(std::string_view text) {
  const auto parts = Split(text, '|');
  if (parts.size() != 7) return std::nullopt;
  std::optional<int64_t> v[6];
  for (int i = 0; i < 6; ++i) {
    v[i] = ToInt(parts[i + 1]);
    if (!v[i]) return std::nullopt;
  }
  EngineerJob job;
  job.ticket_number = std::string(parts[0]);
  job.severity = static_cast<Severity>(*v[0]);
  job.started = *v[1] != 0;
  job.expected_finish = FromUnixMillis(*v[2]);
  job.due = *v[3] < 0 ? TimePoint::max() : FromUnixMillis(*v[3]);
  job.travel = std::chrono::seconds(*v[4]);
  job.service = std::chrono::seconds(*v[5]);
  return job;
}

WorkOrderFields FieldsOf(const v1::WorkOrder& work_order) {
  v1::WorkOrder stored = work_order;
  // Kept beside the proto: appended and raised by scripts on their own.
  stored.clear_history();
  stored.set_escalation_level(0);
  return {stored.SerializeAsString(), v1::WorkOrder::Status_Name(work_order.status()),
          work_order.engineer_id()};
}

Result<std::optional<StoredEngineer>> DispatchRecords::LoadEngineer(const std::string& id) {
  auto all = LoadEngineers({id});
  if (!all.ok()) return all.status();
  if (all->empty()) return std::optional<StoredEngineer>();
  return std::optional<StoredEngineer>(std::move(all->front()));
}

Result<std::vector<StoredEngineer>> DispatchRecords::LoadEngineers(
    const std::vector<std::string>& ids) {
  std::vector<StoredEngineer> out;
  constexpr size_t kBatch = 256;
  for (size_t begin = 0; begin < ids.size(); begin += kBatch) {
    std::vector<std::vector<std::string>> commands;
    const size_t end = std::min(ids.size(), begin + kBatch);
    for (size_t i = begin; i < end; ++i) {
      commands.push_back({"HGETALL", keys::Engineer(ids[i])});
      commands.push_back({"HGETALL", keys::EngineerJobs(ids[i])});
    }
    auto replies = pool_.Pipeline(commands);
    if (!replies.ok()) return replies.status();
    for (size_t i = 0; i + 1 < replies->size(); i += 2) {
      if ((*replies)[i].size() == 0) continue;
      out.push_back(EngineerFrom((*replies)[i].view(), (*replies)[i + 1].view()));
    }
  }
  return out;
}

Result<std::optional<StoredWorkOrder>> DispatchRecords::LoadWorkOrder(const std::string& id) {
  auto replies = pool_.Pipeline(
      {{"HGETALL", keys::WorkOrder(id)}, {"LRANGE", keys::WorkOrderHistory(id), "0", "-1"}});
  if (!replies.ok()) return replies.status();
  const redis::ReplyView hash = (*replies)[0].view();
  if (hash.size() == 0) return std::optional<StoredWorkOrder>();
  StoredWorkOrder w;
  if (!w.proto.ParseFromString(std::string(Field(hash, "proto")))) {
    return Internal("CORRUPT_WORK_ORDER", "work order " + id + " cannot be read");
  }
  w.version = ToInt(Field(hash, "version")).value_or(0);
  w.proto.set_escalation_level(
      static_cast<int32_t>(ToInt(Field(hash, "escalation_level")).value_or(0)));
  const redis::ReplyView history = (*replies)[1].view();
  for (size_t i = 0; i < history.size(); ++i) {
    w.proto.add_history()->ParseFromString(history[i].string());
  }
  return std::optional<StoredWorkOrder>(std::move(w));
}

Result<std::optional<std::string>> DispatchRecords::Get(const std::string& key) {
  auto reply = pool_.Command({"GET", key});
  if (!reply.ok()) return reply.status();
  if (reply->is_nil()) return std::optional<std::string>();
  return std::optional<std::string>(reply->string());
}

Result<int64_t> DispatchRecords::EngineersRevision() {
  auto value = Get(keys::EngineersRevision());
  if (!value.ok()) return value.status();
  return value->has_value() ? ToInt(**value).value_or(0) : 0;
}

Result<std::vector<std::string>> DispatchRecords::Range(const std::string& key, int64_t start,
                                                        int64_t stop) {
  auto reply = pool_.Command({"ZRANGE", key, std::to_string(start), std::to_string(stop)});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> out;
  for (size_t i = 0; i < reply->size(); ++i) out.push_back((*reply)[i].string());
  return out;
}

Result<std::vector<std::string>> DispatchRecords::ChangedSince(const std::string& key,
                                                               int64_t after, int64_t upto) {
  auto reply =
      pool_.Command({"ZRANGEBYSCORE", key, "(" + std::to_string(after), std::to_string(upto)});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> out;
  for (size_t i = 0; i < reply->size(); ++i) out.push_back((*reply)[i].string());
  return out;
}

Result<std::vector<std::string>> DispatchRecords::DueMembers(const std::string& key,
                                                             int64_t max_score, int limit) {
  auto reply = pool_.Command({"ZRANGEBYSCORE", key, "-inf", std::to_string(max_score), "LIMIT", "0",
                              std::to_string(limit)});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> out;
  for (size_t i = 0; i < reply->size(); ++i) out.push_back((*reply)[i].string());
  return out;
}

}  // namespace aftersales::dispatch

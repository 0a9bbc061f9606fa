#include "services/intake/storage/intake_store.h"

#include <algorithm>
#include <charconv>

#include "services/common/streams/outbox.h"
#include "services/intake/storage/keys.h"

namespace aftersales::intake {
namespace {

constexpr char kCreateRecordLua[] = R"lua(
-- KEYS: record, request, set index. ARGV: blob, request value ('' = no request
-- id), ttl, set member ('' = none), exists reason, exists message.
if ARGV[2] ~= '' then
  local prev = redis.call('GET', KEYS[2])
  if prev then return {2, prev} end
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.error_reply('ALREADY_EXISTS ' .. ARGV[5] .. ' ' .. ARGV[6])
end
redis.call('SET', KEYS[1], ARGV[1])
if ARGV[4] ~= '' then redis.call('SADD', KEYS[3], ARGV[4]) end
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3]) end
return {1, ARGV[2]}
)lua";

// A batch of ticket changes, each on its own: version check (the optimistic
// lock that also makes the watchdog's claim atomic), the handled marker of a
// consumed event, idempotency, the record, its index entries, its place in
// the clock schedule and its events, all or nothing. Batching lets concurrent
// reports share one round trip; a refused change does not stop the others.
// Redis runs this for every report, so it makes as few calls as it can: the
// keys every change shares come once per batch; a new ticket is one SET NX
// (its version is the value's prefix, built by the caller, so the script
// never copies the record); the request id is checked and remembered by one
// SET NX GET; index entries that cannot move (all, customer: a ticket keeps
// its number and customer) are written for a new ticket only. A refusal
// after a write takes that write back: the script is atomic, so nothing
// half-written is ever seen.
constexpr char kWriteTicketLua[] = R"lua(
-- KEYS: 1 stream, 2 schedule, 3 all tickets; then 6 per change: 1 ticket,
--       2 request, 3 customer index, 4 old state index, 5 new state index,
--       6 handled
-- ARGV: 1 change count, 2 request ttl; per change: 1 expected version,
--       2 value ("<expected + 1>:<encoded ticket>"), 3 number, 4 sequence,
--       5 next clock ms ('' = none), 6 request value ('' = none), 7 handled
--       ttl ('' = none), 8 event count, then 5 values per event
-- Returns per change {1, version} written, {2, first answer} replayed request
-- id, {3, ''} event already handled, {4, "<CODE> <REASON> <message>"} refused.
local function write_one(k, a)
  local expected = ARGV[a + 1]
  local new = expected == '0'
  if not new then
    local current = redis.call('GET', KEYS[k + 1])
    if not current or string.sub(current, 1, #expected + 1) ~= expected .. ':' then
      return {4, 'ABORTED TICKET_CHANGED ticket ' .. ARGV[a + 3] .. ' changed meanwhile'}
    end
  end
  local marked = false
  if ARGV[a + 7] ~= '' then
    if not aftersales_first_time(KEYS[k + 6], ARGV[a + 7]) then return {3, ''} end
    marked = true
  end
  local remembered = false
  if ARGV[a + 6] ~= '' then
    local prev = redis.call('SET', KEYS[k + 2], ARGV[a + 6], 'NX', 'GET', 'EX', ARGV[2])
    if prev then return {2, prev} end
    remembered = true
  end
  local number = ARGV[a + 3]
  local seq = ARGV[a + 4]
  if new then
    if not redis.call('SET', KEYS[k + 1], ARGV[a + 2], 'NX') then
      if remembered then redis.call('DEL', KEYS[k + 2]) end
      if marked then redis.call('DEL', KEYS[k + 6]) end
      return {4, 'ALREADY_EXISTS TICKET_EXISTS ticket ' .. number .. ' exists'}
    end
    redis.call('ZADD', KEYS[3], seq, number)
    redis.call('ZADD', KEYS[k + 3], seq, number)
    redis.call('ZADD', KEYS[k + 5], seq, number)
  else
    redis.call('SET', KEYS[k + 1], ARGV[a + 2])
    if KEYS[k + 4] ~= KEYS[k + 5] then
      redis.call('ZREM', KEYS[k + 4], number)
      redis.call('ZADD', KEYS[k + 5], seq, number)
    end
  end
  if ARGV[a + 5] ~= '' then
    redis.call('ZADD', KEYS[2], ARGV[a + 5], number)
  elseif not new then
    redis.call('ZREM', KEYS[2], number)
  end
  for i = 0, tonumber(ARGV[a + 8]) - 1 do aftersales_emit_argv(KEYS[1], a + 9 + i * 5) end
  return {1, tonumber(expected) + 1}
end
local results = {}
local a = 2
for t = 0, tonumber(ARGV[1]) - 1 do
  results[t + 1] = write_one(3 + t * 6, a)
  a = a + 8 + 5 * tonumber(ARGV[a + 8])
end
return results
)lua";

std::string RequestKey(const std::string& request_id) {
  // A key is still needed when there is no request id (same slot, unused).
  return keys::Request(request_id.empty() ? std::string("-") : request_id);
}

Status Unexpected(const redis::Reply& reply) {
  return Internal("UNEXPECTED_REPLY", "unexpected Redis reply " + reply.ToString());
}

}  // namespace

IntakeStore::IntakeStore(redis::RedisPool& pool)
    : pool_(pool),
      create_record_(std::string(kCreateRecordLua)),
      write_ticket_(streams::OutboxScript(kWriteTicketLua)) {}

Result<std::string> IntakeStore::CreateRecord(const std::string& key, const std::string& blob,
                                              const std::string& request_id,
                                              const std::string& request_value,
                                              const std::string& set_key, const std::string& member,
                                              const std::string& exists_reason,
                                              const std::string& exists_message) {
  Result<redis::Reply> reply =
      pool_.Eval(create_record_, {key, RequestKey(request_id), set_key.empty() ? key : set_key},
                 {blob, request_id.empty() ? std::string() : request_value,
                  std::to_string(kRequestIdTtl.count()), member, exists_reason, exists_message});
  if (!reply.ok()) return reply.status();
  if (reply->size() != 2) return Unexpected(*reply);
  if ((*reply)[0].integer() == 2) return (*reply)[1].string();
  return request_value;
}

Result<std::optional<std::string>> IntakeStore::Get(const std::string& key) {
  Result<redis::Reply> reply = pool_.Command({"GET", key});
  if (!reply.ok()) return reply.status();
  if (reply->is_nil()) return std::optional<std::string>();
  return std::optional<std::string>(reply->string());
}

Result<std::vector<std::string>> IntakeStore::GetMany(const std::vector<std::string>& keys) {
  std::vector<std::string> out;
  if (keys.empty()) return out;
  std::vector<std::string> argv{"MGET"};
  argv.insert(argv.end(), keys.begin(), keys.end());
  Result<redis::Reply> reply = pool_.Command(argv);
  if (!reply.ok()) return reply.status();
  for (size_t i = 0; i < reply->size(); ++i) {
    if ((*reply)[i].is_string()) out.push_back((*reply)[i].string());
  }
  return out;
}

Result<std::vector<std::string>> IntakeStore::Members(const std::string& set_key) {
  Result<redis::Reply> reply = pool_.Command({"SMEMBERS", set_key});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> out;
  for (size_t i = 0; i < reply->size(); ++i) out.push_back((*reply)[i].string());
  return out;
}

Result<std::vector<std::string>> IntakeStore::CustomerContracts(const std::string& customer_id,
                                                                TimePoint now) {
  {
    std::lock_guard lock(cache_mu_);
    auto it = contracts_cache_.find(customer_id);
    if (it != contracts_cache_.end() && now >= it->second.read_at &&
        now - it->second.read_at < kContractsTtl) {
      return it->second.blobs;
    }
  }
  Result<std::vector<std::string>> ids = Members(keys::CustomerContracts(customer_id));
  if (!ids.ok()) return ids.status();
  std::vector<std::string> contract_keys;
  for (const auto& id : *ids) contract_keys.push_back(keys::Contract(id));
  Result<std::vector<std::string>> blobs = GetMany(contract_keys);
  if (!blobs.ok()) return blobs.status();
  std::lock_guard lock(cache_mu_);
  if (contracts_cache_.size() > 100000) contracts_cache_.clear();
  contracts_cache_[customer_id] = {now, *blobs};
  return blobs;
}

void IntakeStore::ForgetContracts(const std::string& customer_id) {
  std::lock_guard lock(cache_mu_);
  contracts_cache_.erase(customer_id);
}

Result<std::optional<std::string>> IntakeStore::RequestResult(const std::string& request_id) {
  if (request_id.empty()) return std::optional<std::string>();
  return Get(keys::Request(request_id));
}

Result<uint64_t> IntakeStore::NextTicketSequence() {
  // Small enough that a restart's gap is unremarkable, large enough that the
  // reservation is rare.
  constexpr int64_t kBlock = 64;
  std::lock_guard lock(sequence_mu_);
  if (sequence_next_ == sequence_end_) {
    Result<redis::Reply> reply =
        pool_.Command({"INCRBY", keys::TicketSequence(), std::to_string(kBlock)});
    if (!reply.ok()) return reply.status();
    if (!reply->integer() || *reply->integer() < kBlock) return Unexpected(*reply);
    sequence_end_ = static_cast<uint64_t>(*reply->integer()) + 1;
    sequence_next_ = sequence_end_ - kBlock;
  }
  return sequence_next_++;
}

Result<IntakeStore::ReportLookup> IntakeStore::LookupReport(const std::string& request_id,
                                                            const std::string& customer_id,
                                                            const std::string& site_id,
                                                            const std::string& asset_serial) {
  // Bounded: a replica that has read this many records starts over.
  constexpr size_t kCacheLimit = 100000;
  const std::vector<std::pair<std::string, std::optional<std::string> ReportLookup::*>> wanted = {
      {customer_id.empty() ? std::string() : keys::Customer(customer_id), &ReportLookup::customer},
      {site_id.empty() ? std::string() : keys::Site(site_id), &ReportLookup::site},
      {asset_serial.empty() ? std::string() : keys::Asset(asset_serial), &ReportLookup::asset}};
  ReportLookup out;
  std::vector<std::string> missing;
  {
    std::lock_guard lock(cache_mu_);
    for (const auto& [key, field] : wanted) {
      if (key.empty()) continue;
      auto it = install_base_cache_.find(key);
      if (it == install_base_cache_.end()) {
        missing.push_back(key);
      } else {
        out.*field = it->second;
      }
    }
  }
  if (missing.empty()) return out;
  std::vector<std::string> argv{"MGET", RequestKey(request_id)};
  argv.insert(argv.end(), missing.begin(), missing.end());
  Result<redis::Reply> values = pool_.Command(argv);
  if (!values.ok()) return values.status();
  if (!request_id.empty() && (*values)[0].is_string()) out.request = (*values)[0].string();
  std::lock_guard lock(cache_mu_);
  if (install_base_cache_.size() > kCacheLimit) install_base_cache_.clear();
  for (size_t i = 0; i < missing.size(); ++i) {
    if (!(*values)[i + 1].is_string()) continue;
    std::string value = (*values)[i + 1].string();
    install_base_cache_[missing[i]] = value;
    for (const auto& [key, field] : wanted) {
      if (key == missing[i]) out.*field = value;
    }
  }
  return out;
}

namespace {
// A ticket key holds "<version>:<encoded ticket>" (see the write script).
Result<std::optional<VersionedTicket>> FromValue(redis::ReplyView value) {
  if (value.is_nil()) return std::optional<VersionedTicket>();
  const std::string_view bytes = value.str();
  const size_t colon = bytes.find(':');
  int64_t version = 0;
  if (colon == std::string_view::npos ||
      std::from_chars(bytes.data(), bytes.data() + colon, version).ptr != bytes.data() + colon) {
    return Status(Code::kDataLoss, "CORRUPT_TICKET", "a stored ticket has no version");
  }
  Result<StoredTicket> ticket = DecodeTicket(bytes.substr(colon + 1));
  if (!ticket.ok()) return ticket.status();
  return std::optional<VersionedTicket>(VersionedTicket{std::move(ticket).value(), version});
}
}  // namespace

Result<std::optional<VersionedTicket>> IntakeStore::LoadTicket(const std::string& number) {
  Result<redis::Reply> reply = pool_.Command({"GET", keys::Ticket(number)});
  if (!reply.ok()) return reply.status();
  return FromValue(reply->view());
}

Result<std::vector<VersionedTicket>> IntakeStore::LoadTickets(
    const std::vector<std::string>& numbers) {
  std::vector<VersionedTicket> out;
  if (numbers.empty()) return out;
  std::vector<std::string> argv{"MGET"};
  for (const auto& n : numbers) argv.push_back(keys::Ticket(n));
  Result<redis::Reply> reply = pool_.Command(argv);
  if (!reply.ok()) return reply.status();
  for (size_t i = 0; i < reply->size(); ++i) {
    Result<std::optional<VersionedTicket>> t = FromValue((*reply)[i]);
    if (!t.ok()) return t.status();
    if (t->has_value()) out.push_back(std::move(**t));
  }
  return out;
}

Result<TicketWriteResult> IntakeStore::WriteTicket(const TicketWrite& write) {
  Result<std::vector<Result<TicketWriteResult>>> results = WriteTickets({&write});
  if (!results.ok()) return results.status();
  return std::move(results->front());
}

Result<std::vector<Result<TicketWriteResult>>> IntakeStore::WriteTickets(
    const std::vector<const TicketWrite*>& writes) {
  std::vector<std::string> keys_{keys::Events(), keys::ClockSchedule(), keys::TicketsAll()};
  std::vector<std::string> args{std::to_string(writes.size()),
                                std::to_string(kRequestIdTtl.count())};
  keys_.reserve(3 + 6 * writes.size());
  args.reserve(2 + 13 * writes.size());
  for (const TicketWrite* write : writes) {
    const StoredTicket& t = *write->ticket;
    const TicketRecord& r = t.record;
    std::string number = r.number.ToString();
    const std::string_view status = TicketStatusName(r.status);
    const std::string_view severity = SeverityName(r.severity);
    const std::optional<TimePoint> next = Ticket::NextClockEvent(r);
    std::string ticket_key = keys::Ticket(number);
    // No handled marker: a key of the same slot stands in (unused).
    std::string handled_key = write->handled ? write->handled->key : ticket_key;
    keys_.push_back(std::move(ticket_key));
    keys_.push_back(RequestKey(write->request_id));
    keys_.push_back(keys::TicketsByCustomer(r.report.customer_id));
    keys_.push_back(keys::TicketsByState(
        write->previous_status.empty() ? status : std::string_view(write->previous_status),
        write->previous_severity.empty() ? severity : std::string_view(write->previous_severity)));
    keys_.push_back(keys::TicketsByState(status, severity));
    keys_.push_back(std::move(handled_key));
    std::string request_value;
    if (!write->request_id.empty()) {
      request_value = "ticket:";
      request_value += number;
    }
    args.push_back(std::to_string(write->expected_version));
    std::string value = std::to_string(write->expected_version + 1);
    value += ':';
    value += EncodeTicket(t);
    args.push_back(std::move(value));
    args.push_back(std::move(number));
    args.push_back(std::to_string(r.number.sequence()));
    args.push_back(next ? std::to_string(ToUnixMillis(*next)) : std::string());
    args.push_back(std::move(request_value));
    args.push_back(write->handled ? write->handled->ttl_seconds : std::string());
    args.push_back(std::to_string(write->events.size()));
    for (const auto& e : write->events) {
      for (auto& a : streams::EmitArgs(e)) args.push_back(std::move(a));
    }
  }
  Result<redis::Reply> reply = pool_.Eval(write_ticket_, keys_, args);
  if (!reply.ok()) return reply.status();
  if (reply->size() != writes.size()) return Unexpected(*reply);
  std::vector<Result<TicketWriteResult>> out;
  for (size_t i = 0; i < writes.size(); ++i) {
    const redis::ReplyView one = (*reply)[i];
    TicketWriteResult result;
    switch (one[0].integer().value_or(0)) {
      case 1:
        result.outcome = TicketWriteResult::Outcome::kWritten;
        result.version = one[1].integer().value_or(0);
        out.push_back(result);
        break;
      case 2:
        result.outcome = TicketWriteResult::Outcome::kReplayed;
        result.replayed = one[1].string();
        out.push_back(result);
        break;
      case 3:
        result.outcome = TicketWriteResult::Outcome::kAlreadyHandled;
        out.push_back(result);
        break;
      case 4:
        out.push_back(redis::ErrorReplyToStatus(one[1].str()));
        break;
      default:
        out.push_back(Unexpected(*reply));
    }
  }
  return out;
}

Result<TicketIndexPage> IntakeStore::ListIndexes(const std::vector<std::string>& index_keys,
                                                 uint64_t before, int limit) {
  const std::string max = before == 0 ? std::string("+inf") : "(" + std::to_string(before);
  std::vector<std::vector<std::string>> commands;
  for (const std::string& key : index_keys) {
    commands.push_back({"ZREVRANGEBYSCORE", key, max, "-inf", "WITHSCORES", "LIMIT", "0",
                        std::to_string(limit + 1)});
  }
  Result<std::vector<redis::Reply>> replies = pool_.Pipeline(commands);
  if (!replies.ok()) return replies.status();
  // The indexes are disjoint and each gave its newest `limit + 1` below the
  // cursor, so the newest `limit + 1` of their union are among these.
  std::vector<std::pair<uint64_t, std::string>> merged;
  for (const redis::Reply& reply : *replies) {
    for (size_t i = 0; i + 1 < reply.size(); i += 2) {
      merged.emplace_back(static_cast<uint64_t>(reply[i + 1].integer().value_or(0)),
                          reply[i].string());
    }
  }
  std::sort(merged.begin(), merged.end(),
            [](const auto& x, const auto& y) { return x.first > y.first; });
  TicketIndexPage page;
  page.more = merged.size() > static_cast<size_t>(limit);
  for (size_t i = 0; i < merged.size() && i < static_cast<size_t>(limit); ++i) {
    page.sequences.push_back(merged[i].first);
    page.numbers.push_back(std::move(merged[i].second));
  }
  return page;
}

Result<std::vector<std::string>> IntakeStore::DueTickets(TimePoint now, int limit) {
  Result<redis::Reply> reply =
      pool_.Command({"ZRANGEBYSCORE", keys::ClockSchedule(), "-inf",
                     std::to_string(ToUnixMillis(now)), "LIMIT", "0", std::to_string(limit)});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> out;
  for (size_t i = 0; i < reply->size(); ++i) out.push_back((*reply)[i].string());
  return out;
}

}  // namespace aftersales::intake

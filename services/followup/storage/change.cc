#include "services/followup/storage/change.h"

#include "services/common/streams/outbox.h"

namespace aftersales::followup {
namespace {

constexpr char kApplyBody[] = R"lua(
local i = 1
local n_guards = tonumber(ARGV[i]); i = i + 1
for _ = 1, n_guards do
  local op = ARGV[i]
  local key = KEYS[tonumber(ARGV[i + 1])]
  if op == 'ABSENT' then
    if redis.call('EXISTS', key) == 1 then return 0 end
    i = i + 2
  elseif op == 'FIELD' then
    local v = redis.call('HGET', key, ARGV[i + 2])
    if v == false then v = '' end
    if v ~= ARGV[i + 3] then
      return redis.error_reply('ABORTED CONCURRENT_UPDATE the record changed meanwhile, try again')
    end
    i = i + 4
  elseif op == 'SCORE' then
    local s = redis.call('ZSCORE', key, ARGV[i + 2])
    if s == false or tonumber(s) ~= tonumber(ARGV[i + 3]) then return 0 end
    i = i + 4
  elseif op == 'FIRST' then
    i = i + 3  -- checked below, once every read-only guard has passed
  else
    return redis.error_reply('INTERNAL BAD_CHANGE unknown guard ' .. op)
  end
end
-- Event markers last: setting one is a write, so it must not happen when a
-- read-only guard above turned the change down.
local j = 2
for _ = 1, n_guards do
  local op = ARGV[j]
  if op == 'ABSENT' then
    j = j + 2
  elseif op == 'FIELD' or op == 'SCORE' then
    j = j + 4
  else
    if not aftersales_first_time(KEYS[tonumber(ARGV[j + 1])], ARGV[j + 2]) then return 0 end
    j = j + 3
  end
end
local allowed = {HSET = true, DEL = true, ZADD = true, ZREM = true, RPUSH = true, SADD = true,
                 SET = true, HINCRBY = true, HSETNX = true}
local n_writes = tonumber(ARGV[i]); i = i + 1
for _ = 1, n_writes do
  local op = ARGV[i]
  local key = KEYS[tonumber(ARGV[i + 1])]
  local argc = tonumber(ARGV[i + 2])
  local args = {}
  for a = 1, argc do args[a] = ARGV[i + 2 + a] end
  i = i + 3 + argc
  if op == 'EMIT' then
    aftersales_emit(key, args[1], args[2], args[3], args[4], args[5])
  elseif allowed[op] then
    redis.call(op, key, unpack(args))
  else
    return redis.error_reply('INTERNAL BAD_CHANGE unknown write ' .. op)
  end
end
return 1
)lua";

const redis::Script& ApplyScript() {
  static const redis::Script script(streams::OutboxScript(kApplyBody));
  return script;
}

}  // namespace

int Change::KeyIndex(const std::string& key) {
  auto [it, inserted] = key_index_.try_emplace(key, static_cast<int>(keys_.size()) + 1);
  if (inserted) keys_.push_back(key);
  return it->second;
}

void Change::Absent(const std::string& key) {
  guards_.push_back("ABSENT");
  guards_.push_back(std::to_string(KeyIndex(key)));
  ++guard_count_;
}

void Change::FirstTime(const std::string& marker, int64_t ttl_seconds) {
  guards_.push_back("FIRST");
  guards_.push_back(std::to_string(KeyIndex(marker)));
  guards_.push_back(std::to_string(ttl_seconds));
  ++guard_count_;
}

void Change::FieldIs(const std::string& key, const std::string& field, const std::string& value) {
  guards_.push_back("FIELD");
  guards_.push_back(std::to_string(KeyIndex(key)));
  guards_.push_back(field);
  guards_.push_back(value);
  ++guard_count_;
}

void Change::ScoreIs(const std::string& key, const std::string& member, int64_t score) {
  guards_.push_back("SCORE");
  guards_.push_back(std::to_string(KeyIndex(key)));
  guards_.push_back(member);
  guards_.push_back(std::to_string(score));
  ++guard_count_;
}

void Change::Write(const std::string& command, const std::string& key,
                   std::vector<std::string> args) {
  writes_.push_back(command);
  writes_.push_back(std::to_string(KeyIndex(key)));
  writes_.push_back(std::to_string(args.size()));
  for (auto& a : args) writes_.push_back(std::move(a));
  ++write_count_;
}

void Change::Emit(const std::string& stream, const streams::EventToPublish& event) {
  Write("EMIT", stream, streams::EmitArgs(event));
}

Result<bool> Change::Apply(redis::RedisPool& pool) const {
  std::vector<std::string> args;
  args.reserve(guards_.size() + writes_.size() + 2);
  args.push_back(std::to_string(guard_count_));
  args.insert(args.end(), guards_.begin(), guards_.end());
  args.push_back(std::to_string(write_count_));
  args.insert(args.end(), writes_.begin(), writes_.end());
  auto reply = pool.Eval(ApplyScript(), keys_, args);
  if (!reply.ok()) return reply.status();
  return reply->integer().value_or(0) == 1;
}

}  // namespace aftersales::followup

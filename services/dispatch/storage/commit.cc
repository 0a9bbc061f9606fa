#include "services/dispatch/storage/commit.h"

#include <cstdio>

#include "services/common/redis/script.h"
#include "services/common/streams/outbox.h"
#include "services/dispatch/storage/keys.h"

namespace aftersales::dispatch {
namespace {

// ARGV: guard count, guards..., op count, ops...; a key is referenced by its
// index in KEYS. Locals are read one by one because Lua does not promise the
// evaluation order of call arguments.
constexpr char kCommitBody[] = R"lua(
local a = 1
local function arg() local v = ARGV[a]; a = a + 1; return v end
local function key() return KEYS[tonumber(arg())] end
local ng = tonumber(arg())
for _ = 1, ng do
  local kind = arg()
  if kind == 'version' then
    local k = key(); local want = arg()
    local have = redis.call('HGET', k, 'version') or '0'
    if have ~= want then
      return redis.error_reply('ABORTED VERSION_CONFLICT ' .. k .. ' changed meanwhile')
    end
  elseif kind == 'absent' then
    local k = key()
    local v = redis.call('GET', k)
    if v then return {'exists', v} end
  elseif kind == 'capacity' then
    local ek = key(); local jk = key(); local freed = tonumber(arg())
    local max = tonumber(redis.call('HGET', ek, 'max_jobs') or '0')
    local state = redis.call('HGET', ek, 'state')
    if (not state) or state == 'OFF_DUTY' or redis.call('HLEN', jk) - freed >= max then
      return redis.error_reply('ABORTED ENGINEER_UNAVAILABLE ' .. ek .. ' is off duty or at its job limit')
    end
  elseif kind == 'revision' then
    local k = key(); local want = arg()
    local have = redis.call('GET', k) or '0'
    if have ~= want then
      return redis.error_reply('ABORTED STALE_ENGINEERS engineers changed since the plan (' .. have .. ', planned at ' .. want .. ')')
    end
  elseif kind == 'claim' then
    local k = key(); local m = arg()
    if not redis.call('ZSCORE', k, m) then return {'lost', ''} end
  end
end
local no = tonumber(arg())
local revision = 0
for _ = 1, no do
  local op = arg()
  if op == 'hset' then
    local k = key(); local f = arg(); local v = arg()
    redis.call('HSET', k, f, v)
  elseif op == 'hdel' then
    local k = key(); local f = arg()
    redis.call('HDEL', k, f)
  elseif op == 'set' then
    local k = key(); local v = arg(); local ttl = tonumber(arg())
    if ttl > 0 then redis.call('SET', k, v, 'EX', ttl) else redis.call('SET', k, v) end
  elseif op == 'incr' then
    redis.call('INCR', key())
  elseif op == 'zadd' then
    local k = key(); local s = arg(); local m = arg()
    redis.call('ZADD', k, s, m)
  elseif op == 'zrem' then
    local k = key(); local m = arg()
    redis.call('ZREM', k, m)
  elseif op == 'rpush' then
    local k = key(); local v = arg()
    redis.call('RPUSH', k, v)
  elseif op == 'touch' then
    local ek = key(); local rk = key(); local ck = key(); local id = arg(); local st = arg()
    if st ~= '' and redis.call('HGET', ek, 'state') ~= 'OFF_DUTY' then
      redis.call('HSET', ek, 'state', st)
    end
    local r = redis.call('INCR', rk)
    redis.call('ZADD', ck, r, id)
    revision = r
  elseif op == 'emit' then
    local k = key(); local i = a; a = a + 5
    aftersales_emit_argv(k, i)
  end
end
return {'ok', revision}
)lua";

const redis::Script& CommitScript() {
  static const redis::Script script(streams::OutboxScript(kCommitBody));
  return script;
}

std::string ScoreText(double score) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", score);
  return buf;
}

}  // namespace

std::string Commit::KeyRef(const std::string& key) {
  auto [it, inserted] = key_index_.emplace(key, keys_.size() + 1);
  if (inserted) keys_.push_back(key);
  return std::to_string(it->second);
}

void Commit::VersionIs(const std::string& hash_key, int64_t version) {
  guards_.insert(guards_.end(), {"version", KeyRef(hash_key), std::to_string(version)});
  ++guard_count_;
}
void Commit::Absent(const std::string& key) {
  guards_.insert(guards_.end(), {"absent", KeyRef(key)});
  ++guard_count_;
}
void Commit::HasCapacity(const std::string& engineer_key, const std::string& jobs_key, int freed) {
  guards_.insert(guards_.end(),
                 {"capacity", KeyRef(engineer_key), KeyRef(jobs_key), std::to_string(freed)});
  ++guard_count_;
}
void Commit::EngineersRevisionIs(int64_t revision) {
  guards_.insert(guards_.end(),
                 {"revision", KeyRef(keys::EngineersRevision()), std::to_string(revision)});
  ++guard_count_;
}
void Commit::Claim(const std::string& zset_key, const std::string& member) {
  guards_.insert(guards_.end(), {"claim", KeyRef(zset_key), member});
  ++guard_count_;
}
void Commit::HSet(const std::string& key, const std::string& field, const std::string& value) {
  ops_.insert(ops_.end(), {"hset", KeyRef(key), field, value});
  ++op_count_;
}
void Commit::HDel(const std::string& key, const std::string& field) {
  ops_.insert(ops_.end(), {"hdel", KeyRef(key), field});
  ++op_count_;
}
void Commit::Set(const std::string& key, const std::string& value, int64_t ttl_seconds) {
  ops_.insert(ops_.end(), {"set", KeyRef(key), value, std::to_string(ttl_seconds)});
  ++op_count_;
}
void Commit::Incr(const std::string& key) {
  ops_.insert(ops_.end(), {"incr", KeyRef(key)});
  ++op_count_;
}
void Commit::ZAdd(const std::string& key, double score, const std::string& member) {
  ops_.insert(ops_.end(), {"zadd", KeyRef(key), ScoreText(score), member});
  ++op_count_;
}
void Commit::ZRem(const std::string& key, const std::string& member) {
  ops_.insert(ops_.end(), {"zrem", KeyRef(key), member});
  ++op_count_;
}
void Commit::RPush(const std::string& key, const std::string& value) {
  ops_.insert(ops_.end(), {"rpush", KeyRef(key), value});
  ++op_count_;
}
void Commit::Emit(const std::string& stream_key, const streams::EventToPublish& event) {
  ops_.insert(ops_.end(), {"emit", KeyRef(stream_key)});
  for (std::string& v : streams::EmitArgs(event)) ops_.push_back(std::move(v));
  ++op_count_;
}

void Commit::TouchEngineer(const std::string& engineer_id, const std::string& state) {
  ops_.insert(ops_.end(),
              {"touch", KeyRef(keys::Engineer(engineer_id)), KeyRef(keys::EngineersRevision()),
               KeyRef(keys::EngineersChanged()), engineer_id, state});
  ++op_count_;
  ++touch_count_;
}

Result<CommitOutcome> Commit::Run(redis::RedisPool& pool) const {
  std::vector<std::string> args;
  args.reserve(guards_.size() + ops_.size() + 2);
  args.push_back(std::to_string(guard_count_));
  args.insert(args.end(), guards_.begin(), guards_.end());
  args.push_back(std::to_string(op_count_));
  args.insert(args.end(), ops_.begin(), ops_.end());
  Result<redis::Reply> reply = pool.Eval(CommitScript(), keys_, args);
  if (!reply.ok()) return reply.status();
  const std::string_view kind = (*reply)[0].str();
  if (kind == "ok") {
    CommitOutcome applied;
    applied.revision = (*reply)[1].integer().value_or(0);
    return applied;
  }
  if (kind == "exists") return CommitOutcome{CommitOutcome::Kind::kExists, (*reply)[1].string()};
  if (kind == "lost") return CommitOutcome{CommitOutcome::Kind::kLost, ""};
  return Internal("COMMIT_BAD_REPLY", "unexpected commit reply " + reply->ToString());
}

}  // namespace aftersales::dispatch

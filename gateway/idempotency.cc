#include "gateway/idempotency.h"

#include <openssl/sha.h>

#include <future>

namespace aftersales::gateway {
namespace {

// Every step of one batch in one run, in the order they were queued.
// Step i: KEYS[i]; ARGV[4i-3..4i] = 'S', request hash, pending ttl ms, ''
// for a Start; 'F', status, body, ttl ms for a Finish (a non-2xx status
// releases the key). One answer per step: {'NEW'}, {'CONFLICT'},
// {'PENDING'}, {'REPLAY', status, body}, or {'DONE'} for a Finish.
constexpr char kSteps[] = R"lua(
local out = {}
for i = 1, #KEYS do
  local key, kind = KEYS[i], ARGV[4 * i - 3]
  local a, b, c = ARGV[4 * i - 2], ARGV[4 * i - 1], ARGV[4 * i]
  if kind == 'S' then
    local v = redis.call('HMGET', key, 'hash', 'status', 'body')
    if not v[1] then
      redis.call('HSET', key, 'hash', a)
      redis.call('PEXPIRE', key, b)
      out[i] = {'NEW'}
    elseif v[1] ~= a then
      out[i] = {'CONFLICT'}
    elseif not v[2] then
      out[i] = {'PENDING'}
    else
      out[i] = {'REPLAY', v[2], v[3]}
    end
  else
    local status = tonumber(a)
    if status < 200 or status > 299 then
      redis.call('DEL', key)
    else
      redis.call('HSET', key, 'status', a, 'body', b)
      redis.call('PEXPIRE', key, c)
    end
    out[i] = {'DONE'}
  end
end
return out
)lua";

}  // namespace

IdempotencyStore::IdempotencyStore(redis::RedisPool* redis, std::chrono::milliseconds ttl,
                                   std::chrono::milliseconds pending_ttl, size_t max_batch)
    : ttl_(ttl),
      pending_ttl_(pending_ttl),
      script_(kSteps),
      connection_(redis->options()),
      batcher_([this](std::vector<Step>& steps) { return Run(steps); }, max_batch) {}

std::string IdempotencyStore::KeyFor(const std::string& subject, const std::string& key) {
  std::string k = "{gateway}:idem:";
  k += subject;
  k += ':';
  k += key;
  return k;
}

std::string IdempotencyStore::RequestHash(std::string_view method, std::string_view path,
                                          std::string_view body) {
  std::string input(method);
  input += ' ';
  input += path;
  input += '\n';
  input += body;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

Result<std::vector<Result<IdempotencyStore::StepResult>>> IdempotencyStore::Run(
    std::vector<Step>& steps) {
  std::vector<std::string> keys;
  std::vector<std::string> args;
  keys.reserve(steps.size());
  args.reserve(4 * steps.size());
  const std::string pending_ttl = std::to_string(pending_ttl_.count());
  const std::string ttl = std::to_string(ttl_.count());
  for (Step& s : steps) {
    keys.push_back(std::move(s.key));
    if (s.finish) {
      args.emplace_back("F");
      args.push_back(std::to_string(s.answer.status));
      args.push_back(std::move(s.answer.body));
      args.push_back(ttl);
    } else {
      args.emplace_back("S");
      args.push_back(std::move(s.hash));
      args.push_back(pending_ttl);
      args.emplace_back();
    }
  }
  auto reply = script_.Eval(connection_, keys, args);
  if (!reply.ok()) return reply.status();
  std::vector<Result<StepResult>> out;
  out.reserve(steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    if (i >= reply->size()) {
      out.emplace_back(Internal("IDEMPOTENCY_SCRIPT", "the script answered fewer steps"));
      continue;
    }
    const auto step = (*reply)[i];
    const std::string_view what = step.size() > 0 ? step[0].str() : std::string_view();
    Begin b;
    if (what == "NEW" || what == "DONE") {
      b.outcome = Outcome::kNew;
    } else if (what == "CONFLICT") {
      b.outcome = Outcome::kConflict;
    } else if (what == "PENDING") {
      b.outcome = Outcome::kPending;
    } else {
      b.outcome = Outcome::kReplay;
      b.answer.status = static_cast<int>(step[1].integer().value_or(200));
      b.answer.body = step[2].string();
    }
    out.emplace_back(std::move(b));
  }
  return out;
}

void IdempotencyStore::StartAsync(const std::string& subject, const std::string& key,
                                  const std::string& request_hash, StartDone done) {
  Step s;
  s.key = KeyFor(subject, key);
  s.hash = request_hash;
  batcher_.Submit(std::move(s), std::move(done));
}

void IdempotencyStore::FinishAsync(const std::string& subject, const std::string& key,
                                   StoredAnswer answer, FinishDone done) {
  Step s;
  s.finish = true;
  s.key = KeyFor(subject, key);
  s.answer = std::move(answer);
  batcher_.Submit(std::move(s), [done = std::move(done)](Result<StepResult> r) {
    done(r.ok() ? Status::Ok() : r.status());
  });
}

Result<IdempotencyStore::Begin> IdempotencyStore::Start(const std::string& subject,
                                                        const std::string& key,
                                                        const std::string& request_hash) {
  std::promise<Result<Begin>> p;
  StartAsync(subject, key, request_hash, [&p](Result<Begin> r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

Status IdempotencyStore::Finish(const std::string& subject, const std::string& key,
                                const StoredAnswer& answer) {
  std::promise<Status> p;
  FinishAsync(subject, key, answer, [&p](Status s) { p.set_value(std::move(s)); });
  return p.get_future().get();
}

}  // namespace aftersales::gateway

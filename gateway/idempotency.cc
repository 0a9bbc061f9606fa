#include "gateway/idempotency.h"

#include <openssl/sha.h>

namespace aftersales::gateway {
namespace {

// KEYS[1]; ARGV request hash, pending ttl ms.
constexpr char kStart[] = R"lua(
local v = redis.call('HMGET', KEYS[1], 'hash', 'status', 'body')
if not v[1] then
  redis.call('HSET', KEYS[1], 'hash', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {'NEW'}
end
if v[1] ~= ARGV[1] then return {'CONFLICT'} end
if not v[2] then return {'PENDING'} end
return {'REPLAY', v[2], v[3]}
)lua";

// KEYS[1]; ARGV status, body, ttl ms. A non-2xx status releases the key.
constexpr char kFinish[] = R"lua(
local status = tonumber(ARGV[1])
if status < 200 or status > 299 then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'body', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
)lua";

}  // namespace

IdempotencyStore::IdempotencyStore(redis::RedisPool* redis, std::chrono::milliseconds ttl,
                                   std::chrono::milliseconds pending_ttl)
    : redis_(redis), ttl_(ttl), pending_ttl_(pending_ttl), start_(kStart), finish_(kFinish) {}

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

Result<IdempotencyStore::Begin> IdempotencyStore::Start(const std::string& subject,
                                                        const std::string& key,
                                                        const std::string& request_hash) {
  auto reply = redis_->Eval(start_, {KeyFor(subject, key)},
                            {request_hash, std::to_string(pending_ttl_.count())});
  if (!reply.ok()) return reply.status();
  Begin b;
  const std::string_view what = (*reply)[0].str();
  if (what == "NEW") {
    b.outcome = Outcome::kNew;
  } else if (what == "CONFLICT") {
    b.outcome = Outcome::kConflict;
  } else if (what == "PENDING") {
    b.outcome = Outcome::kPending;
  } else {
    b.outcome = Outcome::kReplay;
    b.answer.status = static_cast<int>((*reply)[1].integer().value_or(200));
    b.answer.body = (*reply)[2].string();
  }
  return b;
}

Status IdempotencyStore::Finish(const std::string& subject, const std::string& key,
                                const StoredAnswer& answer) {
  auto reply =
      redis_->Eval(finish_, {KeyFor(subject, key)},
                   {std::to_string(answer.status), answer.body, std::to_string(ttl_.count())});
  return reply.ok() ? Status::Ok() : reply.status();
}

}  // namespace aftersales::gateway

// Owned hiredis replies and safe, non-owning views into them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "services/common/status.h"

struct redisReply;

namespace aftersales::redis {

enum class ReplyType { kNil, kString, kStatus, kInteger, kArray, kError };

// A view of one reply node. Valid while the owning Reply lives. A view of a
// missing node (null, or an out-of-range element) behaves as nil, so a reply of
// an unexpected shape reads as empty values instead of crashing.
class ReplyView {
 public:
  ReplyView() = default;
  explicit ReplyView(const redisReply* reply) : reply_(reply) {}

  ReplyType type() const;
  bool is_nil() const { return type() == ReplyType::kNil; }
  bool is_string() const { return type() == ReplyType::kString; }
  bool is_status() const { return type() == ReplyType::kStatus; }
  bool is_integer() const { return type() == ReplyType::kInteger; }
  bool is_array() const { return type() == ReplyType::kArray; }
  bool is_error() const { return type() == ReplyType::kError; }

  // Bytes of a string, status or error reply; empty for other types.
  std::string_view str() const;
  std::string string() const { return std::string(str()); }
  // The integer of an integer reply, or a string reply that is a decimal
  // integer (Redis returns numbers as strings in many places); else nullopt.
  std::optional<int64_t> integer() const;
  // Elements of an array reply; 0 for other types.
  size_t size() const;
  ReplyView operator[](size_t i) const;

  // Debug/diagnostic rendering, e.g. `["a", 1, nil]`.
  std::string ToString() const;

 private:
  const redisReply* reply_ = nullptr;
};

struct FreeReply {
  void operator()(redisReply* reply) const;
};

// Owns a top-level reply; sub-replies are freed with it, never on their own.
class Reply {
 public:
  Reply() = default;
  explicit Reply(redisReply* reply) : reply_(reply) {}

  ReplyView view() const { return ReplyView(reply_.get()); }
  ReplyType type() const { return view().type(); }
  bool is_nil() const { return view().is_nil(); }
  bool is_string() const { return view().is_string(); }
  bool is_status() const { return view().is_status(); }
  bool is_integer() const { return view().is_integer(); }
  bool is_array() const { return view().is_array(); }
  bool is_error() const { return view().is_error(); }
  std::string_view str() const { return view().str(); }
  std::string string() const { return view().string(); }
  std::optional<int64_t> integer() const { return view().integer(); }
  size_t size() const { return view().size(); }
  ReplyView operator[](size_t i) const { return view()[i]; }
  std::string ToString() const { return view().ToString(); }

 private:
  std::unique_ptr<redisReply, FreeReply> reply_;
};

// Parses one complete RESP2 reply from bytes (used by tests and tools).
Result<Reply> ParseReply(std::string_view resp);

// Maps a Redis error reply text to a Status.
//  - Scripts reject a state change with an error of the form
//    "<CODE_NAME> <REASON> <message>", e.g.
//    `return redis.error_reply("FAILED_PRECONDITION TICKET_CLOSED ticket 7 is closed")`;
//    that becomes Status(kFailedPrecondition, "TICKET_CLOSED", "ticket 7 is closed").
//  - Known Redis prefixes get a specific code (NOSCRIPT, WRONGTYPE, BUSYGROUP,
//    NOGROUP, LOADING, ...); reason "REDIS_<PREFIX>".
//  - Anything else is INTERNAL with reason "REDIS_ERROR".
// `context` (e.g. "127.0.0.1:6379 GET") is prefixed to messages of Redis' own errors.
Status ErrorReplyToStatus(std::string_view error, std::string_view context = {});

}  // namespace aftersales::redis

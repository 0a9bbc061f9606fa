// Redis client pieces that need no server: options, replies, errors, SHA-1.
#include <catch2/catch.hpp>
#include <string>

#include "services/common/redis/options.h"
#include "services/common/redis/pool.h"
#include "services/common/redis/reply.h"
#include "services/common/redis/script.h"
#include "services/common/redis/sha1.h"

namespace aftersales::redis {
namespace {

TEST_CASE("default options are valid") { CHECK(ValidateOptions(RedisOptions{}).ok()); }

TEST_CASE("invalid options name every bad field") {
  RedisOptions options;
  options.host = "";
  options.port = 70000;
  options.pool_size = 0;
  options.command_timeout = std::chrono::milliseconds(0);
  Status s = ValidateOptions(options);
  REQUIRE(s.code() == Code::kInvalidArgument);
  std::vector<std::string> fields;
  for (const auto& v : s.field_violations()) fields.push_back(v.field);
  CHECK(fields == std::vector<std::string>{"host", "port", "command_timeout", "pool_size"});

  Result<RedisPoolPtr> pool = RedisPool::Create(options);
  REQUIRE_FALSE(pool.ok());
  CHECK(pool.status().code() == Code::kInvalidArgument);
}

TEST_CASE("pool creation does not need a running server") {
  RedisOptions options;
  options.port = 1;  // nothing listens there; connections are lazy
  Result<RedisPoolPtr> pool = RedisPool::Create(options);
  CHECK(pool.ok());
}

TEST_CASE("reply views read strings, integers and nested arrays") {
  static constexpr char kResp[] = "*4\r\n$3\r\na\0b\r\n:42\r\n$-1\r\n*2\r\n+OK\r\n$2\r\n17\r\n";
  Result<Reply> reply = ParseReply(std::string_view(kResp, sizeof(kResp) - 1));  // keeps the NUL
  REQUIRE(reply.ok());
  REQUIRE(reply->is_array());
  REQUIRE(reply->size() == 4);
  CHECK((*reply)[0].str() == std::string_view("a\0b", 3));
  CHECK((*reply)[1].integer() == 42);
  CHECK((*reply)[2].is_nil());
  CHECK((*reply)[3][0].is_status());
  CHECK((*reply)[3][0].str() == "OK");
  CHECK((*reply)[3][1].integer() == 17);  // numeric bulk string
  // Out-of-range and wrong-type access reads as nil/empty rather than crashing.
  CHECK((*reply)[9].is_nil());
  CHECK((*reply)[1][0].is_nil());
  CHECK((*reply)[0].size() == 0);
  CHECK_FALSE((*reply)[0].integer().has_value());
  CHECK(ReplyView().str().empty());
}

TEST_CASE("malformed reply bytes are an error, not a crash") {
  CHECK_FALSE(ParseReply("?what\r\n").ok());
  CHECK_FALSE(ParseReply("$5\r\nab").ok());  // incomplete
}

TEST_CASE("error replies map to statuses") {
  Status wrongtype = ErrorReplyToStatus(
      "WRONGTYPE Operation against a key holding the wrong kind of value", "h:1 GET");
  CHECK(wrongtype.code() == Code::kFailedPrecondition);
  CHECK(wrongtype.reason() == "REDIS_WRONGTYPE");
  CHECK(wrongtype.message().find("h:1 GET") != std::string::npos);

  CHECK(ErrorReplyToStatus("NOSCRIPT No matching script").reason() == "REDIS_NOSCRIPT");
  CHECK(ErrorReplyToStatus("LOADING Redis is loading").code() == Code::kUnavailable);
  CHECK(ErrorReplyToStatus("BUSYGROUP Consumer Group name already exists").code() ==
        Code::kAlreadyExists);

  Status generic = ErrorReplyToStatus("ERR unknown command 'FOO'");
  CHECK(generic.code() == Code::kInternal);
  CHECK(generic.reason() == "REDIS_ERROR");

  Status domain = ErrorReplyToStatus("FAILED_PRECONDITION TICKET_CLOSED ticket 7 is closed");
  CHECK(domain.code() == Code::kFailedPrecondition);
  CHECK(domain.reason() == "TICKET_CLOSED");
  CHECK(domain.message() == "ticket 7 is closed");
}

TEST_CASE("sha1 matches the standard test vectors") {
  CHECK(Sha1Hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(Sha1Hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(Sha1Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  CHECK(Sha1Hex(std::string(1000000, 'a')) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  // 55 and 56 bytes straddle the one-or-two padding blocks boundary.
  CHECK(Sha1Hex(std::string(55, 'a')) == "c1c8bbdc22796e28c0e15163d20899b65621d65a");
  CHECK(Sha1Hex(std::string(56, 'a')) == "c2db330f6083854c99d4b5bfb6e8f29f201be699");
}

TEST_CASE("a script is named by the sha1 of its source") {
  Script script("return 1");
  CHECK(script.sha() == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

TEST_CASE("only calls that change nothing count as safe to repeat") {
  CHECK(SafeToRepeat({"GET", "k"}));
  CHECK(SafeToRepeat({"hgetall", "k"}));  // any case
  CHECK(SafeToRepeat({"XRANGE", "s", "-", "+"}));
  CHECK(SafeToRepeat({"SCRIPT", "LOAD", "return 1"}));
  CHECK_FALSE(SafeToRepeat({"SCRIPT", "FLUSH"}));
  CHECK_FALSE(SafeToRepeat({"INCR", "n"}));
  CHECK_FALSE(SafeToRepeat({"EVALSHA", "abc", "0"}));
  CHECK_FALSE(SafeToRepeat({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"}));
  CHECK_FALSE(SafeToRepeat({"XACK", "s", "g", "1-1"}));
  CHECK_FALSE(SafeToRepeat({}));
}

}  // namespace
}  // namespace aftersales::redis

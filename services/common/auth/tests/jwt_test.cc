// HS256 tokens: known vectors (RFC 7515 A.1, jwt.io, one computed with the
// openssl CLI), and every way a token must be refused.
#include "services/common/auth/jwt.h"

#include <catch2/catch.hpp>

namespace aftersales::auth {
namespace {

using std::chrono::seconds;

const TimePoint kNow = TimePoint(seconds(1'795'248'000));  // 2026-11-21T08:00:00Z

// `openssl dgst -sha256 -hmac s3cret` over the first two parts.
constexpr char kOpensslToken[] =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiJ1MSIsInJvbGUiOiJhZ2VudCIsImV4cCI6MjAwMDAwMDAwMH0."
    "yAi9Ct_u1ja0eF4kzj_yEBrSZ8ZvXDJxn-PajEexhk4";

std::string Part(std::string_view json) { return Base64UrlEncode(json); }

std::string Signed(const std::string& header_json, const std::string& payload_json,
                   std::string_view secret) {
  std::string t = Part(header_json) + "." + Part(payload_json);
  std::string sig = Base64UrlEncode(HmacSha256(secret, t));
  t += ".";
  t += sig;
  return t;
}

std::string ReasonOf(const Result<Claims>& r) { return r.ok() ? "OK" : r.status().reason(); }

Claims Agent() {
  Claims c;
  c.sub = "u1";
  c.role = "agent";
  c.exp = kNow + seconds(3600);
  return c;
}

TEST_CASE("RFC 7515 A.1: HMAC-SHA256 of the example signing input gives the example signature") {
  std::string key;
  REQUIRE(Base64UrlDecode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow",
      key));
  const std::string input =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
      "fQ";
  CHECK(Base64UrlEncode(HmacSha256(key, input)) == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
}

TEST_CASE(
    "the jwt.io example verifies its signature and is then refused for lacking exp and role") {
  const std::string token =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
      "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
      "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  CHECK(ReasonOf(VerifyJwt(token, "your-256-bit-secret", kNow)) == "TOKEN_CLAIMS_INVALID");
  CHECK(ReasonOf(VerifyJwt(token, "another-secret", kNow)) == "TOKEN_SIGNATURE_INVALID");
}

TEST_CASE("SignJwt produces byte for byte the token the openssl CLI computes") {
  Claims c = Agent();
  c.exp = TimePoint(seconds(2'000'000'000));
  CHECK(SignJwt(c, "s3cret") == kOpensslToken);
  auto got = VerifyJwt(kOpensslToken, "s3cret", kNow);
  REQUIRE(got.ok());
  CHECK(got->sub == "u1");
  CHECK(got->role == "agent");
  CHECK(got->exp == TimePoint(seconds(2'000'000'000)));
}

TEST_CASE("sign then verify keeps every claim") {
  Claims c;
  c.sub = "cust-app-7";
  c.role = "customer";
  c.customer_id = "C42";
  c.exp = kNow + seconds(60);
  c.nbf = kNow - seconds(5);
  c.iat = kNow - seconds(5);
  auto got = VerifyJwt(SignJwt(c, "k"), "k", kNow);
  REQUIRE(got.ok());
  CHECK(got->customer_id == "C42");
  CHECK(got->engineer_id.empty());
  CHECK(got->nbf == c.nbf);
  CHECK(got->iat == c.iat);

  Claims e;
  e.sub = "eng";
  e.role = "engineer";
  e.engineer_id = "E7";
  e.exp = kNow + seconds(60);
  auto eng = VerifyJwt(SignJwt(e, "k"), "k", kNow);
  REQUIRE(eng.ok());
  CHECK(eng->engineer_id == "E7");
}

TEST_CASE("expired and not-yet-valid tokens are refused at the exact second") {
  Claims c = Agent();
  c.exp = kNow;
  CHECK(ReasonOf(VerifyJwt(SignJwt(c, "k"), "k", kNow)) == "TOKEN_EXPIRED");
  CHECK(ReasonOf(VerifyJwt(SignJwt(c, "k"), "k", kNow - seconds(1))) == "OK");
  Claims n = Agent();
  n.nbf = kNow + seconds(1);
  CHECK(ReasonOf(VerifyJwt(SignJwt(n, "k"), "k", kNow)) == "TOKEN_NOT_YET_VALID");
  CHECK(ReasonOf(VerifyJwt(SignJwt(n, "k"), "k", kNow + seconds(1))) == "OK");
}

TEST_CASE("alg none, other algorithms and a missing alg are rejected even when otherwise valid") {
  const std::string payload = R"({"sub":"u1","role":"admin","exp":2000000000})";
  CHECK(ReasonOf(VerifyJwt(Part(R"({"alg":"none","typ":"JWT"})") + "." + Part(payload) + ".", "k",
                           kNow)) == "TOKEN_ALGORITHM_REJECTED");
  CHECK(ReasonOf(VerifyJwt(Signed(R"({"alg":"HS512"})", payload, "k"), "k", kNow)) ==
        "TOKEN_ALGORITHM_REJECTED");
  CHECK(ReasonOf(VerifyJwt(Signed(R"({"alg":"hs256"})", payload, "k"), "k", kNow)) ==
        "TOKEN_ALGORITHM_REJECTED");
  CHECK(ReasonOf(VerifyJwt(Signed(R"({"typ":"JWT"})", payload, "k"), "k", kNow)) ==
        "TOKEN_ALGORITHM_REJECTED");
  CHECK(ReasonOf(VerifyJwt(Signed(R"({"alg":"HS256"})", payload, "k"), "k", kNow)) == "OK");
}

TEST_CASE("a tampered payload or signature, or an empty secret, fails the signature check") {
  const std::string good = SignJwt(Agent(), "k");
  const size_t dot1 = good.find('.');
  const size_t dot2 = good.find('.', dot1 + 1);
  std::string forged = good.substr(0, dot1 + 1) +
                       Part(R"({"sub":"u1","role":"admin","exp":2000000000})") + good.substr(dot2);
  CHECK(ReasonOf(VerifyJwt(forged, "k", kNow)) == "TOKEN_SIGNATURE_INVALID");
  std::string flipped = good;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  CHECK(ReasonOf(VerifyJwt(flipped, "k", kNow)) != "OK");
  CHECK(ReasonOf(VerifyJwt(good.substr(0, dot2 + 5), "k", kNow)) == "TOKEN_SIGNATURE_INVALID");
  CHECK(ReasonOf(VerifyJwt(SignJwt(Agent(), ""), "", kNow)) == "TOKEN_SIGNATURE_INVALID");
}

TEST_CASE("malformed tokens are TOKEN_MALFORMED, never a crash") {
  for (std::string t :
       {"", ".", "..", "abc", "a.b", "a.b.c.d", "!!!.e30.x", "eyJhbGciOiJIUzI1NiJ9.e30.%%%",
        "e30.e30.", "bm90IGpzb24.e30.", "eyJhbGciOiJIUzI1NiJ9=.e30."}) {
    INFO(t);
    auto r = VerifyJwt(t, "k", kNow);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kUnauthenticated);
    CHECK((r.status().reason() == "TOKEN_MALFORMED" ||
           r.status().reason() == "TOKEN_ALGORITHM_REJECTED"));
  }
  // Signed correctly, but the payload is not a JSON object.
  CHECK(ReasonOf(VerifyJwt(Signed(R"({"alg":"HS256"})", "[1,2]", "k"), "k", kNow)) ==
        "TOKEN_MALFORMED");
}

TEST_CASE("claims of the wrong type or shape are refused") {
  const std::string h = R"({"alg":"HS256"})";
  auto reason = [&](const std::string& payload) {
    return ReasonOf(VerifyJwt(Signed(h, payload, "k"), "k", kNow));
  };
  CHECK(reason(R"({"sub":"u","role":"agent"})") == "TOKEN_CLAIMS_INVALID");  // no exp
  CHECK(reason(R"({"sub":"u","role":"agent","exp":"2000000000"})") == "TOKEN_CLAIMS_INVALID");
  CHECK(reason(R"({"sub":"u","role":"agent","exp":1e300})") == "TOKEN_CLAIMS_INVALID");
  CHECK(reason(R"({"sub":"u","role":"root","exp":2000000000})") == "TOKEN_CLAIMS_INVALID");
  CHECK(reason(R"({"sub":7,"role":"agent","exp":2000000000})") == "TOKEN_CLAIMS_INVALID");
  CHECK(reason(R"({"role":"agent","exp":2000000000})") == "TOKEN_CLAIMS_INVALID");
  CHECK(reason(R"({"sub":"u","role":"customer","exp":2000000000})") == "TOKEN_CLAIMS_INVALID");
  CHECK(reason(R"({"sub":"u","role":"engineer","exp":2000000000})") == "TOKEN_CLAIMS_INVALID");
  CHECK(reason(R"({"sub":"u","role":"agent","customerId":"C1","exp":2000000000})") ==
        "TOKEN_CLAIMS_INVALID");
  CHECK(reason(R"({"sub":"u","role":"engineer","engineerId":"E1","exp":2000000000})") == "OK");
}

TEST_CASE("base64url rejects padding, foreign characters and non-canonical spellings") {
  std::string out;
  CHECK(Base64UrlDecode("", out));
  CHECK(out.empty());
  CHECK(Base64UrlDecode("Zm9v", out));
  CHECK(out == "foo");
  CHECK(Base64UrlDecode("Zm8", out));
  CHECK(out == "fo");
  CHECK_FALSE(Base64UrlDecode("Zm8=", out));
  CHECK_FALSE(Base64UrlDecode("Zm+v", out));
  CHECK_FALSE(Base64UrlDecode("Z", out));
  CHECK_FALSE(Base64UrlDecode("Zm9", out));  // trailing bits set
  CHECK(Base64UrlEncode("\xfb\xff") == "-_8");
}

}  // namespace
}  // namespace aftersales::auth

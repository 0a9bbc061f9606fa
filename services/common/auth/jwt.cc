#include "services/common/auth/jwt.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cmath>

#include "services/common/runtime/json.h"

namespace aftersales::auth {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

Status Unauthenticated(std::string reason, std::string message) {
  return Status(Code::kUnauthenticated, std::move(reason), std::move(message));
}

int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

int64_t Seconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// A JSON object of a token part, parsed with protobuf's JSON parser (the
// project's only full JSON parser).
bool ParseObject(std::string_view part, google::protobuf::Struct& out) {
  std::string json;
  if (!Base64UrlDecode(part, json)) return false;
  if (!IsValidUtf8(json)) return false;
  google::protobuf::util::JsonParseOptions options;
  return google::protobuf::util::JsonStringToMessage(json, &out, options).ok();
}

// A NumericDate claim: absent → nullopt with ok; not a finite number → !ok.
bool NumericDate(const google::protobuf::Struct& s, const std::string& name,
                 std::optional<TimePoint>& out) {
  auto it = s.fields().find(name);
  if (it == s.fields().end()) return true;
  if (it->second.kind_case() != google::protobuf::Value::kNumberValue) return false;
  const double v = it->second.number_value();
  // Years 0..9999 are plenty; beyond, the chrono conversion would overflow.
  if (!std::isfinite(v) || v < 0 || v > 253402300799.0) return false;
  out = TimePoint(std::chrono::seconds(static_cast<int64_t>(v)));
  return true;
}

// A string claim: absent → "" with ok; present but not a string → !ok.
bool StringClaim(const google::protobuf::Struct& s, const std::string& name, std::string& out) {
  auto it = s.fields().find(name);
  if (it == s.fields().end()) return true;
  if (it->second.kind_case() != google::protobuf::Value::kStringValue) return false;
  out = it->second.string_value();
  return true;
}

}  // namespace

bool IsKnownRole(std::string_view role) {
  for (std::string_view r : kRoles) {
    if (r == role) return true;
  }
  return false;
}

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) |
                       (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest == 1) {
    const uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
  } else if (rest == 2) {
    const uint32_t n =
        (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

bool Base64UrlDecode(std::string_view text, std::string& out) {
  if (text.size() % 4 == 1) return false;
  std::string decoded;
  decoded.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = DecodeChar(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // Left-over bits must be zero: otherwise several texts would decode to the
  // same bytes, and a token would have more than one valid spelling.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return false;
  out = std::move(decoded);
  return true;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // A zero-length key is still a key to HMAC; pass a valid pointer for it.
  static const char kEmpty = 0;
  HMAC(EVP_sha256(), key.empty() ? &kEmpty : key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return std::string(reinterpret_cast<const char*>(mac), len);
}

std::string SignJwt(const Claims& claims, std::string_view secret) {
  std::string payload = "{\"sub\":";
  AppendJsonString(payload, claims.sub);
  payload += ",\"role\":";
  AppendJsonString(payload, claims.role);
  if (!claims.customer_id.empty()) {
    payload += ",\"customerId\":";
    AppendJsonString(payload, claims.customer_id);
  }
  if (!claims.engineer_id.empty()) {
    payload += ",\"engineerId\":";
    AppendJsonString(payload, claims.engineer_id);
  }
  if (claims.iat) {
    payload += ",\"iat\":";
    payload += std::to_string(Seconds(*claims.iat));
  }
  if (claims.nbf) {
    payload += ",\"nbf\":";
    payload += std::to_string(Seconds(*claims.nbf));
  }
  payload += ",\"exp\":";
  payload += std::to_string(Seconds(claims.exp));
  payload += '}';
  std::string token = Base64UrlEncode(kHeader);
  token += '.';
  token += Base64UrlEncode(payload);
  const std::string signature = HmacSha256(secret, token);
  token += '.';
  token += Base64UrlEncode(signature);
  return token;
}

Status ValidateClaims(const Claims& claims) {
  Validator v;
  v.Check(!claims.sub.empty(), "sub", "required");
  v.Check(IsKnownRole(claims.role), "role",
          "must be one of customer, agent, dispatcher, engineer, warehouse, care, manager, admin");
  if (claims.role == "customer") {
    v.Check(!claims.customer_id.empty(), "customerId", "required for role customer");
  } else {
    v.Check(claims.customer_id.empty(), "customerId", "only for role customer");
  }
  if (claims.role == "engineer") {
    v.Check(!claims.engineer_id.empty(), "engineerId", "required for role engineer");
  } else {
    v.Check(claims.engineer_id.empty(), "engineerId", "only for role engineer");
  }
  return v.ToStatus("INVALID_CLAIMS");
}

Result<Claims> VerifyJwt(std::string_view token, std::string_view secret, TimePoint now) {
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Unauthenticated("TOKEN_MALFORMED", "the token is not three dot-separated parts");
  }
  const std::string_view header_part = token.substr(0, dot1);
  const std::string_view payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_part = token.substr(dot2 + 1);

  google::protobuf::Struct header;
  if (!ParseObject(header_part, header)) {
    return Unauthenticated("TOKEN_MALFORMED", "the token header is not base64url JSON");
  }
  const auto alg = header.fields().find("alg");
  if (alg == header.fields().end() ||
      alg->second.kind_case() != google::protobuf::Value::kStringValue ||
      alg->second.string_value() != "HS256") {
    return Unauthenticated("TOKEN_ALGORITHM_REJECTED", "only HS256 tokens are accepted");
  }

  std::string signature;
  if (!Base64UrlDecode(signature_part, signature)) {
    return Unauthenticated("TOKEN_MALFORMED", "the token signature is not base64url");
  }
  const std::string expected = HmacSha256(secret, token.substr(0, dot2));
  // Constant time: how long the comparison takes must not tell an attacker
  // how many leading bytes of a forged signature were right.
  if (secret.empty() || signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    return Unauthenticated("TOKEN_SIGNATURE_INVALID", "the token signature does not verify");
  }

  google::protobuf::Struct payload;
  if (!ParseObject(payload_part, payload)) {
    return Unauthenticated("TOKEN_MALFORMED", "the token payload is not base64url JSON");
  }
  Claims claims;
  std::optional<TimePoint> exp;
  if (!StringClaim(payload, "sub", claims.sub) || !StringClaim(payload, "role", claims.role) ||
      !StringClaim(payload, "customerId", claims.customer_id) ||
      !StringClaim(payload, "engineerId", claims.engineer_id)) {
    return Unauthenticated("TOKEN_CLAIMS_INVALID",
                           "sub, role, customerId and engineerId must be strings");
  }
  if (!NumericDate(payload, "exp", exp) || !NumericDate(payload, "nbf", claims.nbf) ||
      !NumericDate(payload, "iat", claims.iat)) {
    return Unauthenticated("TOKEN_CLAIMS_INVALID", "exp, nbf and iat must be NumericDates");
  }
  if (!exp) return Unauthenticated("TOKEN_CLAIMS_INVALID", "the token has no exp");
  claims.exp = *exp;
  if (Status s = ValidateClaims(claims); !s.ok()) {
    std::string message = "the token's claims are invalid:";
    for (const auto& v : s.field_violations()) {
      message += ' ';
      message += v.field;
      message += ": ";
      message += v.description;
      message += ';';
    }
    message.pop_back();
    return Unauthenticated("TOKEN_CLAIMS_INVALID", message);
  }
  if (now >= claims.exp) return Unauthenticated("TOKEN_EXPIRED", "the token has expired");
  if (claims.nbf && now < *claims.nbf) {
    return Unauthenticated("TOKEN_NOT_YET_VALID", "the token is not valid yet (nbf)");
  }
  return claims;
}

}  // namespace aftersales::auth

// JSON Web Tokens signed with HMAC-SHA256 (RFC 7519, RFC 7515): what the
// gateway accepts in `Authorization: Bearer`, and what `aftersalesctl token`
// mints. The algorithm is fixed to HS256: a token naming any other (`none`,
// RS256 with the secret as a "public key", ...) is rejected before its
// signature is even looked at, which closes the classic algorithm-confusion
// holes.
//
//   Claims c{.sub = "ops-1", .role = "dispatcher", .exp = now + 8h};
//   std::string token = SignJwt(c, secret);
//   Result<Claims> got = VerifyJwt(token, secret, clock.Now());
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "services/common/clock.h"
#include "services/common/status.h"

namespace aftersales::auth {

// The roles of http-api.md; `admin` may do everything.
inline constexpr std::string_view kRoles[] = {"customer",  "agent", "dispatcher", "engineer",
                                              "warehouse", "care",  "manager",    "admin"};
bool IsKnownRole(std::string_view role);

struct Claims {
  std::string sub;
  std::string role;
  // Whole seconds (NumericDate); sub-second parts are dropped when signing.
  TimePoint exp;
  std::optional<TimePoint> nbf;
  std::optional<TimePoint> iat;
  // JSON `customerId`: required for role customer, refused for other roles.
  std::string customer_id;
  // JSON `engineerId`: required for role engineer, refused for other roles.
  std::string engineer_id;
};

// header.payload.signature, base64url without padding. Does not validate the
// claims: a caller minting a token checks them with ValidateClaims first.
std::string SignJwt(const Claims& claims, std::string_view secret);

// OK or UNAUTHENTICATED with one of these reasons (the message says more):
//   TOKEN_MALFORMED          not three base64url parts of JSON objects
//   TOKEN_ALGORITHM_REJECTED `alg` is not exactly "HS256"
//   TOKEN_SIGNATURE_INVALID  signed with another secret, or altered
//   TOKEN_EXPIRED            now >= exp
//   TOKEN_NOT_YET_VALID      now < nbf
//   TOKEN_CLAIMS_INVALID     sub/role/exp missing or of the wrong type, an
//                            unknown role, a customer without customerId, ...
// No clock leeway: the gateway and the token minter share the cluster's time.
// An empty secret verifies nothing (TOKEN_SIGNATURE_INVALID).
Result<Claims> VerifyJwt(std::string_view token, std::string_view secret, TimePoint now);

// sub and role present, role known, customerId/engineerId as the role needs.
// INVALID_ARGUMENT with field violations (sub, role, customerId, engineerId).
Status ValidateClaims(const Claims& claims);

// Building blocks, exposed for the tests' known vectors.
std::string Base64UrlEncode(std::string_view bytes);
// False on characters outside the base64url alphabet, on '=' padding and on
// a length that no encoding produces.
bool Base64UrlDecode(std::string_view text, std::string& out);
// 32 raw bytes.
std::string HmacSha256(std::string_view key, std::string_view data);

}  // namespace aftersales::auth

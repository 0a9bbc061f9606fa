// What the journeys (and the demo loader) need to talk to the gateway as a
// client would: a caller with a token, JSON answers read by path.
#pragma once

#include <google/protobuf/struct.pb.h>

#include <chrono>
#include <string>
#include <vector>

namespace aftersales::journeys {

// A parsed JSON answer. Paths are dotted field names with optional [i]
// indexes: "deadlines[0].state", "warranty.covered".
class Json {
 public:
  Json() = default;
  explicit Json(google::protobuf::Value v) : v_(std::move(v)) {}
  static Json Parse(const std::string& text);  // null when not JSON

  const google::protobuf::Value* Find(const std::string& path) const;
  bool Has(const std::string& path) const { return Find(path) != nullptr; }
  // The sub-document at `path`; null when absent.
  Json At(const std::string& path) const {
    const auto* v = Find(path);
    return v ? Json(*v) : Json();
  }
  // "" / 0 / false / empty when absent; numbers given as strings (int64) are read too.
  std::string Str(const std::string& path) const;
  double Num(const std::string& path) const;
  bool Bool(const std::string& path) const;
  std::vector<Json> Array(const std::string& path) const;
  const google::protobuf::Value& value() const { return v_; }

 private:
  google::protobuf::Value v_;
};

struct Reply {
  int status = 0;
  std::string body;
  Json json;
  std::string request;    // "POST /v1/..." for failure messages
  bool replayed = false;  // Idempotent-Replayed: true (a create seen before)
  std::string retry_after;
};

// Everything needed to say what went wrong in a failed assertion.
std::string Describe(const Reply& r);

class Caller {
 public:
  Caller(int port, std::string token) : port_(port), token_(std::move(token)) {}
  Reply Get(const std::string& target) const;
  // A request id makes a non-create action idempotent too (the gateway
  // passes X-Request-Id on as the RPC's request_id).
  Reply Post(const std::string& target, const std::string& body,
             const std::string& idempotency_key = "", const std::string& request_id = "") const;

 private:
  int port_;
  std::string token_;
};

// A token signed with `secret` for one hour.
std::string Token(const std::string& secret, const std::string& role, const std::string& sub,
                  const std::string& customer_id = "", const std::string& engineer_id = "");

// Quotes a string for a JSON body.
std::string Q(const std::string& s);

// Today's UTC date, YYYY-MM-DD, shifted by `days`.
std::string UtcDate(int days = 0);
// An RFC 3339 UTC timestamp `offset` from now.
std::string UtcTime(std::chrono::seconds offset);
// `t` as RFC 3339 UTC, to the second: for times on a platform's test clock.
std::string UtcTime(std::chrono::system_clock::time_point t);
// An RFC 3339 UTC timestamp as the gateway writes them ("...T10:00:00Z",
// "...T10:00:00.250Z"); the epoch when `text` is not one, so that a check
// against it fails visibly.
std::chrono::system_clock::time_point ParseUtcTime(const std::string& text);

}  // namespace aftersales::journeys

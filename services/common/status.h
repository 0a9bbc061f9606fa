// Domain status: the error model every layer shares. Plain C++ so that domain
// code returns it without depending on gRPC; rpc/ maps it to grpc::Status.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace aftersales {

// Same numbering as google.rpc.Code so the mapping is the identity.
enum class Code : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// "INVALID_ARGUMENT" etc.
const char* CodeName(Code code);

struct FieldViolation {
  std::string field;
  std::string description;
  bool operator==(const FieldViolation&) const = default;
};

class Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string reason, std::string message,
         std::vector<FieldViolation> violations = {})
      : code_(code),
        reason_(std::move(reason)),
        message_(std::move(message)),
        violations_(std::move(violations)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // Machine-readable, UPPER_SNAKE, e.g. "TICKET_NOT_FOUND".
  const std::string& reason() const { return reason_; }
  const std::string& message() const { return message_; }
  const std::vector<FieldViolation>& field_violations() const { return violations_; }

  // "NOT_FOUND (TICKET_NOT_FOUND): ticket 123 does not exist"
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string reason_;
  std::string message_;
  std::vector<FieldViolation> violations_;
};

Status InvalidArgument(std::string reason, std::string message,
                       std::vector<FieldViolation> violations = {});
Status NotFound(std::string reason, std::string message);
Status AlreadyExists(std::string reason, std::string message);
Status FailedPrecondition(std::string reason, std::string message);
Status PermissionDenied(std::string reason, std::string message);
Status Aborted(std::string reason, std::string message);
Status Unavailable(std::string reason, std::string message);
Status DeadlineExceeded(std::string reason, std::string message);
Status Internal(std::string reason, std::string message);
Status Unimplemented(std::string reason, std::string message);

// Collects field violations while validating input; yields one
// INVALID_ARGUMENT naming every bad field, or OK.
class Validator {
 public:
  void Check(bool good, std::string field, std::string description) {
    if (!good) violations_.push_back({std::move(field), std::move(description)});
  }
  bool ok() const { return violations_.empty(); }
  Status ToStatus(std::string reason = "INVALID_ARGUMENT") const;

 private:
  std::vector<FieldViolation> violations_;
};

// A value or the status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) {
      v_ = Status(Code::kInternal, "OK_WITHOUT_VALUE", "a Result was built from an OK status");
    }
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace aftersales

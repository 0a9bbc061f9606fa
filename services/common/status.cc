#include "services/common/status.h"

namespace aftersales {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kCancelled:
      return "CANCELLED";
    case Code::kUnknown:
      return "UNKNOWN";
    case Code::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case Code::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case Code::kNotFound:
      return "NOT_FOUND";
    case Code::kAlreadyExists:
      return "ALREADY_EXISTS";
    case Code::kPermissionDenied:
      return "PERMISSION_DENIED";
    case Code::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case Code::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case Code::kAborted:
      return "ABORTED";
    case Code::kOutOfRange:
      return "OUT_OF_RANGE";
    case Code::kUnimplemented:
      return "UNIMPLEMENTED";
    case Code::kInternal:
      return "INTERNAL";
    case Code::kUnavailable:
      return "UNAVAILABLE";
    case Code::kDataLoss:
      return "DATA_LOSS";
    case Code::kUnauthenticated:
      return "UNAUTHENTICATED";
  }
  return "UNKNOWN";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s = CodeName(code_);
  if (!reason_.empty()) s += " (" + reason_ + ")";
  s += ": " + message_;
  for (const auto& v : violations_) s += "; " + v.field + ": " + v.description;
  return s;
}

Status InvalidArgument(std::string reason, std::string message, std::vector<FieldViolation> v) {
  return Status(Code::kInvalidArgument, std::move(reason), std::move(message), std::move(v));
}
Status NotFound(std::string reason, std::string message) {
  return Status(Code::kNotFound, std::move(reason), std::move(message));
}
Status AlreadyExists(std::string reason, std::string message) {
  return Status(Code::kAlreadyExists, std::move(reason), std::move(message));
}
Status FailedPrecondition(std::string reason, std::string message) {
  return Status(Code::kFailedPrecondition, std::move(reason), std::move(message));
}
Status PermissionDenied(std::string reason, std::string message) {
  return Status(Code::kPermissionDenied, std::move(reason), std::move(message));
}
Status Aborted(std::string reason, std::string message) {
  return Status(Code::kAborted, std::move(reason), std::move(message));
}
Status Unavailable(std::string reason, std::string message) {
  return Status(Code::kUnavailable, std::move(reason), std::move(message));
}
Status DeadlineExceeded(std::string reason, std::string message) {
  return Status(Code::kDeadlineExceeded, std::move(reason), std::move(message));
}
Status Internal(std::string reason, std::string message) {
  return Status(Code::kInternal, std::move(reason), std::move(message));
}
Status Unimplemented(std::string reason, std::string message) {
  return Status(Code::kUnimplemented, std::move(reason), std::move(message));
}

Status Validator::ToStatus(std::string reason) const {
  if (ok()) return Status::Ok();
  std::string msg = "invalid ";
  for (size_t i = 0; i < violations_.size(); ++i) {
    if (i) msg += ", ";
    msg += violations_[i].field;
  }
  msg += ": " + violations_.front().description;
  return InvalidArgument(std::move(reason), std::move(msg), violations_);
}

}  // namespace aftersales

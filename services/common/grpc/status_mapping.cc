#include "services/common/grpc/status_mapping.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace aftersales::grpcx {

grpc::Status ToGrpcStatus(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  google::rpc::Status detail;
  detail.set_code(static_cast<int>(status.code()));
  detail.set_message(status.message());
  if (!status.reason().empty()) {
    google::rpc::ErrorInfo info;
    info.set_reason(status.reason());
    info.set_domain(kErrorDomain);
    detail.add_details()->PackFrom(info);
  }
  if (!status.field_violations().empty()) {
    google::rpc::BadRequest bad;
    for (const auto& v : status.field_violations()) {
      auto* fv = bad.add_field_violations();
      fv->set_field(v.field);
      fv->set_description(v.description);
    }
    detail.add_details()->PackFrom(bad);
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), status.message(),
                      detail.SerializeAsString());
}

Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return Status::Ok();
  auto code = static_cast<Code>(status.error_code());
  if (static_cast<int>(code) < 0 || static_cast<int>(code) > 16) code = Code::kUnknown;
  std::string reason;
  std::vector<FieldViolation> violations;
  google::rpc::Status detail;
  if (!status.error_details().empty() && detail.ParseFromString(status.error_details())) {
    for (const auto& any : detail.details()) {
      google::rpc::ErrorInfo info;
      google::rpc::BadRequest bad;
      if (any.UnpackTo(&info)) {
        reason = info.reason();
      } else if (any.UnpackTo(&bad)) {
        for (const auto& fv : bad.field_violations()) {
          violations.push_back({fv.field(), fv.description()});
        }
      }
    }
  }
  if (reason.empty()) reason = CodeName(code);
  return Status(code, std::move(reason), status.error_message(), std::move(violations));
}

}  // namespace aftersales::grpcx

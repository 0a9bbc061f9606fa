#include "services/common/grpc/status_mapping.h"

#include <catch2/catch.hpp>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace aftersales::grpcx {
namespace {

TEST_CASE("a domain error keeps code, reason and field violations across gRPC") {
  Status in = InvalidArgument(
      "INVALID_TICKET", "invalid contactPhone",
      {{"contactPhone", "must have 5 to 20 digits"}, {"symptoms", "must not be empty"}});
  grpc::Status wire = ToGrpcStatus(in);
  CHECK(wire.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(wire.error_message() == "invalid contactPhone");

  // Any gRPC client reads it as google.rpc.Status with ErrorInfo + BadRequest.
  google::rpc::Status detail;
  REQUIRE(detail.ParseFromString(wire.error_details()));
  CHECK(detail.code() == 3);
  REQUIRE(detail.details_size() == 2);
  google::rpc::ErrorInfo info;
  REQUIRE(detail.details(0).UnpackTo(&info));
  CHECK(info.reason() == "INVALID_TICKET");
  CHECK(info.domain() == "aftersales");

  Status out = FromGrpcStatus(wire);
  CHECK(out.code() == Code::kInvalidArgument);
  CHECK(out.reason() == "INVALID_TICKET");
  CHECK(out.message() == "invalid contactPhone");
  CHECK(out.field_violations() == in.field_violations());
}

TEST_CASE("every code maps to the same gRPC code number") {
  for (int c = 1; c <= 16; ++c) {
    Status s(static_cast<Code>(c), "R", "m");
    CHECK(static_cast<int>(ToGrpcStatus(s).error_code()) == c);
    CHECK(FromGrpcStatus(ToGrpcStatus(s)).code() == static_cast<Code>(c));
  }
  CHECK(ToGrpcStatus(Status::Ok()).ok());
}

TEST_CASE("a plain gRPC error without details gets its code name as reason") {
  Status s = FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused"));
  CHECK(s.code() == Code::kUnavailable);
  CHECK(s.reason() == "UNAVAILABLE");
  CHECK(s.message() == "connection refused");
}

TEST_CASE("garbage in the details does not crash and keeps the code") {
  Status s = FromGrpcStatus(grpc::Status(grpc::StatusCode::NOT_FOUND, "gone", "\xff\xff\x01"));
  CHECK(s.code() == Code::kNotFound);
  CHECK(s.reason() == "NOT_FOUND");
}

}  // namespace
}  // namespace aftersales::grpcx

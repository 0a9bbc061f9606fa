#include <catch2/catch.hpp>

#include "services/common/grpc/server.h"

namespace aftersales::grpcx {
namespace {

TEST_CASE("listen and upstream addresses are validated with the bad part named") {
  CHECK(ValidateAddress("127.0.0.1:50051", "x").ok());
  CHECK(ValidateAddress("intake:50051", "x").ok());
  CHECK(ValidateAddress("[::1]:0", "x").ok());

  Status no_port = ValidateAddress("intake", "AFTERSALES_INTAKE_ADDR");
  CHECK(no_port.code() == Code::kInvalidArgument);
  CHECK_THAT(no_port.message(), Catch::Contains("AFTERSALES_INTAKE_ADDR"));

  Status bad_port = ValidateAddress("intake:5x", "AFTERSALES_INTAKE_ADDR");
  CHECK(bad_port.code() == Code::kInvalidArgument);
  CHECK_THAT(bad_port.message(), Catch::Contains("malformed port \"5x\""));
  CHECK_FALSE(ValidateAddress("intake:70000", "x").ok());
  CHECK_FALSE(ValidateAddress(":80", "x").ok());
}

}  // namespace
}  // namespace aftersales::grpcx

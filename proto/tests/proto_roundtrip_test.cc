// The protobuf JSON mapping of our messages gives the shapes that
// shared/spec/http-api.md promises, and google.rpc types stay wire-compatible.
#include <google/protobuf/any.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <catch2/catch.hpp>
#include <string>

#include "aftersales/common/v1/common.pb.h"
#include "aftersales/dispatch/v1/dispatch.pb.h"
#include "aftersales/events/v1/intake_events.pb.h"
#include "aftersales/intake/v1/intake.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace {

namespace common = aftersales::common::v1;
namespace intake = aftersales::intake::v1;
using google::protobuf::util::JsonStringToMessage;
using google::protobuf::util::MessageToJsonString;
using google::protobuf::util::TimeUtil;

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  REQUIRE(MessageToJsonString(message, &json).ok());
  return json;
}

}  // namespace

TEST_CASE("a ticket prints with unprefixed enum values and lowerCamelCase names") {
  intake::Ticket ticket;
  ticket.set_number("2611210007");
  ticket.set_kind(common::FAULT);
  ticket.set_status(intake::Ticket::AWAITING_ONSITE);
  ticket.set_severity(common::EMERGENCY);
  ticket.set_asset_serial("PK-0042");
  ticket.set_channel(intake::MOBILE_APP);
  *ticket.mutable_create_time() = TimeUtil::SecondsToTimestamp(1795248000);  // 2026-11-21T08:00:00Z
  auto* warranty = ticket.mutable_warranty();
  warranty->set_covered(false);
  warranty->set_basis(common::VENDOR);
  warranty->set_until("2026-06-30");
  warranty->set_exclusion(common::MIXED_VENDORS);
  auto* deadline = ticket.add_deadlines();
  deadline->set_clock(common::FIRST_RESPONSE);
  deadline->set_state(common::MET);
  *deadline->mutable_met_at() = TimeUtil::SecondsToTimestamp(1795248600);

  const std::string json = ToJson(ticket);

  CHECK_THAT(json, Catch::Contains(R"("severity":"EMERGENCY")"));
  CHECK_THAT(json, Catch::Contains(R"("status":"AWAITING_ONSITE")"));
  CHECK_THAT(json, Catch::Contains(R"("kind":"FAULT")"));
  CHECK_THAT(json, Catch::Contains(R"("channel":"MOBILE_APP")"));
  CHECK_THAT(json, Catch::Contains(R"("assetSerial":"PK-0042")"));
  CHECK_THAT(json, Catch::Contains(R"("createTime":"2026-11-21T08:00:00Z")"));
  CHECK_THAT(
      json,
      Catch::Contains(
          R"("warranty":{"basis":"VENDOR","until":"2026-06-30","exclusion":"MIXED_VENDORS"})"));
  CHECK_THAT(
      json,
      Catch::Contains(
          R"("deadlines":[{"clock":"FIRST_RESPONSE","state":"MET","metAt":"2026-11-21T08:10:00Z"}])"));
}

TEST_CASE("money prints minor units as a string and reads a string or a number") {
  aftersales::dispatch::v1::FeeLine line;
  line.set_description("on-site fee");
  line.mutable_amount()->set_currency_code("CNY");
  line.mutable_amount()->set_minor_units(12999);

  CHECK(ToJson(line) ==
        R"({"description":"on-site fee","amount":{"currencyCode":"CNY","minorUnits":"12999"}})");

  common::Money from_string;
  REQUIRE(JsonStringToMessage(R"({"currencyCode":"CNY","minorUnits":"12999"})", &from_string).ok());
  CHECK(from_string.minor_units() == 12999);
  common::Money from_number;
  REQUIRE(JsonStringToMessage(R"({"currencyCode":"CNY","minorUnits":12999})", &from_number).ok());
  CHECK(from_number.minor_units() == 12999);
  common::Money from_float;
  CHECK_FALSE(
      JsonStringToMessage(R"({"currencyCode":"CNY","minorUnits":129.99})", &from_float).ok());
}

TEST_CASE("a request body parses by JSON or proto names and rejects unknown fields") {
  intake::CreateSiteRequest site;
  CHECK(
      JsonStringToMessage(R"({"name":"Car park 3","zone":"SUBURB","branch":"head-office"})", &site)
          .ok());
  CHECK(site.zone() == common::SUBURB);
  intake::CreateSiteRequest unknown_site;
  CHECK_FALSE(
      JsonStringToMessage(R"({"name":"Car park 3","siteColour":"red"})", &unknown_site).ok());

  intake::CreateTicketRequest ticket;
  const auto status = JsonStringToMessage(
      R"({"customerId":"C1","contact_phone":"13800000000","severity":"MAJOR",
          "startedAt":"2026-11-21T07:30:00Z","impact":"COMMON_DEVICE_DOWN"})",
      &ticket);
  REQUIRE(status.ok());
  CHECK(ticket.customer_id() == "C1");
  CHECK(ticket.contact_phone() == "13800000000");
  CHECK(ticket.severity() == common::MAJOR);
  CHECK(ticket.impact() == intake::COMMON_DEVICE_DOWN);
  CHECK(TimeUtil::TimestampToSeconds(ticket.started_at()) == 1795246200);

  intake::CreateTicketRequest unknown;
  CHECK_FALSE(JsonStringToMessage(R"({"customerId":"C1","colour":"red"})", &unknown).ok());
  intake::CreateTicketRequest bad_enum;
  CHECK_FALSE(JsonStringToMessage(R"({"severity":"SEVERITY_EMERGENCY"})", &bad_enum).ok());
}

TEST_CASE("google.rpc.Status keeps upstream's field numbers on the wire") {
  google::rpc::ErrorInfo info;
  info.set_reason("TICKET_NOT_FOUND");
  info.set_domain("intake.aftersales");
  google::rpc::Status status;
  status.set_code(5);
  status.set_message("x");
  status.add_details()->PackFrom(info);

  const std::string wire = status.SerializeAsString();
  // code = field 1 varint, message = field 2 bytes, details = field 3 bytes.
  CHECK(wire.substr(0, 5) == std::string("\x08\x05\x12\x01x", 5));
  CHECK(static_cast<unsigned char>(wire[5]) == 0x1a);
  CHECK(status.details(0).type_url() == "type.googleapis.com/google.rpc.ErrorInfo");

  google::rpc::Status decoded;
  REQUIRE(decoded.ParseFromString(wire));
  google::rpc::ErrorInfo decoded_info;
  REQUIRE(decoded.details(0).UnpackTo(&decoded_info));
  CHECK(decoded_info.reason() == "TICKET_NOT_FOUND");

  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field("contactPhone");
  violation->set_description("required");
  CHECK(ToJson(bad_request) ==
        R"({"fieldViolations":[{"field":"contactPhone","description":"required"}]})");
}

TEST_CASE("an event's full name is the stream entry's type") {
  CHECK(aftersales::events::v1::TicketReported::descriptor()->full_name() ==
        "aftersales.events.v1.TicketReported");
}

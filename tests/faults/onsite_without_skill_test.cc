// An on-site request without a required skill could never become a work
// order (dispatch chooses by product line): intake refuses it up front, naming
// the field, and nothing changes or reaches the stream.
#include <catch2/catch.hpp>
#include <thread>

#include "tests/faults/fault_support.h"

namespace aftersales::testing {
namespace {

TEST_CASE("an on-site request without a required skill is refused and changes nothing") {
  Platform platform(std::map<std::string, std::string>{{"AFTERSALES_RATE_LIMIT", "0"}});
  LoadTarget t = PrepareLoad(platform);
  std::string body = R"({"customerId":")";
  body += t.customer_id;
  body += R"(","siteId":")";
  body += t.site_id;
  body +=
      R"(","kind":"FAULT","channel":"HOTLINE","contactName":"Wang","contactPhone":"13800000000","symptoms":"x","impact":"SYSTEM_DOWN"})";
  Reply created = Call(t.port, "POST", "/v1/tickets", t.token, body);
  INFO(created.body);
  REQUIRE(created.status == 201);
  const std::string number = JsonField(created.body, "number");
  REQUIRE(Call(t.port, "POST", "/v1/tickets/" + number + ":respond", t.token, "{}").status == 200);
  Reply onsite = Call(t.port, "POST", "/v1/tickets/" + number + ":requestOnsite", t.token, "{}");
  INFO(onsite.body);
  CHECK(onsite.status == 400);
  CHECK(onsite.body.find("requiredSkill") != std::string::npos);
  TicketState s = InspectTicket(t, number);
  CHECK(s.status == "RESPONDED");
  CHECK(s.work_orders == 0);
  // With the skill the same ticket gets its work order.
  REQUIRE(Call(t.port, "POST", "/v1/tickets/" + number + ":requestOnsite", t.token,
               R"({"requiredSkill":"parking"})")
              .status == 200);
  for (int i = 0; i < 100 && s.work_orders < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    s = InspectTicket(t, number);
  }
  CHECK(s.work_orders == 1);
}

}  // namespace
}  // namespace aftersales::testing

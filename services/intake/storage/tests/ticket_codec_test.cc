// The stored form of a ticket gives back exactly the ticket, and stays small.
#include "services/intake/storage/ticket_codec.h"

#include <catch2/catch.hpp>

namespace aftersales::intake {
namespace {

TEST_CASE("an encoded ticket decodes to the same ticket") {
  const TimePoint t0 = FromUnixMillis(1772416800000);
  NewTicket r;
  r.customer_id = "c-1";
  r.contact_name = "王伟";
  r.contact_phone = "13800138000";
  r.site_id = "s-1";
  r.zone = Zone::kSuburb;
  r.asset_id = "SN-1";
  r.asset_category = AssetCategory::kController;
  r.symptoms = "道闸不抬杆";
  r.started_at = t0 - std::chrono::hours(1);
  r.impact = "SYSTEM_DOWN";
  Ticket ticket = Ticket::Report(FaultNumber::FromSequence(42), r, "agent:a", t0).value();
  REQUIRE(ticket.Respond("agent:a", t0 + std::chrono::minutes(5), "called").ok());
  REQUIRE(
      ticket.Pause("agent:a", t0 + std::chrono::minutes(6), PauseReason::kSiteClosed, "x").ok());
  REQUIRE(ticket.Resume("agent:a", t0 + std::chrono::minutes(16)).ok());
  StoredTicket s;
  s.record = ticket.record();
  s.branch = "shanghai";
  s.warranty = {true, 1, "2026-05-31", 0, ""};
  s.work_order_id = "wo-1";
  s.onsite_visits = 2;

  const std::string bytes = EncodeTicket(s);
  CHECK(bytes.size() < 600);
  StoredTicket back = DecodeTicket(bytes).value();
  CHECK(EncodeTicket(back) == bytes);
  CHECK(back.record.number == FaultNumber::FromSequence(42));
  CHECK(back.record.report.contact_name == "王伟");
  CHECK(back.record.report.zone == Zone::kSuburb);
  CHECK(back.record.report.asset_category == AssetCategory::kController);
  CHECK(back.record.report.started_at == r.started_at);
  CHECK(back.record.status == TicketStatus::kResponded);
  REQUIRE(back.record.clocks.size() == s.record.clocks.size());
  for (size_t i = 0; i < back.record.clocks.size(); ++i) {
    CHECK(back.record.clocks[i].due == s.record.clocks[i].due);
    CHECK(back.record.clocks[i].state == s.record.clocks[i].state);
    CHECK(back.record.clocks[i].paused_total == s.record.clocks[i].paused_total);
  }
  REQUIRE(back.record.history.size() == s.record.history.size());
  CHECK(back.record.history.back().kind == HistoryKind::kResumed);
  CHECK(back.work_order_id == "wo-1");
  CHECK(back.onsite_visits == 2);
  CHECK(back.warranty.until == "2026-05-31");
}

TEST_CASE("corrupt ticket bytes are DATA_LOSS, never a crash") {
  CHECK(DecodeTicket("").status().code() == Code::kDataLoss);
  CHECK(DecodeTicket("\x01\xff\xff").status().code() == Code::kDataLoss);
  const TimePoint t0 = FromUnixMillis(1772416800000);
  NewTicket r;
  r.customer_id = "c";
  r.contact_name = "n";
  r.contact_phone = "13800138000";
  r.site_id = "s";
  r.symptoms = "x";
  r.impact = "SYSTEM_DOWN";
  StoredTicket s;
  s.record = Ticket::Report(FaultNumber::FromSequence(1), r, "a", t0).value().record();
  const std::string bytes = EncodeTicket(s);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    CHECK_FALSE(DecodeTicket(bytes.substr(0, cut)).ok());
  }
}

}  // namespace
}  // namespace aftersales::intake

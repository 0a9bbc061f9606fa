// A ticket as stored: the domain's TicketRecord plus what intake keeps beside
// it for answers and events (branch, warranty at report, work order, ...),
// in a compact binary encoding (varints and length-prefixed strings) so that
// a ticket with its history stays well under 2 KiB in Redis.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "services/common/status.h"
#include "services/intake/domain/ticket.h"

namespace aftersales::intake {

// The warranty as decided at the report (or changed by a diagnosis).
struct TicketWarranty {
  bool covered = false;
  int basis = 0;      // aftersales.common.v1.WarrantyBasis
  std::string until;  // "YYYY-MM-DD" or empty
  int exclusion = 0;  // aftersales.common.v1.WarrantyExclusion
  std::string exclusion_note;
};

struct StoredTicket {
  TicketRecord record;
  std::string branch;  // the site's branch office at report time
  TicketWarranty warranty;
  std::string work_order_id;
  std::string article_id;
  std::string diagnosis;
  std::string required_skill;
  int onsite_visits = 0;
};

std::string EncodeTicket(const StoredTicket& ticket);
// DATA_LOSS "CORRUPT_TICKET" when the bytes are not an encoded ticket.
Result<StoredTicket> DecodeTicket(std::string_view bytes);

}  // namespace aftersales::intake

// Ticket writes from many concurrent calls, gathered into one script run per
// round trip: a call hands its write over and returns its thread to gRPC; one
// writer thread sends whatever has queued meanwhile and answers each call.
// Under load this turns N round trips (and N blocked threads) into one.
#pragma once

#include <functional>
#include <memory>

#include "services/common/redis/batcher.h"
#include "services/intake/storage/intake_store.h"

namespace aftersales::intake {

class BatchTicketWriter {
 public:
  using Done = std::function<void(Result<TicketWriteResult>)>;

  // At most `max_batch` writes share one script run.
  explicit BatchTicketWriter(IntakeStore& store, size_t max_batch = 64);
  BatchTicketWriter(const BatchTicketWriter&) = delete;
  BatchTicketWriter& operator=(const BatchTicketWriter&) = delete;
  // Destruction answers what is still queued (written first), then stops.

  // `ticket` is owned by the queue until `done` runs (on the writer thread).
  void Submit(std::shared_ptr<const StoredTicket> ticket, TicketWrite write, Done done);

 private:
  struct Queued {
    std::shared_ptr<const StoredTicket> ticket;
    TicketWrite write;  // write.ticket points into `ticket`
  };

  redis::Batcher<Queued, TicketWriteResult> batcher_;
};

}  // namespace aftersales::intake

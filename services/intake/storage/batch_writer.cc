#include "services/intake/storage/batch_writer.h"

#include <vector>

namespace aftersales::intake {

BatchTicketWriter::BatchTicketWriter(IntakeStore& store, size_t max_batch)
    : batcher_(
          [&store](std::vector<Queued>& batch) {
            std::vector<const TicketWrite*> writes;
            writes.reserve(batch.size());
            for (const Queued& q : batch) writes.push_back(&q.write);
            return store.WriteTickets(writes);
          },
          max_batch) {}

void BatchTicketWriter::Submit(std::shared_ptr<const StoredTicket> ticket, TicketWrite write,
                               Done done) {
  write.ticket = ticket.get();
  batcher_.Submit({std::move(ticket), std::move(write)}, std::move(done));
}

}  // namespace aftersales::intake

#include "services/intake/storage/batch_writer.h"

#include <vector>

namespace aftersales::intake {

BatchTicketWriter::BatchTicketWriter(IntakeStore& store, size_t max_batch)
    : store_(store),
      max_batch_(max_batch == 0 ? 1 : max_batch),
      thread_([this](std::stop_token stop) { Run(stop); }) {}

BatchTicketWriter::~BatchTicketWriter() {
  thread_.request_stop();
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BatchTicketWriter::Submit(std::shared_ptr<const StoredTicket> ticket, TicketWrite write,
                               Done done) {
  write.ticket = ticket.get();
  {
    std::lock_guard lock(mu_);
    queue_.push_back({std::move(ticket), std::move(write), std::move(done)});
  }
  cv_.notify_one();
}

void BatchTicketWriter::Run(std::stop_token stop) {
  for (;;) {
    std::vector<Pending> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, stop, [this] { return !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and nothing left
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<const TicketWrite*> writes;
    writes.reserve(batch.size());
    for (const Pending& p : batch) writes.push_back(&p.write);
    Result<std::vector<Result<TicketWriteResult>>> results = store_.WriteTickets(writes);
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i].done(results.ok() ? (*results)[i] : Result<TicketWriteResult>(results.status()));
    }
  }
}

}  // namespace aftersales::intake

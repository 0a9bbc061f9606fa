// Ticket writes from many concurrent calls, gathered into one script run per
// round trip: a call hands its write over and returns its thread to gRPC; one
// writer thread sends whatever has queued meanwhile and answers each call.
// Under load this turns N round trips (and N blocked threads) into one.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "services/intake/storage/intake_store.h"

namespace aftersales::intake {

class BatchTicketWriter {
 public:
  using Done = std::function<void(Result<TicketWriteResult>)>;

  // At most `max_batch` writes share one script run.
  explicit BatchTicketWriter(IntakeStore& store, size_t max_batch = 64);
  // Answers what is still queued (written first), then stops.
  ~BatchTicketWriter();
  BatchTicketWriter(const BatchTicketWriter&) = delete;
  BatchTicketWriter& operator=(const BatchTicketWriter&) = delete;

  // `ticket` is owned by the queue until `done` runs (on the writer thread).
  void Submit(std::shared_ptr<const StoredTicket> ticket, TicketWrite write, Done done);

 private:
  struct Pending {
    std::shared_ptr<const StoredTicket> ticket;
    TicketWrite write;
    Done done;
  };
  void Run(std::stop_token stop);

  IntakeStore& store_;
  const size_t max_batch_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<Pending> queue_;
  std::jthread thread_;
};

}  // namespace aftersales::intake

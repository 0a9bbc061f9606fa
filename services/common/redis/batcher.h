// Redis work from many concurrent callers, gathered into one round trip: a
// caller hands its request over and gets its thread back; one thread sends
// whatever has queued meanwhile as one batch (a pipeline, or one script run
// over all of them) and answers each caller through its callback. Under load
// N round trips and N blocked threads become one of each.
//
//   redis::Connection connection(options);  // used by the batcher thread only
//   redis::Batcher<Op, Reply> batcher([&](std::vector<Op>& ops) {
//     return RunAll(connection, ops);  // one Result per op, in order
//   });
//   batcher.Submit(op, [](Result<Reply> r) { ... });  // on the batcher thread
//
// Requests are run in the order they were submitted (one thread, one batch
// at a time), so a request submitted after another one was answered, or
// after it was submitted from the same thread, sees its effect in Redis.
// Callbacks run on the batcher thread, one after the other: they must be
// short (post the rest elsewhere) and may Submit again.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>
#include <utility>
#include <vector>

#include "services/common/status.h"

namespace aftersales::redis {

template <typename Request, typename Answer>
class Batcher {
 public:
  using Done = std::function<void(Result<Answer>)>;
  // Runs one batch and answers requests[i] with element i; an error Status
  // answers every request of the batch with it (Redis down: each caller
  // learns so, and the next batch tries again).
  using RunBatch = std::function<Result<std::vector<Result<Answer>>>(std::vector<Request>&)>;

  // At most `max_batch` requests share one run.
  explicit Batcher(RunBatch run, size_t max_batch = 128)
      : run_(std::move(run)),
        max_batch_(max_batch == 0 ? 1 : max_batch),
        thread_([this](std::stop_token stop) { Loop(stop); }) {}
  // Runs what is still queued (and what its callbacks submit), then stops.
  ~Batcher() {
    thread_.request_stop();
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  void Submit(Request request, Done done) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back({std::move(request), std::move(done)});
    }
    cv_.notify_one();
  }

  // Batches run so far (tests: proof that requests shared round trips).
  size_t batches() const {
    std::lock_guard lock(mu_);
    return batches_;
  }

 private:
  struct Pending {
    Request request;
    Done done;
  };

  void Loop(std::stop_token stop) {
    std::vector<Request> requests;
    std::vector<Done> dones;
    for (;;) {
      requests.clear();
      dones.clear();
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, stop, [this] { return !queue_.empty(); });
        if (queue_.empty()) return;  // stopping and nothing left
        while (!queue_.empty() && requests.size() < max_batch_) {
          requests.push_back(std::move(queue_.front().request));
          dones.push_back(std::move(queue_.front().done));
          queue_.pop_front();
        }
        ++batches_;
      }
      Result<std::vector<Result<Answer>>> results = run_(requests);
      for (size_t i = 0; i < dones.size(); ++i) {
        if (!results.ok()) {
          dones[i](Result<Answer>(results.status()));
        } else if (i < results->size()) {
          dones[i](std::move((*results)[i]));
        } else {
          dones[i](Result<Answer>(
              Internal("BATCH_SHORT", "the batch answered fewer requests than it was given")));
        }
      }
    }
  }

  RunBatch run_;
  const size_t max_batch_;
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<Pending> queue_;
  size_t batches_ = 0;
  std::jthread thread_;  // last: starts once everything above exists
};

}  // namespace aftersales::redis

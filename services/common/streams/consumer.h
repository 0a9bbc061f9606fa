// A consumer-group reader that hands each event to a handler and acknowledges
// it only after the handler succeeded; retries, claims from dead consumers,
// dead-letters poison entries and skips events already handled.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "services/common/metrics/metrics.h"
#include "services/common/redis/pool.h"
#include "services/common/streams/event.h"

namespace aftersales::streams {

struct ConsumerOptions {
  std::string stream;    // e.g. "{intake}:events"
  std::string group;     // one per consuming service, e.g. "dispatch"
  std::string consumer;  // one per process, stable across its restarts
  // How long one read waits for new entries; also bounds how long Stop() takes.
  std::chrono::milliseconds block{2000};
  int batch_size = 16;
  // Entries pending this long (a dead consumer's, or a failed one's) are
  // claimed and delivered again.
  std::chrono::milliseconds claim_idle{30000};
  // How often to look for such entries; 0 means claim_idle / 2.
  std::chrono::milliseconds claim_interval{0};
  // An entry delivered more often than this goes to the dead-letter stream.
  int max_deliveries = 5;
  // Empty: "<stream>:dead" (same hash tag as the stream).
  std::string dead_letter_stream;
  // Handled markers live at "<handled_prefix>handled:<group>:<event_id>"; give
  // the consuming service's hash tag, e.g. "{dispatch}:", so that its effect
  // scripts can set the marker atomically with the effect.
  std::string handled_prefix;
  std::chrono::seconds handled_ttl{7 * 24 * 3600};
  // Where a group created by this consumer starts: "0" (whole stream) or "$"
  // (only entries added from now on).
  std::string start_id = "0";
  // Run() waits this long after a failed cycle (Redis down) before the next.
  std::chrono::milliseconds error_backoff{500};
  // Event types (full message names) the handler acts on; empty: all. Other
  // entries are acknowledged without calling the handler or writing a handled
  // marker: a group that reads one type in four pays one XACK for the rest.
  std::vector<std::string> types;
};

// Plain counters for the caller (metrics are wired on top later).
struct ConsumerCounters {
  std::atomic<int64_t> handled{0};        // handler returned OK, entry acked
  std::atomic<int64_t> failed{0};         // handler returned an error (or threw)
  std::atomic<int64_t> dead_lettered{0};  // moved to the dead-letter stream
  std::atomic<int64_t> claimed{0};        // taken over via XAUTOCLAIM
  std::atomic<int64_t> duplicates{0};     // already handled, acked without the handler
  std::atomic<int64_t> skipped{0};        // a type not in options.types, acked unread
  std::atomic<int64_t> poll_errors{0};    // cycles that failed (e.g. Redis down)
};

// "<prefix>handled:<group>:<event_id>"
std::string HandledKey(std::string_view prefix, std::string_view group, std::string_view event_id);

// What an effect script needs to record the event as handled atomically with
// its effect: pass `key` in KEYS and `ttl_seconds` in ARGV, and guard the
// effect with `if not aftersales_first_time(KEYS[n], ARGV[m]) then return 0 end`.
struct MarkHandledArgs {
  std::string key;
  std::string ttl_seconds;
};

class Consumer;
using ConsumerPtr = std::unique_ptr<Consumer>;

class Consumer {
 public:
  using Handler = std::function<Status(const Event&)>;

  // INVALID_ARGUMENT for bad options. Does not talk to Redis yet.
  static Result<ConsumerPtr> Create(redis::RedisPool& pool, ConsumerOptions options,
                                    Handler handler);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // One poll cycle: create the group if missing; while replaying, one batch of
  // this consumer's own pending entries; when due, one XAUTOCLAIM batch; then
  // new entries (blocking up to options.block if nothing else was done).
  // Not to be called concurrently with itself or with a running Start().
  Status RunOnce();
  // RunOnce until stop is requested; failed cycles back off.
  void Run(std::stop_token stop);
  // Run on an own thread; Stop() returns within about options.block.
  void Start();
  void Stop();

  const ConsumerCounters& counters() const { return counters_; }
  const ConsumerOptions& options() const { return options_; }
  std::string HandledKey(std::string_view event_id) const;
  MarkHandledArgs MarkHandled(const Event& event) const;

 private:
  Consumer(redis::RedisPool& pool, ConsumerOptions options, Handler handler);

  struct Delivery;
  Status EnsureGroup();
  Status Cycle();
  // `entries` is an array of [id, fields]; `known_deliveries` > 0 when the
  // count is known (new entries: 1), else it is asked from XPENDING.
  Result<size_t> ProcessEntries(redis::ReplyView entries, int64_t known_deliveries);
  Status Process(const Delivery& delivery);
  // Acknowledgements (and handled markers) of a batch are queued and sent in
  // one round trip when the batch is done, or before a failure is returned.
  void Ack(const std::string& stream_id);
  void AckHandled(const Event& event);
  Status FlushAcks();
  bool Wanted(const Event& event) const;
  Status DeadLetter(const Delivery& delivery, const std::string& error);
  Status CallHandler(const Event& event);

  redis::RedisPool& pool_;
  const ConsumerOptions options_;
  const Handler handler_;
  const redis::Script dead_letter_script_;
  ConsumerCounters counters_;
  // The same counts in the process's metrics registry, labelled by stream and
  // group, plus the handler's latency.
  struct Series {
    metrics::Counter* handled;
    metrics::Counter* failed;
    metrics::Counter* dead_lettered;
    metrics::Counter* claimed;
    metrics::Counter* duplicates;
    metrics::Counter* skipped;
    metrics::Counter* poll_errors;
    metrics::Histogram* handle_seconds;
  };
  static Series MakeSeries(const std::string& stream, const std::string& group);
  Series series_;

  bool group_ready_ = false;
  bool replaying_ = true;
  std::string replay_cursor_ = "0";
  std::string claim_cursor_ = "0-0";
  std::chrono::steady_clock::time_point next_claim_{};
  std::vector<std::string> pending_acks_;     // stream ids
  std::vector<std::string> pending_markers_;  // handled keys

  std::jthread thread_;
};

}  // namespace aftersales::streams

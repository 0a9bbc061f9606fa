#include "services/common/streams/consumer.h"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <utility>

namespace aftersales::streams {
namespace {

using redis::Reply;
using redis::ReplyView;

// Acks first so that a second consumer dead-lettering the same entry (both
// saw it exceed max_deliveries) adds nothing: only the one whose XACK removed
// the entry from the pending list writes the dead letter.
constexpr std::string_view kDeadLetterLua = R"lua(
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
local entry = {'source_stream', KEYS[1], 'source_id', ARGV[2], 'group', ARGV[1],
               'consumer', ARGV[3], 'deliveries', ARGV[4], 'error', ARGV[5]}
for i = 6, #ARGV do entry[#entry + 1] = ARGV[i] end
redis.call('XADD', KEYS[2], '*', unpack(entry))
return 1
)lua";

bool IsValidStartId(const std::string& id) { return id == "$" || StreamId::Parse(id).has_value(); }

std::string Describe(const Status& s) { return s.ToString(); }

constexpr char kEventsHelp[] = "stream entries by what the consumer did with them";

}  // namespace

Consumer::Series Consumer::MakeSeries(const std::string& stream, const std::string& group) {
  auto& r = metrics::DefaultRegistry();
  auto outcome = [&](const char* what) {
    return &r.Counter("aftersales_stream_events_total", kEventsHelp,
                      {{"stream", stream}, {"group", group}, {"outcome", what}});
  };
  return Series{outcome("handled"),
                outcome("failed"),
                outcome("dead_lettered"),
                outcome("claimed"),
                outcome("duplicate"),
                outcome("skipped"),
                &r.Counter("aftersales_stream_poll_errors_total",
                           "consumer poll cycles that failed (Redis down, ...)",
                           {{"stream", stream}, {"group", group}}),
                &r.Histogram("aftersales_stream_handle_seconds", "event handler time",
                             {{"stream", stream}, {"group", group}})};
}

// One entry as delivered to this consumer.
struct Consumer::Delivery {
  std::string stream_id;
  ReplyView fields;  // nil for an entry deleted since it was read
  int64_t deliveries = 1;
  std::optional<Result<Event>> event;
  bool already_handled = false;
  bool wanted = true;  // false: a type the handler does not act on
};

std::string HandledKey(std::string_view prefix, std::string_view group, std::string_view event_id) {
  std::string key(prefix);
  key += "handled:";
  key += group;
  key += ':';
  key += event_id;
  return key;
}

Result<ConsumerPtr> Consumer::Create(redis::RedisPool& pool, ConsumerOptions options,
                                     Handler handler) {
  Validator v;
  v.Check(!options.stream.empty(), "stream", "must not be empty");
  v.Check(!options.group.empty(), "group", "must not be empty");
  v.Check(!options.consumer.empty(), "consumer", "must not be empty");
  // BLOCK 0 would mean "forever" to Redis: Stop() could never return.
  v.Check(options.block.count() > 0, "block", "must be positive");
  v.Check(options.batch_size >= 1 && options.batch_size <= 10000, "batch_size",
          "must be in 1..10000");
  v.Check(options.claim_idle.count() > 0, "claim_idle", "must be positive");
  v.Check(options.claim_interval.count() >= 0, "claim_interval", "must not be negative");
  v.Check(options.max_deliveries >= 1, "max_deliveries", "must be at least 1");
  v.Check(options.handled_ttl.count() > 0, "handled_ttl", "must be positive");
  v.Check(IsValidStartId(options.start_id), "start_id", "must be \"0\", \"$\" or an entry id");
  v.Check(options.error_backoff.count() >= 0, "error_backoff", "must not be negative");
  v.Check(static_cast<bool>(handler), "handler", "must be set");
  if (!v.ok()) return v.ToStatus("INVALID_CONSUMER_OPTIONS");
  if (options.dead_letter_stream.empty()) options.dead_letter_stream = options.stream + ":dead";
  if (options.claim_interval.count() == 0) options.claim_interval = options.claim_idle / 2;
  return ConsumerPtr(new Consumer(pool, std::move(options), std::move(handler)));
}

Consumer::Consumer(redis::RedisPool& pool, ConsumerOptions options, Handler handler)
    : pool_(pool),
      options_(std::move(options)),
      handler_(std::move(handler)),
      dead_letter_script_(std::string(kDeadLetterLua)),
      series_(MakeSeries(options_.stream, options_.group)) {}

Consumer::~Consumer() { Stop(); }

std::string Consumer::HandledKey(std::string_view event_id) const {
  return streams::HandledKey(options_.handled_prefix, options_.group, event_id);
}

MarkHandledArgs Consumer::MarkHandled(const Event& event) const {
  return {HandledKey(event.event_id), std::to_string(options_.handled_ttl.count())};
}

void Consumer::Start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

void Consumer::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

void Consumer::Run(std::stop_token stop) {
  std::mutex mu;
  std::condition_variable_any cv;
  while (!stop.stop_requested()) {
    if (RunOnce().ok()) continue;
    std::unique_lock lock(mu);
    cv.wait_for(lock, stop, options_.error_backoff, [] { return false; });
  }
}

Status Consumer::EnsureGroup() {
  if (group_ready_) return Status::Ok();
  Result<Reply> created = pool_.Command(
      {"XGROUP", "CREATE", options_.stream, options_.group, options_.start_id, "MKSTREAM"});
  if (!created.ok() && created.status().reason() != "REDIS_BUSYGROUP") return created.status();
  group_ready_ = true;
  return Status::Ok();
}

Status Consumer::RunOnce() {
  Status s = EnsureGroup();
  if (s.ok()) s = Cycle();
  if (!s.ok()) {
    ++counters_.poll_errors;
    series_.poll_errors->Increment();
    // Redis may have lost the group (data loss) or this consumer's view may be
    // stale after an outage: recreate if needed and replay own pending entries.
    if (s.reason() == "REDIS_NOGROUP") group_ready_ = false;
    replaying_ = true;
    replay_cursor_ = "0";
  }
  return s;
}

Status Consumer::Cycle() {
  const std::string count = std::to_string(options_.batch_size);
  if (replaying_) {
    Result<Reply> read =
        pool_.Command({"XREADGROUP", "GROUP", options_.group, options_.consumer, "COUNT", count,
                       "STREAMS", options_.stream, replay_cursor_});
    if (!read.ok()) return read.status();
    ReplyView entries = (*read)[0][1];
    if (entries.size() == 0) {
      replaying_ = false;
    } else {
      // Advance past failures too, so the replay ends; they stay pending and
      // come back through XAUTOCLAIM after claim_idle.
      replay_cursor_ = entries[entries.size() - 1][0].string();
      Result<size_t> done = ProcessEntries(entries, 0);
      return done.status();
    }
  }

  bool did_work = false;
  auto now = std::chrono::steady_clock::now();
  if (now >= next_claim_) {
    Result<Reply> claim =
        pool_.Command({"XAUTOCLAIM", options_.stream, options_.group, options_.consumer,
                       std::to_string(options_.claim_idle.count()), claim_cursor_, "COUNT", count});
    if (!claim.ok()) return claim.status();
    claim_cursor_ = (*claim)[0].string();
    // A full pass over the pending list is done when the cursor wraps to 0-0;
    // until then keep claiming on every cycle.
    if (claim_cursor_.empty() || claim_cursor_ == "0-0") {
      claim_cursor_ = "0-0";
      next_claim_ = now + options_.claim_interval;
    }
    ReplyView entries = (*claim)[1];
    counters_.claimed += static_cast<int64_t>(entries.size());
    series_.claimed->Increment(static_cast<double>(entries.size()));
    Result<size_t> done = ProcessEntries(entries, 0);
    if (!done.ok()) return done.status();
    did_work = *done > 0;
  }

  std::vector<std::string> read_new{"XREADGROUP",      "GROUP", options_.group,
                                    options_.consumer, "COUNT", count};
  std::chrono::milliseconds blocking(0);
  if (!did_work) {
    read_new.push_back("BLOCK");
    read_new.push_back(std::to_string(options_.block.count()));
    blocking = options_.block;
  }
  read_new.insert(read_new.end(), {"STREAMS", options_.stream, ">"});
  Result<Reply> read = pool_.Command(read_new, blocking);
  if (!read.ok()) return read.status();
  return ProcessEntries((*read)[0][1], 1).status();
}

Result<size_t> Consumer::ProcessEntries(ReplyView entries, int64_t known_deliveries) {
  std::vector<Delivery> batch;
  batch.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    Delivery d;
    d.stream_id = entries[i][0].string();
    if (d.stream_id.empty()) continue;
    d.fields = entries[i][1];
    d.deliveries = known_deliveries;
    if (d.fields.is_array()) d.event = EventFromEntry(entries[i]);
    if (d.event && d.event->ok() && !Wanted(**d.event)) {
      d.wanted = false;
      d.deliveries = 1;  // acked unread: who else holds it does not matter
    }
    batch.push_back(std::move(d));
  }
  if (batch.empty()) return size_t{0};

  // One round trip for what every entry needs to know: its delivery count
  // (unless known) and whether its event was already handled by this group.
  std::vector<std::vector<std::string>> queries;
  for (const Delivery& d : batch) {
    if (!d.wanted) continue;
    if (known_deliveries <= 0) {
      queries.push_back({"XPENDING", options_.stream, options_.group, d.stream_id, d.stream_id, "1",
                         options_.consumer});
    }
    if (d.event && d.event->ok()) queries.push_back({"EXISTS", HandledKey((*d.event)->event_id)});
  }
  if (!queries.empty()) {
    Result<std::vector<Reply>> answers = pool_.Pipeline(queries);
    if (!answers.ok()) return answers.status();
    size_t next = 0;
    for (Delivery& d : batch) {
      if (!d.wanted) continue;
      if (known_deliveries <= 0) {
        // [[id, consumer, idle, deliveries]]; empty if no longer ours.
        d.deliveries = (*answers)[next++][0][3].integer().value_or(0);
      }
      if (d.event && d.event->ok()) d.already_handled = (*answers)[next++].integer() == 1;
    }
  }

  size_t processed = 0;
  for (const Delivery& d : batch) {
    if (d.deliveries <= 0) continue;  // another consumer took it meanwhile
    if (Status s = Process(d); !s.ok()) {
      (void)FlushAcks();  // what did succeed is acknowledged; s is the news
      return s;
    }
    ++processed;
  }
  if (Status s = FlushAcks(); !s.ok()) return s;
  return processed;
}

bool Consumer::Wanted(const Event& event) const {
  if (options_.types.empty()) return true;
  for (const std::string& t : options_.types) {
    if (t == event.type) return true;
  }
  return false;
}

Status Consumer::Process(const Delivery& d) {
  if (!d.fields.is_array()) {  // deleted (trimmed) since read
    Ack(d.stream_id);
    return Status::Ok();
  }
  const Result<Event>& parsed = *d.event;
  if (!parsed.ok()) return DeadLetter(d, Describe(parsed.status()));
  if (!d.wanted) {
    ++counters_.skipped;
    series_.skipped->Increment();
    Ack(d.stream_id);
    return Status::Ok();
  }
  if (d.already_handled) {
    ++counters_.duplicates;
    series_.duplicates->Increment();
    Ack(d.stream_id);
    return Status::Ok();
  }
  if (d.deliveries > options_.max_deliveries) {
    // Its handler never finished (e.g. it crashed the process every time).
    return DeadLetter(d, "delivered " + std::to_string(d.deliveries) +
                             " times without an acknowledgement (max_deliveries " +
                             std::to_string(options_.max_deliveries) + ")");
  }
  Event event = parsed.value();
  event.deliveries = d.deliveries;
  Status handled = CallHandler(event);
  if (handled.ok()) {
    ++counters_.handled;
    series_.handled->Increment();
    AckHandled(event);
    return Status::Ok();
  }
  ++counters_.failed;
  series_.failed->Increment();
  if (d.deliveries >= options_.max_deliveries) return DeadLetter(d, Describe(handled));
  // Left pending: redelivered through XAUTOCLAIM once idle past claim_idle.
  return Status::Ok();
}

Status Consumer::CallHandler(const Event& event) {
  const auto start = std::chrono::steady_clock::now();
  struct ObserveOnExit {
    metrics::Histogram* h;
    std::chrono::steady_clock::time_point start;
    ~ObserveOnExit() { h->ObserveDuration(std::chrono::steady_clock::now() - start); }
  } observe{series_.handle_seconds, start};
  try {
    return handler_(event);
  } catch (const std::exception& e) {
    return Internal("HANDLER_THREW", std::string("handler threw: ") + e.what());
  } catch (...) {
    return Internal("HANDLER_THREW", "handler threw a non-standard exception");
  }
}

void Consumer::Ack(const std::string& stream_id) { pending_acks_.push_back(stream_id); }

void Consumer::AckHandled(const Event& event) {
  // The marker makes a later duplicate of this event id a no-op even when the
  // handler had no effect script of its own to record it.
  pending_markers_.push_back(HandledKey(event.event_id));
  pending_acks_.push_back(event.stream_id);
}

Status Consumer::FlushAcks() {
  if (pending_acks_.empty()) return Status::Ok();
  std::vector<std::vector<std::string>> commands;
  commands.reserve(pending_markers_.size() + 1);
  const std::string ttl = std::to_string(options_.handled_ttl.count());
  // Markers first: an entry is never acknowledged before its marker exists.
  for (std::string& key : pending_markers_) {
    commands.push_back({"SET", std::move(key), "1", "NX", "EX", ttl});
  }
  std::vector<std::string> xack{"XACK", options_.stream, options_.group};
  xack.insert(xack.end(), std::make_move_iterator(pending_acks_.begin()),
              std::make_move_iterator(pending_acks_.end()));
  commands.push_back(std::move(xack));
  pending_markers_.clear();
  pending_acks_.clear();
  // On failure the entries stay pending and come back (replay or claim); the
  // markers already written make the handled ones duplicates then.
  return pool_.Pipeline(commands).status();
}

Status Consumer::DeadLetter(const Delivery& d, const std::string& error) {
  std::vector<std::string> args{options_.group, d.stream_id, options_.consumer,
                                std::to_string(d.deliveries), error};
  for (size_t i = 0; i < d.fields.size(); ++i) args.push_back(d.fields[i].string());
  Result<Reply> moved =
      pool_.Eval(dead_letter_script_, {options_.stream, options_.dead_letter_stream}, args);
  if (!moved.ok()) return moved.status();
  if (moved->integer() == 1) {
    ++counters_.dead_lettered;
    series_.dead_lettered->Increment();
  }
  return Status::Ok();
}

}  // namespace aftersales::streams

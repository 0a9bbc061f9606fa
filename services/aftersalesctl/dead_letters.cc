#include "services/aftersalesctl/dead_letters.h"

#include <set>

#include "services/common/redis/script.h"
#include "services/common/streams/event.h"

namespace aftersales::ctl {
namespace {

// The fields streams::Consumer writes in front of the original entry's fields.
const std::set<std::string, std::less<>> kMetadataFields = {"source_stream", "source_id",  "group",
                                                            "consumer",      "deliveries", "error"};

// KEYS[1] dead-letter stream, KEYS[2] source stream; ARGV[1] dead-letter id.
// The source named in the entry must be KEYS[2]: a script may only touch the
// keys it declares (and both share the stream's hash tag on Redis Cluster).
constexpr char kReplayLua[] = R"lua(
local found = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #found == 0 then
  return redis.error_reply('NOT_FOUND DEAD_LETTER_NOT_FOUND no dead letter ' .. ARGV[1] .. ' in ' .. KEYS[1])
end
local f = found[1][2]
local meta = {source_stream = true, source_id = true, group = true, consumer = true,
              deliveries = true, error = true}
local source = nil
local i = 1
while i < #f and meta[f[i]] do
  if f[i] == 'source_stream' then source = f[i + 1] end
  i = i + 2
end
if source ~= KEYS[2] then
  return redis.error_reply('FAILED_PRECONDITION DEAD_LETTER_OTHER_STREAM dead letter ' .. ARGV[1] ..
                           ' came from ' .. tostring(source) .. ', not ' .. KEYS[2])
end
if i > #f then
  return redis.error_reply('FAILED_PRECONDITION DEAD_LETTER_EMPTY dead letter ' .. ARGV[1] ..
                           ' carries no event fields')
end
local event = {}
for j = i, #f do event[#event + 1] = f[j] end
local id = redis.call('XADD', KEYS[2], '*', unpack(event))
redis.call('XDEL', KEYS[1], ARGV[1])
return id
)lua";

const redis::Script& ReplayScript() {
  static const redis::Script script{std::string(kReplayLua)};
  return script;
}

Status CheckId(const std::string& id) {
  if (streams::StreamId::Parse(id).has_value()) return Status::Ok();
  return InvalidArgument("INVALID_ENTRY_ID", "\"" + id + "\" is not a stream entry id",
                         {{"id", "must look like 1700000000000-0"}});
}

}  // namespace

const std::vector<std::string>& KnownStreams() {
  static const std::vector<std::string> streams = {"{intake}:events", "{dispatch}:events",
                                                   "{inventory}:events", "{followup}:events"};
  return streams;
}

std::string StreamName(const std::string& name_or_stream) {
  if (name_or_stream.find(':') != std::string::npos) return name_or_stream;
  std::string stream = "{";
  stream += name_or_stream;
  stream += "}:events";
  return stream;
}

std::string DeadLetterStream(const std::string& stream) { return stream + ":dead"; }

std::string DeadLetter::EventField(const std::string& name) const {
  for (const auto& [k, v] : event) {
    if (k == name) return v;
  }
  return "";
}

Result<std::vector<DeadLetter>> ListDeadLetters(redis::RedisPool& pool, const std::string& stream,
                                                int count, const std::string& start) {
  Result<redis::Reply> range = pool.Command(
      {"XRANGE", DeadLetterStream(stream), start, "+", "COUNT", std::to_string(count)});
  if (!range.ok()) return range.status();
  std::vector<DeadLetter> letters;
  for (size_t i = 0; i < range->size(); ++i) {
    redis::ReplyView entry = (*range)[i];
    redis::ReplyView fields = entry[1];
    DeadLetter d;
    d.id = entry[0].string();
    size_t k = 0;
    // The metadata comes first; the original entry's fields follow.
    for (; k + 1 < fields.size() && kMetadataFields.contains(fields[k].str()); k += 2) {
      const std::string_view name = fields[k].str();
      std::string* field = name == "source_stream" ? &d.source_stream
                           : name == "source_id"   ? &d.source_id
                           : name == "group"       ? &d.group
                           : name == "consumer"    ? &d.consumer
                           : name == "deliveries"  ? &d.deliveries
                                                   : &d.error;
      *field = fields[k + 1].string();
    }
    for (; k + 1 < fields.size(); k += 2) {
      d.event.emplace_back(fields[k].string(), fields[k + 1].string());
    }
    letters.push_back(std::move(d));
  }
  return letters;
}

Result<std::string> ReplayDeadLetter(redis::RedisPool& pool, const std::string& stream,
                                     const std::string& id) {
  if (Status s = CheckId(id); !s.ok()) return s;
  Result<redis::Reply> added = pool.Eval(ReplayScript(), {DeadLetterStream(stream), stream}, {id});
  if (!added.ok()) return added.status();
  return added->string();
}

Status DropDeadLetter(redis::RedisPool& pool, const std::string& stream, const std::string& id) {
  if (Status s = CheckId(id); !s.ok()) return s;
  const std::string dead = DeadLetterStream(stream);
  Result<redis::Reply> deleted = pool.Command({"XDEL", dead, id});
  if (!deleted.ok()) return deleted.status();
  if (deleted->integer().value_or(0) == 0) {
    return NotFound("DEAD_LETTER_NOT_FOUND", "no dead letter " + id + " in " + dead);
  }
  return Status::Ok();
}

}  // namespace aftersales::ctl

#include "services/common/streams/trim.h"

#include <algorithm>
#include <optional>

#include "services/common/streams/event.h"

namespace aftersales::streams {
namespace {

using redis::Reply;
using redis::ReplyView;

// XINFO GROUPS answers each group as a flat [name, value, ...] list.
ReplyView Field(ReplyView flat, std::string_view name) {
  for (size_t i = 0; i + 1 < flat.size(); i += 2) {
    if (flat[i].str() == name) return flat[i + 1];
  }
  return ReplyView();
}

}  // namespace

Result<TrimResult> TrimStream(redis::RedisPool& pool, const std::string& stream,
                              std::chrono::milliseconds min_age, TimePoint now) {
  TrimResult result;
  Result<Reply> exists = pool.Command({"EXISTS", stream});
  if (!exists.ok()) return exists.status();
  if (exists->integer() != 1) return result;

  int64_t cutoff_ms = ToUnixMillis(now) - min_age.count();
  if (cutoff_ms <= 0) return result;
  StreamId bound{static_cast<uint64_t>(cutoff_ms), 0};

  Result<Reply> groups = pool.Command({"XINFO", "GROUPS", stream});
  if (!groups.ok()) return groups.status();
  for (size_t i = 0; i < groups->size(); ++i) {
    ReplyView group = (*groups)[i];
    std::string name = Field(group, "name").string();
    std::optional<StreamId> last_delivered =
        StreamId::Parse(Field(group, "last-delivered-id").str());
    if (name.empty() || !last_delivered) {
      return Internal("UNEXPECTED_REPLY", "XINFO GROUPS " + stream + ": " + group.ToString());
    }
    bound = std::min(bound, last_delivered->Next());
    if (Field(group, "pending").integer().value_or(0) > 0) {
      // Summary form: [count, smallest id, greatest id, consumers].
      Result<Reply> pending = pool.Command({"XPENDING", stream, name});
      if (!pending.ok()) return pending.status();
      std::optional<StreamId> oldest = StreamId::Parse((*pending)[1].str());
      if (oldest) bound = std::min(bound, *oldest);
    }
  }

  result.min_id = bound.ToString();
  // Exact MINID (no "~") so that the bound holds to the entry.
  Result<Reply> trimmed = pool.Command({"XTRIM", stream, "MINID", result.min_id});
  if (!trimmed.ok()) return trimmed.status();
  result.removed = trimmed->integer().value_or(0);
  return result;
}

}  // namespace aftersales::streams

#include "services/aftersalesctl/lag.h"

#include "services/aftersalesctl/dead_letters.h"

namespace aftersales::ctl {

Result<std::vector<StreamLag>> ReadLag(redis::RedisPool& pool,
                                       const std::vector<std::string>& streams) {
  std::vector<StreamLag> out;
  for (const std::string& stream : streams) {
    StreamLag s;
    s.stream = stream;
    Result<std::vector<redis::Reply>> sizes =
        pool.Pipeline({{"EXISTS", stream}, {"XLEN", stream}, {"XLEN", DeadLetterStream(stream)}});
    if (!sizes.ok()) return sizes.status();
    s.exists = (*sizes)[0].integer().value_or(0) == 1;
    s.length = (*sizes)[1].integer().value_or(0);
    s.dead_letters = (*sizes)[2].integer().value_or(0);
    if (s.exists) {
      Result<redis::Reply> groups = pool.Command({"XINFO", "GROUPS", stream});
      if (!groups.ok()) return groups.status();
      for (size_t i = 0; i < groups->size(); ++i) {
        redis::ReplyView g = (*groups)[i];
        GroupLag lag;
        // A flat [name, value, ...] list.
        for (size_t k = 0; k + 1 < g.size(); k += 2) {
          const std::string_view key = g[k].str();
          redis::ReplyView value = g[k + 1];
          if (key == "name") lag.group = value.string();
          if (key == "consumers") lag.consumers = value.integer().value_or(0);
          if (key == "pending") lag.pending = value.integer().value_or(0);
          if (key == "last-delivered-id") lag.last_delivered_id = value.string();
          if (key == "lag" && !value.is_nil()) lag.lag = value.integer();
        }
        s.groups.push_back(std::move(lag));
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace aftersales::ctl

#include "services/aftersalesctl/cli.h"

#include <iomanip>
#include <map>
#include <set>

#include "services/aftersalesctl/dead_letters.h"
#include "services/aftersalesctl/intake_commands.h"
#include "services/aftersalesctl/lag.h"
#include "services/common/auth/jwt.h"
#include "services/common/redis/pool.h"

namespace aftersales::ctl {
namespace {

constexpr char kUsage[] = R"(usage: aftersalesctl COMMAND

  dead-letters list   [--stream S] [--count N] [--from ID]
        dead-lettered events, oldest first (default: every service's stream)
  dead-letters replay --stream S (--id ID ... | --all)
        put the events back on their stream and remove the dead letters
  dead-letters drop   --stream S --id ID ... --yes
        delete dead letters for good
  lag [--stream S]
        per stream and consumer group: pending (delivered, not acknowledged)
        and lag (not delivered yet)
  token --role ROLE --sub SUBJECT [--customer ID] [--engineer ID] [--ttl 8h]
        mint a JWT for the gateway, signed with AFTERSALES_JWT_SECRET
  import customers|sites|assets FILE.csv [--dry-run] [--parallel N]
        check every row, report bad ones by line, create the good ones in
        intake (AFTERSALES_INTAKE_ADDR); a re-run creates nothing new
  export tickets FILE.csv [--status S] [--customer ID]
        every ticket as CSV ("-" for standard output)

S is a stream ("{intake}:events") or a service name ("intake").
Redis: AFTERSALES_REDIS_HOST, AFTERSALES_REDIS_PORT, AFTERSALES_REDIS_PASSWORD.
)";

// --name value pairs (repeatable) and bare --switches.
class Flags {
 public:
  static Result<Flags> Parse(const std::vector<std::string>& args, size_t first,
                             const std::set<std::string>& valued,
                             const std::set<std::string>& switches) {
    Flags f;
    for (size_t i = first; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a.rfind("--", 0) != 0) {
        return InvalidArgument("UNEXPECTED_ARGUMENT", "unexpected argument \"" + a + "\"");
      }
      const std::string name = a.substr(2);
      if (switches.contains(name)) {
        f.values_[name].push_back("true");
      } else if (valued.contains(name)) {
        if (i + 1 >= args.size()) return InvalidArgument("MISSING_VALUE", a + " needs a value");
        f.values_[name].push_back(args[++i]);
      } else {
        return InvalidArgument("UNKNOWN_FLAG", "unknown flag " + a);
      }
    }
    return f;
  }
  bool Has(const std::string& name) const { return values_.contains(name); }
  std::string Get(const std::string& name, const std::string& fallback = "") const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second.back();
  }
  std::vector<std::string> All(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? std::vector<std::string>{} : it->second;
  }

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

Result<redis::RedisPoolPtr> PoolFromEnv(EnvConfig& env) {
  using std::chrono::milliseconds;
  redis::RedisOptions options;
  options.host = env.String("AFTERSALES_REDIS_HOST", "127.0.0.1");
  options.port = env.Port("AFTERSALES_REDIS_PORT", 6379);
  options.password = env.String("AFTERSALES_REDIS_PASSWORD", "");
  options.connect_timeout =
      env.Duration("AFTERSALES_REDIS_CONNECT_TIMEOUT", milliseconds(1000), milliseconds(1));
  options.command_timeout =
      env.Duration("AFTERSALES_REDIS_COMMAND_TIMEOUT", milliseconds(5000), milliseconds(1));
  options.pool_size = 2;
  if (Status s = env.Finish(); !s.ok()) return s;
  return redis::RedisPool::Create(options);
}

int Fail(std::ostream& err, const Status& s) {
  err << "aftersalesctl: " << s.ToString() << "\n";
  for (const auto& v : s.field_violations())
    err << "  " << v.field << ": " << v.description << "\n";
  return s.code() == Code::kInvalidArgument ? kExitUsage : kExitFailed;
}

std::vector<std::string> StreamsFrom(const Flags& flags) {
  if (!flags.Has("stream")) return KnownStreams();
  std::vector<std::string> streams;
  for (const auto& s : flags.All("stream")) streams.push_back(StreamName(s));
  return streams;
}

int ListCommand(redis::RedisPool& pool, const Flags& flags, std::ostream& out, std::ostream& err) {
  long long count = 100;
  if (!ParseInt(flags.Get("count", "100"), count) || count < 1 || count > 100000) {
    return Fail(err, InvalidArgument("INVALID_COUNT", "--count must be in 1..100000"));
  }
  for (const std::string& stream : StreamsFrom(flags)) {
    auto letters = ListDeadLetters(pool, stream, static_cast<int>(count), flags.Get("from", "-"));
    if (!letters.ok()) return Fail(err, letters.status());
    out << DeadLetterStream(stream) << ": " << letters->size() << " dead letter"
        << (letters->size() == 1 ? "" : "s") << "\n";
    for (const DeadLetter& d : *letters) {
      out << "  " << d.id << "  source " << d.source_id << "  group " << d.group << "  deliveries "
          << d.deliveries << "  type " << d.EventField("type") << "  event " << d.EventField("id")
          << "  aggregate " << d.EventField("aggregate") << "\n"
          << "    error: " << d.error << "\n";
    }
  }
  return kExitOk;
}

int ReplayCommand(redis::RedisPool& pool, const Flags& flags, std::ostream& out,
                  std::ostream& err) {
  if (!flags.Has("stream"))
    return Fail(err, InvalidArgument("MISSING_STREAM", "--stream is required"));
  const std::string stream = StreamName(flags.Get("stream"));
  std::vector<std::string> ids = flags.All("id");
  if (flags.Has("all") == !ids.empty()) {
    return Fail(err, InvalidArgument("REPLAY_WHAT", "give either --id ID (one or more) or --all"));
  }
  if (flags.Has("all")) {
    // Snapshot first: replayed events that fail again come back as new dead
    // letters, which this run must not pick up and loop on.
    auto letters = ListDeadLetters(pool, stream, 100000);
    if (!letters.ok()) return Fail(err, letters.status());
    for (const DeadLetter& d : *letters) ids.push_back(d.id);
  }
  int replayed = 0;
  for (const std::string& id : ids) {
    auto added = ReplayDeadLetter(pool, stream, id);
    if (!added.ok()) {
      out << "replayed " << replayed << " of " << ids.size() << "\n";
      return Fail(err, added.status());
    }
    out << "replayed " << id << " -> " << stream << " " << *added << "\n";
    ++replayed;
  }
  out << "replayed " << replayed << " of " << ids.size() << "\n";
  return kExitOk;
}

int DropCommand(redis::RedisPool& pool, const Flags& flags, std::ostream& out, std::ostream& err) {
  if (!flags.Has("stream"))
    return Fail(err, InvalidArgument("MISSING_STREAM", "--stream is required"));
  const std::string stream = StreamName(flags.Get("stream"));
  const std::vector<std::string> ids = flags.All("id");
  if (ids.empty()) return Fail(err, InvalidArgument("MISSING_ID", "--id is required"));
  if (!flags.Has("yes")) {
    return Fail(err, InvalidArgument("CONFIRMATION_REQUIRED",
                                     "dropping deletes the events for good: add --yes to confirm"));
  }
  for (const std::string& id : ids) {
    if (Status s = DropDeadLetter(pool, stream, id); !s.ok()) return Fail(err, s);
    out << "dropped " << id << " from " << DeadLetterStream(stream) << "\n";
  }
  return kExitOk;
}

int LagCommand(redis::RedisPool& pool, const Flags& flags, std::ostream& out, std::ostream& err) {
  auto lag = ReadLag(pool, StreamsFrom(flags));
  if (!lag.ok()) return Fail(err, lag.status());
  out << std::left << std::setw(22) << "STREAM" << std::setw(9) << "LENGTH" << std::setw(7)
      << "DEAD" << std::setw(12) << "GROUP" << std::setw(11) << "CONSUMERS" << std::setw(9)
      << "PENDING"
      << "LAG\n";
  for (const StreamLag& s : *lag) {
    if (!s.exists || s.groups.empty()) {
      out << std::setw(22) << s.stream << std::setw(9) << s.length << std::setw(7) << s.dead_letters
          << (s.exists ? "(no consumer group)" : "(no stream yet)") << "\n";
      continue;
    }
    for (const GroupLag& g : s.groups) {
      out << std::setw(22) << s.stream << std::setw(9) << s.length << std::setw(7) << s.dead_letters
          << std::setw(12) << g.group << std::setw(11) << g.consumers << std::setw(9) << g.pending
          << (g.lag ? std::to_string(*g.lag) : "unknown") << "\n";
    }
  }
  return kExitOk;
}

int TokenCommand(EnvConfig& env, const Clock& clock, const Flags& flags, std::ostream& out,
                 std::ostream& err) {
  const std::string secret = env.RequiredString("AFTERSALES_JWT_SECRET");
  if (Status s = env.Finish(); !s.ok()) return Fail(err, s);
  std::chrono::milliseconds ttl(0);
  if (!ParseDuration(flags.Get("ttl", "8h"), ttl) || ttl.count() <= 0 ||
      ttl > std::chrono::hours(24 * 90)) {
    return Fail(err,
                InvalidArgument("INVALID_TTL", "--ttl must be a duration up to 90 days, e.g. 8h",
                                {{"ttl", "e.g. 30m, 8h"}}));
  }
  auth::Claims claims;
  claims.sub = flags.Get("sub");
  claims.role = flags.Get("role");
  claims.customer_id = flags.Get("customer");
  claims.engineer_id = flags.Get("engineer");
  const TimePoint now = clock.Now();
  claims.iat = now;
  claims.exp = now + std::chrono::duration_cast<Duration>(ttl);
  if (Status s = auth::ValidateClaims(claims); !s.ok()) return Fail(err, s);
  out << auth::SignJwt(claims, secret) << "\n";
  return kExitOk;
}

}  // namespace

int RunCli(const std::vector<std::string>& args, EnvConfig& env, const Clock& clock,
           std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << kUsage;
    return kExitUsage;
  }
  const std::string& command = args[0];
  if (command == "help" || command == "--help" || command == "-h") {
    out << kUsage;
    return kExitOk;
  }
  if (command == "import" || command == "export") {
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    return command == "import" ? ImportCommand(rest, env, out, err)
                               : ExportCommand(rest, env, out, err);
  }
  if (command == "token") {
    auto flags = Flags::Parse(args, 1, {"role", "sub", "customer", "engineer", "ttl"}, {});
    if (!flags.ok()) return Fail(err, flags.status());
    return TokenCommand(env, clock, *flags, out, err);
  }
  std::string sub;
  size_t first = 1;
  if (command == "dead-letters") {
    if (args.size() < 2) {
      err << kUsage;
      return kExitUsage;
    }
    sub = args[1];
    first = 2;
    if (sub != "list" && sub != "replay" && sub != "drop") {
      err << "aftersalesctl: unknown dead-letters command \"" << sub << "\"\n" << kUsage;
      return kExitUsage;
    }
  } else if (command != "lag") {
    err << "aftersalesctl: unknown command \"" << command << "\"\n" << kUsage;
    return kExitUsage;
  }
  auto flags = Flags::Parse(args, first, {"stream", "count", "from", "id"}, {"all", "yes"});
  if (!flags.ok()) return Fail(err, flags.status());
  auto pool = PoolFromEnv(env);
  if (!pool.ok()) return Fail(err, pool.status());
  if (command == "lag") return LagCommand(**pool, *flags, out, err);
  if (sub == "list") return ListCommand(**pool, *flags, out, err);
  if (sub == "replay") return ReplayCommand(**pool, *flags, out, err);
  return DropCommand(**pool, *flags, out, err);
}

}  // namespace aftersales::ctl

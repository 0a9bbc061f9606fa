#include "services/intake/storage/ticket_codec.h"

#include <optional>

namespace aftersales::intake {
namespace {

constexpr uint8_t kFormat = 1;

class Writer {
 public:
  void U(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void I(int64_t v) { U((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void B(bool b) { U(b ? 1 : 0); }
  void S(std::string_view s) {
    U(s.size());
    out_.append(s);
  }
  // Instants as milliseconds relative to the report: most are small.
  void T(TimePoint t) { I(ToUnixMillis(t) - base_); }
  void OptT(const std::optional<TimePoint>& t) {
    B(t.has_value());
    if (t) T(*t);
  }
  void D(Duration d) { I(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()); }
  void set_base(int64_t base) { base_ = base; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
  int64_t base_ = 0;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  uint64_t U() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) {
        ok_ = false;
        return 0;
      }
      const auto byte = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return v;
    }
    ok_ = false;
    return 0;
  }
  int64_t I() {
    const uint64_t u = U();
    return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  }
  bool B() { return U() != 0; }
  int Small(int limit) {
    const uint64_t v = U();
    if (v >= static_cast<uint64_t>(limit)) ok_ = false;
    return ok_ ? static_cast<int>(v) : 0;
  }
  std::string S() {
    const uint64_t n = U();
    if (!ok_ || n > in_.size() - pos_) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  TimePoint T() { return FromUnixMillis(I() + base_); }
  std::optional<TimePoint> OptT() {
    if (!B()) return std::nullopt;
    return T();
  }
  Duration D() { return std::chrono::milliseconds(I()); }
  void set_base(int64_t base) { base_ = base; }
  bool ok() const { return ok_ && pos_ == in_.size(); }
  bool good() const { return ok_; }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
  int64_t base_ = 0;
};

// Optional small enums as 0 (absent) or value + 1.
template <typename E>
void PutOpt(Writer& w, const std::optional<E>& e) {
  w.U(e ? static_cast<uint64_t>(*e) + 1 : 0);
}
template <typename E>
std::optional<E> GetOpt(Reader& r, int limit) {
  const int v = r.Small(limit + 1);
  if (v == 0) return std::nullopt;
  return static_cast<E>(v - 1);
}

constexpr int kKinds = 2, kChannels = 6, kZones = 3, kCategories = 5, kSeverities = 4,
              kStatuses = 7, kPauseReasons = 3, kMethods = 3, kClockKinds = 6, kClockTimes = 2,
              kClockStates = 6, kHistoryKinds = 19;

}  // namespace

std::string EncodeTicket(const StoredTicket& t) {
  Writer w;
  const TicketRecord& r = t.record;
  w.U(kFormat);
  w.U(r.number.sequence());
  const int64_t base = ToUnixMillis(r.reported_at);
  w.I(base);
  w.set_base(base);
  const NewTicket& n = r.report;
  w.U(static_cast<uint64_t>(n.kind));
  w.U(static_cast<uint64_t>(n.channel));
  w.S(n.customer_id);
  w.S(n.contact_name);
  w.S(n.contact_phone);
  w.S(n.site_id);
  w.U(static_cast<uint64_t>(n.zone));
  w.S(n.asset_id);
  PutOpt(w, n.asset_category);
  w.S(n.symptoms);
  w.OptT(n.started_at);
  w.S(n.fault_type);
  w.S(n.location);
  w.S(n.impact);
  PutOpt(w, n.severity);
  w.S(n.customer_actions);
  w.U(static_cast<uint64_t>(r.severity));
  w.U(static_cast<uint64_t>(r.status));
  w.B(r.paused);
  PutOpt(w, r.pause_reason);
  w.S(r.pause_note);
  PutOpt(w, r.resolution);
  w.S(r.resolution_summary);
  w.S(r.close_reason);
  w.U(static_cast<uint64_t>(r.reopen_count));
  w.U(r.clocks.size());
  for (const DeadlineClock& c : r.clocks) {
    w.U(static_cast<uint64_t>(c.kind));
    w.U(static_cast<uint64_t>(c.time));
    w.D(c.budget);
    w.T(c.start);
    w.T(c.due);
    w.T(c.warn_at);
    w.U(static_cast<uint64_t>(c.state));
    w.B(c.warned);
    w.OptT(c.met_at);
    w.OptT(c.paused_at);
    w.D(c.paused_total);
  }
  w.U(r.history.size());
  for (const HistoryEntry& h : r.history) {
    w.T(h.time);
    w.U(static_cast<uint64_t>(h.kind));
    w.S(h.actor);
    w.S(h.detail);
  }
  w.S(t.branch);
  w.B(t.warranty.covered);
  w.U(static_cast<uint64_t>(t.warranty.basis));
  w.S(t.warranty.until);
  w.U(static_cast<uint64_t>(t.warranty.exclusion));
  w.S(t.warranty.exclusion_note);
  w.S(t.work_order_id);
  w.S(t.article_id);
  w.S(t.diagnosis);
  w.S(t.required_skill);
  w.U(static_cast<uint64_t>(t.onsite_visits));
  return w.take();
}

Result<StoredTicket> DecodeTicket(std::string_view bytes) {
  Reader rd(bytes);
  StoredTicket t;
  TicketRecord& r = t.record;
  if (rd.U() != kFormat) {
    return Status(Code::kDataLoss, "CORRUPT_TICKET", "unknown ticket encoding");
  }
  r.number = FaultNumber::FromSequence(rd.U());
  const int64_t base = rd.I();
  rd.set_base(base);
  r.reported_at = FromUnixMillis(base);
  NewTicket& n = r.report;
  n.kind = static_cast<TicketKind>(rd.Small(kKinds));
  n.channel = static_cast<Channel>(rd.Small(kChannels));
  n.customer_id = rd.S();
  n.contact_name = rd.S();
  n.contact_phone = rd.S();
  n.site_id = rd.S();
  n.zone = static_cast<Zone>(rd.Small(kZones));
  n.asset_id = rd.S();
  n.asset_category = GetOpt<AssetCategory>(rd, kCategories);
  n.symptoms = rd.S();
  n.started_at = rd.OptT();
  n.fault_type = rd.S();
  n.location = rd.S();
  n.impact = rd.S();
  n.severity = GetOpt<Severity>(rd, kSeverities);
  n.customer_actions = rd.S();
  r.severity = static_cast<Severity>(rd.Small(kSeverities));
  r.status = static_cast<TicketStatus>(rd.Small(kStatuses));
  r.paused = rd.B();
  r.pause_reason = GetOpt<PauseReason>(rd, kPauseReasons);
  r.pause_note = rd.S();
  r.resolution = GetOpt<ResolutionMethod>(rd, kMethods);
  r.resolution_summary = rd.S();
  r.close_reason = rd.S();
  r.reopen_count = static_cast<int>(rd.U());
  const uint64_t clocks = rd.U();
  for (uint64_t i = 0; i < clocks && rd.good(); ++i) {
    DeadlineClock c;
    c.kind = static_cast<ClockKind>(rd.Small(kClockKinds));
    c.time = static_cast<ClockTime>(rd.Small(kClockTimes));
    c.budget = rd.D();
    c.start = rd.T();
    c.due = rd.T();
    c.warn_at = rd.T();
    c.state = static_cast<ClockState>(rd.Small(kClockStates));
    c.warned = rd.B();
    c.met_at = rd.OptT();
    c.paused_at = rd.OptT();
    c.paused_total = rd.D();
    r.clocks.push_back(std::move(c));
  }
  const uint64_t entries = rd.U();
  for (uint64_t i = 0; i < entries && rd.good(); ++i) {
    HistoryEntry h;
    h.time = rd.T();
    h.kind = static_cast<HistoryKind>(rd.Small(kHistoryKinds));
    h.actor = rd.S();
    h.detail = rd.S();
    r.history.push_back(std::move(h));
  }
  t.branch = rd.S();
  t.warranty.covered = rd.B();
  t.warranty.basis = static_cast<int>(rd.U());
  t.warranty.until = rd.S();
  t.warranty.exclusion = static_cast<int>(rd.U());
  t.warranty.exclusion_note = rd.S();
  t.work_order_id = rd.S();
  t.article_id = rd.S();
  t.diagnosis = rd.S();
  t.required_skill = rd.S();
  t.onsite_visits = static_cast<int>(rd.U());
  if (!rd.ok()) return Status(Code::kDataLoss, "CORRUPT_TICKET", "ticket bytes are corrupt");
  return t;
}

}  // namespace aftersales::intake

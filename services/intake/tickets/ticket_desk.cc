#include "services/intake/tickets/ticket_desk.h"

#include <google/protobuf/util/time_util.h>

#include "aftersales/events/v1/intake_events.pb.h"
#include "services/common/runtime/uuid.h"
#include "services/intake/storage/keys.h"

namespace aftersales::intake {
namespace {

namespace ev = ::aftersales::events::v1;
using Events = std::vector<streams::EventToPublish>;
using StepResult = Result<std::optional<Events>>;

google::protobuf::Timestamp Ts(TimePoint t) {
  return google::protobuf::util::TimeUtil::MillisecondsToTimestamp(ToUnixMillis(t));
}

template <typename M>
streams::EventToPublish MakeEvent(const M& message, const FaultNumber& number, TimePoint at) {
  streams::EventToPublish e;
  e.event_id = NewUuid();
  e.type = M::descriptor()->full_name();
  e.aggregate_id = number.ToString();
  e.time_ms = ToUnixMillis(at);
  e.payload = message.SerializeAsString();
  return e;
}

pb::Warranty WarrantyToProto(const TicketWarranty& w) {
  pb::Warranty out;
  out.set_covered(w.covered);
  out.set_basis(static_cast<pb::WarrantyBasis>(w.basis));
  out.set_until(w.until);
  out.set_exclusion(static_cast<pb::WarrantyExclusion>(w.exclusion));
  out.set_exclusion_note(w.exclusion_note);
  return out;
}

Status TicketNotFound(const FaultNumber& number) {
  return NotFound("TICKET_NOT_FOUND", "ticket " + number.ToDisplayString() + " does not exist");
}

template <typename P>
std::optional<P> ParseRecord(const std::optional<std::string>& blob) {
  if (!blob) return std::nullopt;
  P p;
  if (!p.ParseFromString(*blob)) return std::nullopt;
  return p;
}

// The latest clock of a kind that a step may still meet or mark.
std::vector<ClockKind> ActiveClockKinds(const TicketRecord& r) {
  std::vector<ClockKind> kinds;
  for (const DeadlineClock& c : r.clocks) {
    if (c.active() && std::find(kinds.begin(), kinds.end(), c.kind) == kinds.end()) {
      kinds.push_back(c.kind);
    }
  }
  return kinds;
}

}  // namespace

std::string Caller::actor() const {
  if (role.empty()) return "system";
  return role + ":" + (subject.empty() ? std::string("unknown") : subject);
}

TicketDesk::TicketDesk(IntakeStore& store, const Clock& clock, TicketDeskOptions options)
    : store_(store), clock_(clock), options_(options) {}

Result<std::vector<v1::Contract>> TicketDesk::ContractsFor(const std::string& customer_id,
                                                           const std::string& site_id,
                                                           TimePoint at) {
  std::vector<v1::Contract> out;
  if (customer_id.empty()) return out;
  Result<std::vector<std::string>> blobs = store_.CustomerContracts(customer_id, at);
  if (!blobs.ok()) return blobs.status();
  for (const std::string& blob : *blobs) {
    v1::Contract c;
    if (!c.ParseFromString(blob)) continue;
    if (!c.site_id().empty() && c.site_id() != site_id) continue;
    out.push_back(std::move(c));
  }
  return out;
}

Result<TicketRules> TicketDesk::RulesFor(const NewTicket& report,
                                         const std::vector<v1::Contract>& contracts,
                                         TimePoint at) const {
  // Built from the desk's calendar at once (not a default one overwritten):
  // every report and step comes through here.
  TicketRules rules{DeadlinePolicy::Default(), options_.calendar};
  // Severity as Report will derive it; an invalid report fails there.
  std::optional<Severity> severity = report.severity;
  if (!severity && !report.impact.empty()) {
    if (Result<Severity> s = DeriveSeverity(std::nullopt, report.impact); s.ok()) severity = *s;
  }
  const Date today = Date::FromTimePoint(at, options_.utc_offset);
  ContractDeadlines caps;
  bool any = false;
  for (const v1::Contract& c : contracts) {
    Result<Date> start = Date::Parse(c.starts_on());
    Result<Date> end = Date::Parse(c.ends_on());
    if (!start.ok() || !end.ok() || today < *start || *end < today) continue;
    for (const v1::ClockLimit& l : c.clock_limits()) {
      if (l.severity() != pb::SEVERITY_UNSPECIFIED && FromProto(l.severity()) != severity) continue;
      if (l.zone() != pb::ZONE_UNSPECIFIED && FromProto(l.zone()) != report.zone) continue;
      const Duration limit = std::chrono::seconds(l.limit().seconds());
      if (limit <= Duration::zero()) continue;
      std::optional<Duration>* cap = nullptr;
      switch (l.clock()) {
        case pb::FIRST_RESPONSE:
          cap = &caps.first_response;
          break;
        case pb::HANDLING:
          cap = &caps.handling;
          break;
        case pb::REMOTE_SESSION:
          cap = &caps.remote_session;
          break;
        case pb::ONSITE_ARRIVAL:
          cap = &caps.onsite_arrival;
          break;
        case pb::REPAIR:
          cap = &caps.repair;
          break;
        case pb::HANDLING_PLAN:
          cap = &caps.handling_plan;
          break;
        default:
          break;
      }
      if (cap == nullptr) continue;
      if (!*cap || limit < **cap) *cap = limit;
      any = true;
    }
  }
  if (any) {
    Result<DeadlinePolicy> tightened = rules.deadlines.TightenedBy(caps);
    if (!tightened.ok()) return tightened.status();
    rules.deadlines = std::move(tightened).value();
  }
  return rules;
}

Result<StoredTicket> TicketDesk::Get(const FaultNumber& number, const Caller& caller) {
  Result<std::optional<VersionedTicket>> loaded = store_.LoadTicket(number.ToString());
  if (!loaded.ok()) return loaded.status();
  if (!loaded->has_value() || !caller.CanSee((*loaded)->ticket.record.report.customer_id)) {
    return TicketNotFound(number);
  }
  return std::move((*loaded)->ticket);
}

Result<TicketDesk::PreparedReport> TicketDesk::PrepareReport(NewTicket report, const Caller& caller,
                                                             const std::string& request_id) {
  const TimePoint now = clock_.Now();
  // One round trip for everything the report refers to.
  Result<IntakeStore::ReportLookup> found =
      store_.LookupReport(request_id, report.customer_id, report.site_id, report.asset_id);
  if (!found.ok()) return found.status();
  if (found->request) {
    if (found->request->rfind("ticket:", 0) != 0) {
      return FailedPrecondition("REQUEST_ID_REUSED", "request id was used for another request");
    }
    Result<FaultNumber> n = FaultNumber::Parse(found->request->substr(7));
    if (!n.ok()) return n.status();
    Result<StoredTicket> first = Get(*n, caller);
    if (!first.ok()) return first.status();
    PreparedReport replay;
    replay.replay = std::move(first).value();
    return replay;
  }

  // Everything the report refers to must exist; collected with the domain's
  // own checks into one answer.
  Validator v;
  std::optional<v1::Site> site;
  std::optional<v1::Asset> asset;
  if (!report.customer_id.empty()) {
    v.Check(found->customer.has_value(), "customer_id", "no such customer");
  }
  if (!report.site_id.empty()) {
    site = ParseRecord<v1::Site>(found->site);
    v.Check(site.has_value(), "site_id", "no such site");
    if (site) {
      v.Check(site->customer_id() == report.customer_id, "site_id",
              "the site belongs to another customer");
      report.zone = FromProto(site->zone()).value_or(Zone::kCity);
    }
  }
  if (!report.asset_id.empty()) {
    asset = ParseRecord<v1::Asset>(found->asset);
    v.Check(asset.has_value(), "asset_id", "no such asset");
    if (asset) {
      v.Check(asset->customer_id() == report.customer_id, "asset_id",
              "the asset belongs to another customer");
      report.asset_category = FromProto(asset->category());
      if (report.site_id.empty()) {
        // The asset says where it is: its site decides the zone.
        report.site_id = asset->site_id();
        Result<std::optional<std::string>> s = store_.Get(keys::Site(report.site_id));
        if (!s.ok()) return s.status();
        site = ParseRecord<v1::Site>(*s);
        if (site) report.zone = FromProto(site->zone()).value_or(Zone::kCity);
      }
    }
  }
  if (Status s = ValidateNewTicket(report, now); !s.ok()) {
    for (const FieldViolation& fv : s.field_violations()) v.Check(false, fv.field, fv.description);
  }
  if (!v.ok()) return v.ToStatus("INVALID_TICKET");

  Result<std::vector<v1::Contract>> contracts =
      ContractsFor(report.customer_id, report.site_id, now);
  if (!contracts.ok()) return contracts.status();
  Result<TicketRules> rules = RulesFor(report, *contracts, now);
  if (!rules.ok()) return rules.status();

  StoredTicket stored;
  stored.branch = site ? site->branch() : std::string();
  stored.warranty.basis = pb::NONE;
  if (asset) {
    WarrantyFacts facts;
    facts.asset.category = report.asset_category.value_or(AssetCategory::kMainframe);
    if (Result<Date> d = Date::Parse(asset->accepted_on()); d.ok())
      facts.asset.acceptance_date = *d;
    facts.asset.vendor_months = asset->warranty_months();
    facts.asset.manufacturer_months = asset->manufacturer_warranty_months();
    for (const v1::Contract& c : *contracts) {
      Result<Date> start = Date::Parse(c.starts_on());
      Result<Date> end = Date::Parse(c.ends_on());
      if (start.ok() && end.ok()) facts.contracts.push_back({c.id(), *start, *end});
    }
    if (Result<WarrantyDecision> d = DecideWarranty(facts, now, options_.utc_offset); d.ok()) {
      stored.warranty.covered = d->covered;
      stored.warranty.basis = ToProto(d->basis);
      stored.warranty.until = d->until ? d->until->ToString() : std::string();
      if (d->exclusion) {
        stored.warranty.exclusion = ToProto(*d->exclusion);
        stored.warranty.exclusion_note = d->exclusion_reason.empty()
                                             ? std::string(ExclusionName(*d->exclusion))
                                             : d->exclusion_reason;
      }
    }
  }

  Result<uint64_t> seq = store_.NextTicketSequence();
  if (!seq.ok()) return seq.status();
  Result<Ticket> ticket = Ticket::Report(FaultNumber::FromSequence(*seq), std::move(report),
                                         caller.actor(), now, std::move(rules).value());
  if (!ticket.ok()) return ticket.status();
  stored.record = ticket->record();
  const TicketRecord& r = stored.record;

  ev::TicketReported e;
  e.set_ticket_number(r.number.ToString());
  e.set_kind(ToProto(r.report.kind));
  e.set_severity(ToProto(r.severity));
  e.set_customer_id(r.report.customer_id);
  e.set_site_id(r.report.site_id);
  e.set_branch(stored.branch);
  e.set_zone(ToProto(r.report.zone));
  e.set_asset_serial(r.report.asset_id);
  if (asset) {
    e.set_asset_model(asset->model());
    e.set_asset_category(asset->category());
  }
  *e.mutable_warranty() = WarrantyToProto(stored.warranty);
  e.set_channel(std::string(ChannelName(r.report.channel)));
  *e.mutable_report_time() = Ts(now);

  PreparedReport prepared;
  prepared.event = MakeEvent(e, r.number, now);
  prepared.stored = std::move(stored);
  return prepared;
}

Result<StoredTicket> TicketDesk::Create(NewTicket report, const Caller& caller,
                                        const std::string& request_id) {
  Result<PreparedReport> p = PrepareReport(std::move(report), caller, request_id);
  if (!p.ok()) return p.status();
  if (p->replay) return std::move(*p->replay);
  TicketWrite write;
  write.ticket = &p->stored;
  write.request_id = request_id;
  write.events.push_back(std::move(p->event));
  Result<TicketWriteResult> written = store_.WriteTicket(write);
  if (!written.ok()) return written.status();
  return Created(std::move(p->stored), *written, caller);
}

Result<StoredTicket> TicketDesk::Created(StoredTicket stored, const TicketWriteResult& written,
                                         const Caller& caller) {
  if (written.outcome == TicketWriteResult::Outcome::kReplayed) {
    // The same request id won a race with this one: answer with its ticket.
    Result<FaultNumber> n = FaultNumber::Parse(written.replayed.substr(7));
    if (!n.ok()) return n.status();
    return Get(*n, caller);
  }
  return stored;
}

void TicketDesk::CreateAsync(NewTicket report, const Caller& caller, const std::string& request_id,
                             BatchTicketWriter& writer,
                             std::function<void(Result<StoredTicket>)> done) {
  Result<PreparedReport> p = PrepareReport(std::move(report), caller, request_id);
  if (!p.ok()) return done(p.status());
  if (p->replay) return done(std::move(*p->replay));
  auto stored = std::make_shared<StoredTicket>(std::move(p->stored));
  TicketWrite write;
  write.request_id = request_id;
  write.events.push_back(std::move(p->event));
  writer.Submit(stored, std::move(write),
                [this, stored, caller, done = std::move(done)](Result<TicketWriteResult> written) {
                  if (!written.ok()) return done(written.status());
                  // The write is over: nothing reads the queued ticket any more.
                  done(Created(std::move(*stored), *written, caller));
                });
}

Result<StoredTicket> TicketDesk::Apply(const FaultNumber& number, const Caller& caller,
                                       const std::string& request_id, const Handled& handled,
                                       const Step& step) {
  const std::string expected_request = "ticket:" + number.ToString();
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    if (Result<std::optional<std::string>> prev = store_.RequestResult(request_id); !prev.ok()) {
      return prev.status();
    } else if (prev->has_value()) {
      if (**prev != expected_request) {
        return FailedPrecondition("REQUEST_ID_REUSED", "request id was used for another ticket");
      }
      return Get(number, caller);
    }
    Result<std::optional<VersionedTicket>> loaded = store_.LoadTicket(number.ToString());
    if (!loaded.ok()) return loaded.status();
    if (!loaded->has_value() || !caller.CanSee((*loaded)->ticket.record.report.customer_id)) {
      return TicketNotFound(number);
    }
    VersionedTicket& current = **loaded;
    StoredTicket next = current.ticket;
    TimePoint at = clock_.Now();
    // Replicas' clocks differ a little; history stays in order regardless.
    if (!next.record.history.empty()) at = std::max(at, next.record.history.back().time);
    // Steps that start clocks (remote session, repair) follow the contract too.
    Result<std::vector<v1::Contract>> contracts =
        ContractsFor(next.record.report.customer_id, next.record.report.site_id, at);
    if (!contracts.ok()) return contracts.status();
    Result<TicketRules> rules = RulesFor(next.record.report, *contracts, at);
    if (!rules.ok()) return rules.status();
    Ticket ticket = Ticket::Restore(next.record, std::move(rules).value());
    StepResult events = step(ticket, next, at);
    if (!events.ok()) return events.status();
    if (!events->has_value()) return std::move(current.ticket);
    next.record = ticket.record();

    TicketWrite write;
    write.ticket = &next;
    write.expected_version = current.version;
    write.previous_status = std::string(TicketStatusName(current.ticket.record.status));
    write.previous_severity = std::string(SeverityName(current.ticket.record.severity));
    write.request_id = request_id;
    write.handled = handled;
    write.events = std::move(**events);
    Result<TicketWriteResult> written = store_.WriteTicket(write);
    if (!written.ok()) {
      if (written.status().code() == Code::kAborted) continue;  // changed meanwhile: again
      return written.status();
    }
    switch (written->outcome) {
      case TicketWriteResult::Outcome::kWritten:
        return next;
      case TicketWriteResult::Outcome::kReplayed:
        return Get(number, caller);
      case TicketWriteResult::Outcome::kAlreadyHandled:
        return std::move(current.ticket);
    }
  }
  return Aborted("TICKET_BUSY", "ticket " + number.ToDisplayString() + " kept changing; try again");
}

Status TicketDesk::ApplyEffect(const FaultNumber& number, const Handled& handled,
                               const Step& step) {
  Result<StoredTicket> r = Apply(number, Caller{}, "", handled, step);
  if (r.ok()) return Status::Ok();
  // Old news for this ticket (its state moved on, or it is not ours): the
  // event is handled by doing nothing.
  if (r.status().code() == Code::kFailedPrecondition || r.status().code() == Code::kNotFound) {
    return Status::Ok();
  }
  return r.status();
}

Result<StoredTicket> TicketDesk::Respond(const FaultNumber& n, const Caller& c,
                                         const std::string& rid, const std::string& note) {
  const std::string actor = c.actor();
  return Apply(n, c, rid, std::nullopt,
               [&](Ticket& t, StoredTicket& s, TimePoint at) -> StepResult {
                 if (Status st = t.Respond(actor, at, note); !st.ok()) return st;
                 ev::TicketResponded e;
                 e.set_ticket_number(n.ToString());
                 e.set_customer_id(s.record.report.customer_id);
                 e.set_severity(ToProto(s.record.severity));
                 e.set_branch(s.branch);
                 *e.mutable_report_time() = Ts(s.record.reported_at);
                 *e.mutable_respond_time() = Ts(at);
                 e.set_actor(actor);
                 return std::optional<Events>(Events{MakeEvent(e, n, at)});
               });
}

Result<StoredTicket> TicketDesk::ResolveByPhone(const FaultNumber& n, const Caller& c,
                                                const std::string& rid, const std::string& solution,
                                                const std::string& article_id) {
  const std::string actor = c.actor();
  return Apply(
      n, c, rid, std::nullopt, [&](Ticket& t, StoredTicket& s, TimePoint at) -> StepResult {
        if (Status st = t.Resolve(actor, at, ResolutionMethod::kPhone, solution); !st.ok()) {
          return st;
        }
        s.article_id = article_id;
        ev::TicketResolvedByPhone e;
        e.set_ticket_number(n.ToString());
        e.set_customer_id(s.record.report.customer_id);
        e.set_asset_serial(s.record.report.asset_id);
        e.set_branch(s.branch);
        e.set_solution(solution);
        e.set_article_id(article_id);
        *e.mutable_resolve_time() = Ts(at);
        *e.mutable_reconfirm_due_time() = Ts(at + std::chrono::hours(24));
        return std::optional<Events>(Events{MakeEvent(e, n, at)});
      });
}

Result<StoredTicket> TicketDesk::StartRemoteSession(const FaultNumber& n, const Caller& c,
                                                    const std::string& rid,
                                                    const std::string& consent_by) {
  const std::string actor = c.actor();
  return Apply(
      n, c, rid, std::nullopt, [&](Ticket& t, StoredTicket& s, TimePoint at) -> StepResult {
        // The REMOTE_SESSION clock starts when phone guidance fails;
        // an agent who opens the session straight away does both.
        const DeadlineClock* clock = t.clock(ClockKind::kRemoteSession);
        if (clock == nullptr || !clock->active()) {
          if (Status st = t.RequestRemoteSession(actor, at, "phone guidance failed"); !st.ok()) {
            return st;
          }
        }
        const std::string note = consent_by.empty() ? std::string() : "consent by " + consent_by;
        if (Status st = t.OpenRemoteSession(actor, at, note); !st.ok()) return st;
        ev::TicketRemoteSessionStarted e;
        e.set_ticket_number(n.ToString());
        e.set_customer_id(s.record.report.customer_id);
        e.set_consent_by(consent_by);
        *e.mutable_start_time() = Ts(at);
        return std::optional<Events>(Events{MakeEvent(e, n, at)});
      });
}

Result<StoredTicket> TicketDesk::RequestOnsite(const FaultNumber& n, const Caller& c,
                                               const std::string& rid, const std::string& note,
                                               const std::string& required_skill) {
  const std::string actor = c.actor();
  // What dispatch needs about the site and asset, read before the step.
  Result<std::optional<VersionedTicket>> loaded = store_.LoadTicket(n.ToString());
  if (!loaded.ok()) return loaded.status();
  std::optional<v1::Site> site;
  std::optional<v1::Asset> asset;
  if (loaded->has_value()) {
    const NewTicket& report = (*loaded)->ticket.record.report;
    if (!report.site_id.empty()) {
      Result<std::optional<std::string>> b = store_.Get(keys::Site(report.site_id));
      if (!b.ok()) return b.status();
      site = ParseRecord<v1::Site>(*b);
    }
    if (!report.asset_id.empty()) {
      Result<std::optional<std::string>> b = store_.Get(keys::Asset(report.asset_id));
      if (!b.ok()) return b.status();
      asset = ParseRecord<v1::Asset>(*b);
    }
  }
  return Apply(n, c, rid, std::nullopt,
               [&](Ticket& t, StoredTicket& s, TimePoint at) -> StepResult {
                 if (Status st = t.RequestOnsite(actor, at, note); !st.ok()) return st;
                 s.required_skill = required_skill;
                 s.onsite_visits += 1;
                 const TicketRecord& r = t.record();
                 ev::TicketOnsiteRequested e;
                 e.set_ticket_number(n.ToString());
                 e.set_customer_id(r.report.customer_id);
                 e.set_site_id(r.report.site_id);
                 e.set_zone(ToProto(r.report.zone));
                 if (site) {
                   e.set_site_address(site->address());
                   e.mutable_site_position()->set_latitude(site->latitude());
                   e.mutable_site_position()->set_longitude(site->longitude());
                 }
                 e.set_branch(s.branch);
                 e.set_required_skill(required_skill);
                 e.set_severity(ToProto(r.severity));
                 e.set_asset_serial(r.report.asset_id);
                 if (asset) {
                   e.set_asset_model(asset->model());
                   e.set_asset_category(asset->category());
                 }
                 if (const DeadlineClock* onsite = t.clock(ClockKind::kOnsiteArrival)) {
                   *e.mutable_onsite_due() = Ts(onsite->due);
                 }
                 *e.mutable_warranty() = WarrantyToProto(s.warranty);
                 e.set_contact_name(r.report.contact_name);
                 e.set_contact_phone(r.report.contact_phone);
                 e.set_symptoms(r.report.symptoms);
                 e.set_note(note);
                 *e.mutable_report_time() = Ts(r.reported_at);
                 *e.mutable_request_time() = Ts(at);
                 e.set_visit(s.onsite_visits);
                 return std::optional<Events>(Events{MakeEvent(e, n, at)});
               });
}

Result<StoredTicket> TicketDesk::Pause(const FaultNumber& n, const Caller& c,
                                       const std::string& rid, const std::string& reason) {
  const std::string actor = c.actor();
  return Apply(
      n, c, rid, std::nullopt, [&](Ticket& t, StoredTicket& s, TimePoint at) -> StepResult {
        // The API takes the reason in words; waiting on the customer
        // is what a pause means there.
        if (Status st = t.Pause(actor, at, PauseReason::kCustomerUnreachable, reason); !st.ok()) {
          return st;
        }
        ev::TicketPaused e;
        e.set_ticket_number(n.ToString());
        e.set_customer_id(s.record.report.customer_id);
        e.set_reason(reason);
        *e.mutable_pause_time() = Ts(at);
        return std::optional<Events>(Events{MakeEvent(e, n, at)});
      });
}

Result<StoredTicket> TicketDesk::Resume(const FaultNumber& n, const Caller& c,
                                        const std::string& rid, const std::string& reason) {
  const std::string actor = c.actor();
  return Apply(n, c, rid, std::nullopt,
               [&](Ticket& t, StoredTicket& s, TimePoint at) -> StepResult {
                 if (Status st = t.Resume(actor, at, reason); !st.ok()) return st;
                 ev::TicketResumed e;
                 e.set_ticket_number(n.ToString());
                 e.set_customer_id(s.record.report.customer_id);
                 e.set_reason(reason);
                 *e.mutable_resume_time() = Ts(at);
                 return std::optional<Events>(Events{MakeEvent(e, n, at)});
               });
}

Result<StoredTicket> TicketDesk::Close(const FaultNumber& n, const Caller& c,
                                       const std::string& rid, const std::string& reason) {
  const std::string actor = c.actor();
  return Apply(n, c, rid, std::nullopt,
               [&](Ticket& t, StoredTicket& s, TimePoint at) -> StepResult {
                 if (Status st = t.Close(actor, at, reason); !st.ok()) return st;
                 ev::TicketClosed e;
                 e.set_ticket_number(n.ToString());
                 e.set_customer_id(s.record.report.customer_id);
                 e.set_reason(reason);
                 e.set_work_order_id(s.work_order_id);
                 *e.mutable_close_time() = Ts(at);
                 return std::optional<Events>(Events{MakeEvent(e, n, at)});
               });
}

Result<StoredTicket> TicketDesk::Reopen(const FaultNumber& n, const Caller& c,
                                        const std::string& rid, const std::string& reason) {
  const std::string actor = c.actor();
  // An agent reopening it is talking to the customer right now.
  const bool agent_on_call = c.role == "agent";
  return Apply(n, c, rid, std::nullopt,
               [&](Ticket& t, StoredTicket& s, TimePoint at) -> StepResult {
                 if (Status st = t.Reopen(actor, at, reason, agent_on_call); !st.ok()) return st;
                 ev::TicketReopened e;
                 e.set_ticket_number(n.ToString());
                 e.set_customer_id(s.record.report.customer_id);
                 e.set_reason(reason);
                 e.set_reopen_count(t.record().reopen_count);
                 *e.mutable_reopen_time() = Ts(at);
                 return std::optional<Events>(Events{MakeEvent(e, n, at)});
               });
}

Result<StoredTicket> TicketDesk::RecordDiagnosis(const FaultNumber& n, const Caller& c,
                                                 const std::string& rid,
                                                 const std::string& diagnosis,
                                                 std::optional<Exclusion> exclusion,
                                                 const std::string& exclusion_note) {
  const std::string actor = c.actor();
  return Apply(
      n, c, rid, std::nullopt, [&](Ticket& t, StoredTicket& s, TimePoint at) -> StepResult {
        if (t.status() == TicketStatus::kClosed) {
          return FailedPrecondition(
              "TICKET_STATE_FORBIDS_STEP",
              "ticket " + n.ToString() + " is CLOSED; cannot record a diagnosis");
        }
        std::string detail = diagnosis;
        if (exclusion) {
          detail +=
              " (excluded: " + std::string(ExclusionName(*exclusion)) + ", " + exclusion_note + ")";
        }
        if (Status st = t.Annotate(HistoryKind::kDiagnosed, actor, at, detail); !st.ok()) {
          return st;
        }
        s.diagnosis = diagnosis;
        if (exclusion) {
          // Phone support stays free; on-site work and parts are paid.
          s.warranty.covered = false;
          s.warranty.exclusion = ToProto(*exclusion);
          s.warranty.exclusion_note = exclusion_note;
        }
        ev::TicketDiagnosed e;
        e.set_ticket_number(n.ToString());
        e.set_customer_id(s.record.report.customer_id);
        e.set_diagnosis(diagnosis);
        *e.mutable_warranty() = WarrantyToProto(s.warranty);
        *e.mutable_diagnose_time() = Ts(at);
        return std::optional<Events>(Events{MakeEvent(e, n, at)});
      });
}

namespace {
streams::EventToPublish Annotated(const FaultNumber& n, const StoredTicket& s, HistoryKind kind,
                                  const std::string& detail, TimePoint at) {
  ev::TicketAnnotated e;
  e.set_ticket_number(n.ToString());
  e.set_customer_id(s.record.report.customer_id);
  e.set_kind(std::string(HistoryKindName(kind)));
  e.set_detail(detail);
  *e.mutable_annotate_time() = Ts(at);
  return MakeEvent(e, n, at);
}
}  // namespace

Status TicketDesk::WorkOrderAssigned(const FaultNumber& n, const std::string& work_order_id,
                                     const std::string& engineer, const Handled& handled) {
  return ApplyEffect(n, handled, [&](Ticket& t, StoredTicket& s, TimePoint at) -> StepResult {
    const std::string detail = "work order " + work_order_id + " assigned to " + engineer;
    if (Status st = t.Annotate(HistoryKind::kWorkOrderNote, "system:dispatch", at, detail);
        !st.ok()) {
      return st;
    }
    s.work_order_id = work_order_id;
    return std::optional<Events>(Events{Annotated(n, s, HistoryKind::kWorkOrderNote, detail, at)});
  });
}

Status TicketDesk::EngineerArrived(const FaultNumber& n, const std::string& work_order_id,
                                   TimePoint arrive_time, const Handled& handled) {
  return ApplyEffect(n, handled, [&](Ticket& t, StoredTicket& s, TimePoint at) -> StepResult {
    // The arrival time decides ONSITE_ARRIVAL, not when we heard of it; it
    // cannot precede the ticket's last change though.
    const TimePoint when = std::max(arrive_time, t.record().history.back().time);
    if (Status st = t.EngineerArrived("system:dispatch", when); !st.ok()) return st;
    s.work_order_id = work_order_id;
    ev::TicketOnsiteStarted e;
    e.set_ticket_number(n.ToString());
    e.set_customer_id(s.record.report.customer_id);
    e.set_work_order_id(work_order_id);
    *e.mutable_arrive_time() = Ts(when);
    return std::optional<Events>(Events{MakeEvent(e, n, at)});
  });
}

Status TicketDesk::WorkDone(const FaultNumber& n, const std::string& work_order_id, bool fixed,
                            const std::string& summary, const Handled& handled) {
  return ApplyEffect(n, handled, [&](Ticket& t, StoredTicket& s, TimePoint at) -> StepResult {
    s.work_order_id = work_order_id;
    if (!fixed) {
      const std::string detail = "work order " + work_order_id + " done, not fixed yet: " + summary;
      if (Status st = t.Annotate(HistoryKind::kWorkOrderNote, "system:dispatch", at, detail);
          !st.ok()) {
        return st;
      }
      return std::optional<Events>(
          Events{Annotated(n, s, HistoryKind::kWorkOrderNote, detail, at)});
    }
    const std::string text = summary.empty() ? std::string("fixed on site") : summary;
    if (Status st = t.Resolve("system:dispatch", at, ResolutionMethod::kOnsite, text); !st.ok()) {
      return st;
    }
    ev::TicketResolved e;
    e.set_ticket_number(n.ToString());
    e.set_customer_id(s.record.report.customer_id);
    e.set_site_id(s.record.report.site_id);
    e.set_asset_serial(s.record.report.asset_id);
    e.set_branch(s.branch);
    e.set_work_order_id(work_order_id);
    *e.mutable_resolve_time() = Ts(at);
    return std::optional<Events>(Events{MakeEvent(e, n, at)});
  });
}

Status TicketDesk::SignedOff(const FaultNumber& n, const std::string& work_order_id,
                             const std::string& signed_by, const Handled& handled) {
  return ApplyEffect(n, handled, [&](Ticket& t, StoredTicket& s, TimePoint at) -> StepResult {
    const std::string reason = "work order " + work_order_id + " signed off by " + signed_by;
    if (Status st = t.Close("system:dispatch", at, reason); !st.ok()) return st;
    ev::TicketClosed e;
    e.set_ticket_number(n.ToString());
    e.set_customer_id(s.record.report.customer_id);
    e.set_reason(reason);
    e.set_work_order_id(work_order_id);
    *e.mutable_close_time() = Ts(at);
    return std::optional<Events>(Events{MakeEvent(e, n, at)});
  });
}

Status TicketDesk::ReconfirmFailed(const FaultNumber& n, const std::string& comment,
                                   const Handled& handled) {
  return ApplyEffect(n, handled, [&](Ticket& t, StoredTicket& s, TimePoint at) -> StepResult {
    const std::string reason = comment.empty() ? std::string("reconfirmation failed")
                                               : "reconfirmation failed: " + comment;
    if (Status st = t.Annotate(HistoryKind::kReconfirmFailed, "system:followup", at, comment);
        !st.ok()) {
      return st;
    }
    if (Status st = t.Reopen("system:followup", at, reason, false); !st.ok()) return st;
    ev::TicketReopened e;
    e.set_ticket_number(n.ToString());
    e.set_customer_id(s.record.report.customer_id);
    e.set_reason(reason);
    e.set_reopen_count(t.record().reopen_count);
    *e.mutable_reopen_time() = Ts(at);
    return std::optional<Events>(Events{MakeEvent(e, n, at)});
  });
}

Status TicketDesk::ComplaintOpened(const FaultNumber& n, const std::string& complaint_id,
                                   const std::string& text, const Handled& handled) {
  return ApplyEffect(n, handled, [&](Ticket& t, StoredTicket& s, TimePoint at) -> StepResult {
    const std::string detail = "complaint " + complaint_id + ": " + text;
    if (Status st = t.Annotate(HistoryKind::kComplaintOpened, "system:followup", at, detail);
        !st.ok()) {
      return st;
    }
    return std::optional<Events>(
        Events{Annotated(n, s, HistoryKind::kComplaintOpened, detail, at)});
  });
}

Result<int> TicketDesk::SweepClocks(int limit) {
  Result<std::vector<std::string>> due = store_.DueTickets(clock_.Now(), limit);
  if (!due.ok()) return due.status();
  int fired = 0;
  for (const std::string& number : *due) {
    Result<FaultNumber> n = FaultNumber::Parse(number);
    if (!n.ok()) continue;
    int fired_here = 0;
    Result<StoredTicket> r = Apply(*n, Caller{}, "", std::nullopt,
                                   [&](Ticket& t, StoredTicket& s, TimePoint at) -> StepResult {
                                     fired_here = 0;
                                     Events events;
                                     for (ClockKind kind : ActiveClockKinds(t.record())) {
                                       const DeadlineClock* c = t.clock(kind);
                                       if (c == nullptr) continue;
                                       const TimePoint due_at = c->due;
                                       if (c->Overdue(at)) {
                                         if (!t.BreachClock(kind, "system", at).ok()) continue;
                                         ev::ClockBreached e;
                                         e.set_ticket_number(number);
                                         e.set_clock(ToProto(kind));
                                         e.set_severity(ToProto(s.record.severity));
                                         e.set_customer_id(s.record.report.customer_id);
                                         e.set_branch(s.branch);
                                         *e.mutable_due() = Ts(due_at);
                                         *e.mutable_breach_time() = Ts(at);
                                         e.set_escalation_level(1);
                                         events.push_back(MakeEvent(e, *n, at));
                                       } else if (c->DueForWarning(at)) {
                                         if (!t.WarnClock(kind, "system", at).ok()) continue;
                                         ev::ClockWarning e;
                                         e.set_ticket_number(number);
                                         e.set_clock(ToProto(kind));
                                         e.set_severity(ToProto(s.record.severity));
                                         e.set_customer_id(s.record.report.customer_id);
                                         e.set_branch(s.branch);
                                         *e.mutable_due() = Ts(due_at);
                                         *e.mutable_warn_time() = Ts(at);
                                         events.push_back(MakeEvent(e, *n, at));
                                       }
                                     }
                                     fired_here = static_cast<int>(events.size());
                                     // Written even without events: the write moves the ticket's
                                     // place in the schedule, so a stale entry does not come back
                                     // every pass.
                                     return std::optional<Events>(std::move(events));
                                   });
    if (!r.ok()) return r.status();
    fired += fired_here;
  }
  return fired;
}

v1::HistoryEntry HistoryToProto(const HistoryEntry& h) {
  v1::HistoryEntry out;
  *out.mutable_time() = Ts(h.time);
  out.set_actor(h.actor);
  out.set_detail(h.detail);
  using K = v1::HistoryEntry;
  K::Kind kind = K::KIND_UNSPECIFIED;
  switch (h.kind) {
    case HistoryKind::kReported:
      kind = K::REPORTED;
      break;
    case HistoryKind::kResponded:
      kind = K::RESPONDED;
      break;
    case HistoryKind::kHandlingStarted:
      kind = K::HANDLING_STARTED;
      break;
    case HistoryKind::kRemoteSessionRequested:
      kind = K::REMOTE_SESSION_REQUESTED;
      break;
    case HistoryKind::kRemoteSessionOpened:
      kind = K::REMOTE_SESSION_STARTED;
      break;
    case HistoryKind::kOnsiteRequested:
      kind = K::ONSITE_REQUESTED;
      break;
    case HistoryKind::kEngineerArrived:
      kind = K::ENGINEER_ARRIVED;
      break;
    case HistoryKind::kHandlingPlanDelivered:
      kind = K::HANDLING_PLAN_DELIVERED;
      break;
    case HistoryKind::kResolved:
      kind = K::RESOLVED;
      break;
    case HistoryKind::kClosed:
      kind = K::CLOSED;
      break;
    case HistoryKind::kReopened:
      kind = K::REOPENED;
      break;
    case HistoryKind::kPaused:
      kind = K::PAUSED;
      break;
    case HistoryKind::kResumed:
      kind = K::RESUMED;
      break;
    case HistoryKind::kClockWarned:
      kind = K::CLOCK_WARNING;
      break;
    case HistoryKind::kClockBreached:
      kind = K::CLOCK_BREACHED;
      break;
    case HistoryKind::kWorkOrderNote:
      kind = K::WORK_ORDER_NOTE;
      break;
    case HistoryKind::kReconfirmFailed:
      kind = K::RECONFIRM_FAILED;
      break;
    case HistoryKind::kComplaintOpened:
      kind = K::COMPLAINT_OPENED;
      break;
    case HistoryKind::kDiagnosed:
      kind = K::DIAGNOSED;
      break;
  }
  out.set_kind(kind);
  return out;
}

v1::Ticket TicketToProto(const StoredTicket& s) {
  const TicketRecord& r = s.record;
  v1::Ticket t;
  t.set_number(r.number.ToString());
  t.set_kind(ToProto(r.report.kind));
  t.set_status(ToProto(r.status));
  t.set_severity(ToProto(r.severity));
  t.set_customer_id(r.report.customer_id);
  t.set_site_id(r.report.site_id);
  t.set_asset_serial(r.report.asset_id);
  t.set_channel(ToProto(r.report.channel));
  t.set_contact_name(r.report.contact_name);
  t.set_contact_phone(r.report.contact_phone);
  t.set_symptoms(r.report.symptoms);
  if (r.report.started_at) *t.mutable_started_at() = Ts(*r.report.started_at);
  if (Result<Impact> i = ParseImpact(r.report.impact); i.ok()) t.set_impact(ImpactToProto(*i));
  t.set_customer_measures(r.report.customer_actions);
  *t.mutable_warranty() = WarrantyToProto(s.warranty);
  for (const DeadlineClock& c : r.clocks) {
    pb::Deadline* d = t.add_deadlines();
    d->set_clock(ToProto(c.kind));
    *d->mutable_due() = Ts(c.due);
    d->set_state(ToProto(c.state));
    if (c.met_at) *d->mutable_met_at() = Ts(*c.met_at);
    *d->mutable_start_time() = Ts(c.start);
  }
  t.set_work_order_id(s.work_order_id);
  *t.mutable_create_time() = Ts(r.reported_at);
  *t.mutable_update_time() = Ts(r.history.empty() ? r.reported_at : r.history.back().time);
  t.set_paused(r.paused);
  t.set_diagnosis(s.diagnosis);
  t.set_solution(r.resolution_summary);
  t.set_article_id(s.article_id);
  t.set_reopen_count(r.reopen_count);
  return t;
}

}  // namespace aftersales::intake

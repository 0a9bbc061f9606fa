#include "services/inventory/storage/inventory_store.h"

#include <charconv>

#include "services/inventory/storage/keys.h"
#include "services/inventory/storage/scripts.h"

namespace aftersales::inventory {
namespace {

std::string Ms(TimePoint t) { return std::to_string(ToUnixMillis(t)); }

Record HashToRecord(redis::ReplyView v) {
  Record r;
  for (size_t i = 0; i + 1 < v.size(); i += 2) r[v[i].string()] = v[i + 1].string();
  return r;
}

Status Unexpected(const redis::Reply& reply) {
  return Internal("UNEXPECTED_REPLY", "inventory script answered " + reply.ToString());
}

}  // namespace

std::string Field(const Record& record, const std::string& name) {
  auto it = record.find(name);
  return it == record.end() ? std::string() : it->second;
}

int64_t IntField(const Record& record, const std::string& name) {
  const std::string v = Field(record, name);
  int64_t n = 0;
  std::from_chars(v.data(), v.data() + v.size(), n);
  return n;
}

Result<std::vector<Record>> InventoryStore::Run(const redis::Script& script,
                                                std::string_view operation,
                                                const std::string& request_id, int ids,
                                                std::vector<std::string> args) {
  std::vector<std::string> argv;
  argv.reserve(3 + ids + args.size());
  argv.push_back(Ms(clock_.Now()));
  argv.push_back(std::to_string(kRequestMemory.count()));
  argv.push_back(std::to_string(ids));
  for (int i = 0; i < ids; ++i) argv.push_back(ids_.NewId());
  for (std::string& a : args) argv.push_back(std::move(a));
  Result<redis::Reply> reply = pool_.Eval(script, {keys::Request(operation, request_id)}, argv);
  if (!reply.ok()) return reply.status();
  if (!reply->is_array() || reply->size() == 0 || (*reply)[0].str() != "ok") {
    return Unexpected(*reply);
  }
  std::vector<Record> records;
  size_t i = 1;
  while (i < reply->size()) {
    auto n = (*reply)[i].integer();
    if (!n || *n < 0 || i + 1 + static_cast<size_t>(*n) > reply->size()) return Unexpected(*reply);
    Record r;
    for (size_t j = 0; j + 1 < static_cast<size_t>(*n); j += 2) {
      r[(*reply)[i + 1 + j].string()] = (*reply)[i + 2 + j].string();
    }
    records.push_back(std::move(r));
    i += 1 + static_cast<size_t>(*n);
  }
  return records;
}

Result<Record> InventoryStore::RunOne(const redis::Script& script, std::string_view operation,
                                      const std::string& request_id, int ids,
                                      std::vector<std::string> args) {
  auto records = Run(script, operation, request_id, ids, std::move(args));
  if (!records.ok()) return records.status();
  if (records->empty()) return Internal("UNEXPECTED_REPLY", "the script returned no record");
  return std::move(records->front());
}

Result<std::vector<Record>> InventoryStore::HashesByIds(const std::vector<std::string>& keys) {
  std::vector<Record> out;
  if (keys.empty()) return out;
  std::vector<std::vector<std::string>> commands;
  for (const auto& k : keys) commands.push_back({"HGETALL", k});
  auto replies = pool_.Pipeline(commands);
  if (!replies.ok()) return replies.status();
  for (const auto& r : *replies) {
    if (r.size() > 0) out.push_back(HashToRecord(r.view()));
  }
  return out;
}

Result<Record> InventoryStore::CreatePart(const Part& p, const std::string& request_id) {
  return RunOne(scripts::CreatePart(), "part", request_id, 0,
                {p.sku, p.name, p.model, std::to_string(p.category), p.critical ? "1" : "0",
                 p.cost_price.currency_code, std::to_string(p.cost_price.minor_units),
                 p.sale_price.currency_code, std::to_string(p.sale_price.minor_units),
                 std::to_string(p.warranty_months), std::to_string(p.safety_stock)});
}

Result<Record> InventoryStore::GetPart(const std::string& sku) {
  auto reply = pool_.Command({"HGETALL", keys::Part(sku)});
  if (!reply.ok()) return reply.status();
  if (reply->size() == 0)
    return NotFound("SKU_NOT_FOUND", "sku " + sku + " is not in the catalogue");
  return HashToRecord(reply->view());
}

Result<Record> InventoryStore::CreateLocation(const Location& l, const std::string& request_id) {
  return RunOne(scripts::CreateLocation(), "location", request_id, 0,
                {l.id, l.name, LocationTypeName(l.type), l.branch, l.engineer_id});
}

Result<std::vector<Record>> InventoryStore::ListLocations() {
  auto ids = pool_.Command({"ZRANGE", keys::Locations(), "0", "-1"});
  if (!ids.ok()) return ids.status();
  std::vector<std::string> hash_keys;
  for (size_t i = 0; i < ids->size(); ++i) hash_keys.push_back(keys::Location((*ids)[i].str()));
  return HashesByIds(hash_keys);
}

Result<std::vector<std::string>> InventoryStore::SourceOrder(const std::string& engineer_id,
                                                             const std::string& branch,
                                                             const std::string& sku) {
  // One round trip: the part's critical flag and the four candidate sets.
  auto replies = pool_.Pipeline({{"HGET", keys::Part(sku), "critical"},
                                 {"SMEMBERS", keys::VansOfEngineer(engineer_id)},
                                 {"SMEMBERS", keys::BranchWarehouses(branch)},
                                 {"SMEMBERS", keys::LocationsOfType("DEPOT")},
                                 {"SMEMBERS", keys::LocationsOfType("BONDED")}});
  if (!replies.ok()) return replies.status();
  const auto& r = *replies;
  const bool critical = r[0].str() == "1";
  std::vector<Location> candidates;
  auto add = [&](const redis::Reply& set, LocationType type) {
    for (size_t i = 0; i < set.size(); ++i) {
      Location l;
      l.id = set[i].string();
      l.type = type;
      if (type == LocationType::kVan) l.engineer_id = engineer_id;
      if (type == LocationType::kBranch) l.branch = branch;
      candidates.push_back(std::move(l));
    }
  };
  if (!engineer_id.empty()) add(r[1], LocationType::kVan);
  if (!branch.empty()) add(r[2], LocationType::kBranch);
  add(r[3], LocationType::kDepot);
  add(r[4], LocationType::kBonded);
  return ReservationSourceOrder(engineer_id, branch, critical, std::move(candidates));
}

Result<Record> InventoryStore::SetReorderPoint(const std::string& sku, const std::string& location,
                                               int reorder_point, const std::string& request_id) {
  return RunOne(scripts::SetReorderPoint(), "reorder", request_id, 2,
                {sku, location, std::to_string(reorder_point)});
}

Result<Record> InventoryStore::Receive(const std::string& sku, const std::string& location,
                                       int quantity, const std::string& request_id) {
  return RunOne(scripts::Receive(), "receive", request_id, 3,
                {sku, location, std::to_string(quantity)});
}

Result<std::vector<Record>> InventoryStore::Transfer(const std::string& sku,
                                                     const std::string& from, const std::string& to,
                                                     int quantity, const std::string& request_id) {
  return Run(scripts::Transfer(), "transfer", request_id, 5,
             {sku, from, to, std::to_string(quantity)});
}

Result<Record> InventoryStore::Adjust(const std::string& sku, const std::string& location,
                                      int delta, const std::string& reason,
                                      const std::string& request_id) {
  return RunOne(scripts::Adjust(), "adjust", request_id, 3,
                {sku, location, std::to_string(delta), reason});
}

Result<std::vector<Record>> InventoryStore::ListLevels(const std::string& sku,
                                                       const std::string& location) {
  std::vector<std::string> cmd{"ZRANGEBYLEX", keys::Levels(), "-", "+"};
  if (!sku.empty()) {
    cmd[2] = "[" + keys::LevelMember(sku, "");
    cmd[3] = "(" + keys::LevelMember(sku, "\xff");
  }
  auto members = pool_.Command(cmd);
  if (!members.ok()) return members.status();
  std::vector<std::string> hash_keys;
  for (size_t i = 0; i < members->size(); ++i) {
    const std::string m = (*members)[i].string();
    const auto bar = m.find('|');
    if (bar == std::string::npos) continue;
    if (!location.empty() && m.substr(bar + 1) != location) continue;
    hash_keys.push_back(keys::Level(m.substr(0, bar), m.substr(bar + 1)));
  }
  return HashesByIds(hash_keys);
}

Result<Record> InventoryStore::GetLevel(const std::string& sku, const std::string& location) {
  auto reply = pool_.Command({"HGETALL", keys::Level(sku, location)});
  if (!reply.ok()) return reply.status();
  Record r = HashToRecord(reply->view());
  r["sku"] = sku;
  r["location"] = location;
  return r;
}

Result<std::vector<std::pair<std::string, std::string>>> InventoryStore::LevelKeys() {
  auto members = pool_.Command({"ZRANGE", keys::Levels(), "0", "-1"});
  if (!members.ok()) return members.status();
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < members->size(); ++i) {
    const std::string m = (*members)[i].string();
    const auto bar = m.find('|');
    if (bar != std::string::npos) out.emplace_back(m.substr(0, bar), m.substr(bar + 1));
  }
  return out;
}

Result<std::vector<LedgerEntry>> InventoryStore::ReadLedger(const std::string& sku,
                                                            const std::string& location) {
  auto reply = pool_.Command({"XRANGE", keys::Ledger(sku, location), "-", "+"});
  if (!reply.ok()) return reply.status();
  std::vector<LedgerEntry> entries;
  for (size_t i = 0; i < reply->size(); ++i) {
    Record f = HashToRecord((*reply)[i][1]);
    auto kind = ParseLedgerKind(Field(f, "kind"));
    if (!kind) return Internal("LEDGER_UNREADABLE", "unknown ledger kind " + Field(f, "kind"));
    entries.push_back(
        {*kind, IntField(f, "quantity"), IntField(f, "reserved"), Field(f, "reason")});
  }
  return entries;
}

Result<std::vector<Record>> InventoryStore::Reserve(const std::string& work_order_id,
                                                    const std::string& engineer_id,
                                                    const std::string& branch,
                                                    const std::vector<ReserveLine>& lines,
                                                    const std::string& request_id) {
  std::vector<std::string> args{work_order_id, std::to_string(lines.size())};
  for (const ReserveLine& line : lines) {
    auto order = SourceOrder(engineer_id, branch, line.sku);
    if (!order.ok()) return order.status();
    args.push_back(line.sku);
    args.push_back(std::to_string(line.quantity));
    args.push_back(std::to_string(order->size()));
    for (auto& id : *order) args.push_back(std::move(id));
  }
  // Per line: a reservation id and a possible replenishment request and its
  // event; plus the PartsReserved event.
  const int ids = 1 + 3 * static_cast<int>(lines.size());
  return Run(scripts::Reserve(), "reserve", request_id, ids, std::move(args));
}

Result<std::vector<Record>> InventoryStore::Release(const std::string& work_order_id,
                                                    const std::vector<ReserveLine>& lines,
                                                    const std::string& request_id) {
  std::vector<std::string> args{work_order_id, std::to_string(lines.size())};
  for (const ReserveLine& line : lines) {
    args.push_back(line.sku);
    args.push_back(std::to_string(line.quantity));
  }
  // A release can only fulfil (never raise) replenishment; one event.
  return Run(scripts::Release(), "release", request_id, 1, std::move(args));
}

Result<std::vector<Record>> InventoryStore::Issue(const std::string& work_order_id,
                                                  const std::vector<UsedPart>& parts,
                                                  bool release_rest,
                                                  const std::string& request_id) {
  std::vector<std::string> args{work_order_id, release_rest ? "1" : "0",
                                std::to_string(parts.size())};
  for (const UsedPart& p : parts) {
    args.insert(args.end(),
                {p.sku, std::to_string(p.quantity), p.location, p.serial_in, p.serial_out});
  }
  auto reservations = ReservationsOf(work_order_id);
  if (!reservations.ok()) return reservations.status();
  // Each issued step may raise a replenishment request (id + event).
  const int ids = 2 + 2 * static_cast<int>(parts.size() + reservations->size());
  return Run(scripts::Issue(), "issue", request_id, ids, std::move(args));
}

Result<std::vector<Record>> InventoryStore::ReservationsOf(const std::string& work_order_id) {
  auto ids = pool_.Command({"LRANGE", keys::WorkOrderReservations(work_order_id), "0", "-1"});
  if (!ids.ok()) return ids.status();
  std::vector<std::string> hash_keys;
  for (size_t i = 0; i < ids->size(); ++i) hash_keys.push_back(keys::Reservation((*ids)[i].str()));
  return HashesByIds(hash_keys);
}

Result<Record> InventoryStore::CreateAdvanceReplacement(const std::string& ticket_number,
                                                        const std::string& sku,
                                                        const std::string& ship_from,
                                                        TimePoint return_due,
                                                        const std::string& request_id) {
  const std::string id = ids_.NewId();
  return RunOne(scripts::CreateAdvance(), "advance", request_id, 3,
                {id, ticket_number, sku, ship_from, Ms(return_due)});
}

Result<Record> InventoryStore::ReceiveAdvanceReturn(const std::string& id,
                                                    const std::string& serial,
                                                    const std::string& request_id) {
  const std::string repair_id = ids_.NewId();
  return RunOne(scripts::ReceiveAdvanceReturn(), "advance-return", request_id, 1,
                {id, serial, repair_id, Ms(RepairDue(clock_.Now()))});
}

Result<std::vector<Record>> InventoryStore::ListAdvanceReplacements(bool overdue) {
  Result<redis::Reply> ids =
      overdue ? pool_.Command(
                    {"ZRANGEBYSCORE", keys::AdvanceOutstanding(), "-inf", "(" + Ms(clock_.Now())})
              : pool_.Command({"ZRANGE", keys::AdvanceReplacements(), "0", "-1"});
  if (!ids.ok()) return ids.status();
  std::vector<std::string> hash_keys;
  for (size_t i = 0; i < ids->size(); ++i) {
    hash_keys.push_back(keys::AdvanceReplacement((*ids)[i].str()));
  }
  return HashesByIds(hash_keys);
}

Result<std::vector<Record>> InventoryStore::ScanOverdueReturns(int limit) {
  auto due = pool_.Command({"ZRANGEBYSCORE", keys::AdvanceAwaitingReturn(), "-inf",
                            "(" + Ms(clock_.Now()), "LIMIT", "0", std::to_string(limit)});
  if (!due.ok()) return due.status();
  std::vector<Record> marked;
  for (size_t i = 0; i < due->size(); ++i) {
    const std::string id = (*due)[i].string();
    // The script itself decides (due time and status), so two scanners
    // running side by side publish each overdue return once.
    auto r = Run(scripts::MarkReturnOverdue(), "overdue", id, 1, {id});
    if (!r.ok()) return r.status();
    for (auto& rec : *r) marked.push_back(std::move(rec));
  }
  return marked;
}

Result<std::vector<Record>> InventoryStore::ScanOverdueRepairs(int limit) {
  auto due = pool_.Command({"ZRANGEBYSCORE", keys::RepairsAwaiting(), "-inf",
                            "(" + Ms(clock_.Now()), "LIMIT", "0", std::to_string(limit)});
  if (!due.ok()) return due.status();
  std::vector<Record> marked;
  for (size_t i = 0; i < due->size(); ++i) {
    const std::string id = (*due)[i].string();
    auto r = Run(scripts::MarkRepairOverdue(), "repair-overdue", id, 1, {id});
    if (!r.ok()) return r.status();
    for (auto& rec : *r) marked.push_back(std::move(rec));
  }
  return marked;
}

Result<Record> InventoryStore::CreateRepair(const std::string& sku, const std::string& serial,
                                            const std::string& location,
                                            const std::string& ticket_number,
                                            const std::string& request_id) {
  const std::string id = ids_.NewId();
  return RunOne(scripts::CreateRepair(), "repair", request_id, 0,
                {id, sku, serial, location, ticket_number, Ms(RepairDue(clock_.Now()))});
}

Result<Record> InventoryStore::GetRepair(const std::string& id) {
  auto reply = pool_.Command({"HGETALL", keys::Repair(id)});
  if (!reply.ok()) return reply.status();
  if (reply->size() == 0) return NotFound("REPAIR_NOT_FOUND", "repair " + id + " does not exist");
  return HashToRecord(reply->view());
}

Result<Record> InventoryStore::CompleteRepair(const std::string& id, RepairOutcome outcome,
                                              const std::string& request_id) {
  // The domain decides lateness and the warranty from the repair and its
  // part; the script re-checks that the repair is still open.
  auto repair = GetRepair(id);
  if (!repair.ok()) return repair.status();
  auto part = GetPart(Field(*repair, "sku"));
  if (!part.ok()) return part.status();
  const TimePoint now = clock_.Now();
  auto done = inventory::CompleteRepair(Field(*repair, "status") == "DONE", outcome,
                                        FromUnixMillis(IntField(*repair, "due_time")), now,
                                        static_cast<int>(IntField(*part, "warranty_months")));
  if (!done.ok()) return done.status();
  return RunOne(scripts::CompleteRepair(), "repair-complete", request_id, 3,
                {id, outcome == RepairOutcome::kRepaired ? "REPAIRED" : "SCRAPPED",
                 std::to_string(static_cast<int>(outcome)), done->late ? "1" : "0",
                 done->warranty_start ? Ms(*done->warranty_start) : "",
                 done->warranty_end ? Ms(*done->warranty_end) : ""});
}

Result<Record> InventoryStore::CreateLoaner(const std::string& ticket_number,
                                            const std::string& sku, const std::string& serial,
                                            const std::string& request_id) {
  const std::string id = ids_.NewId();
  return RunOne(scripts::CreateLoaner(), "loaner", request_id, 1, {id, ticket_number, sku, serial});
}

Result<Record> InventoryStore::ReturnLoaner(const std::string& id, const std::string& request_id) {
  return RunOne(scripts::ReturnLoaner(), "loaner-return", request_id, 1, {id});
}

Result<std::vector<Record>> InventoryStore::ListLoaners(bool outstanding) {
  auto ids =
      pool_.Command({"ZRANGE", outstanding ? keys::LoanersOut() : keys::Loaners(), "0", "-1"});
  if (!ids.ok()) return ids.status();
  std::vector<std::string> hash_keys;
  for (size_t i = 0; i < ids->size(); ++i) hash_keys.push_back(keys::Loaner((*ids)[i].str()));
  return HashesByIds(hash_keys);
}

Result<std::vector<Record>> InventoryStore::ListReplenishments() {
  auto ids = pool_.Command({"ZRANGE", keys::Replenishments(), "0", "-1"});
  if (!ids.ok()) return ids.status();
  std::vector<std::string> hash_keys;
  for (size_t i = 0; i < ids->size(); ++i) {
    hash_keys.push_back(keys::Replenishment((*ids)[i].str()));
  }
  return HashesByIds(hash_keys);
}

}  // namespace aftersales::inventory

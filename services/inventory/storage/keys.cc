#include "services/inventory/storage/keys.h"

namespace aftersales::inventory::keys {
namespace {

std::string Join(std::string_view a, std::string_view b = {}, std::string_view c = {}) {
  std::string out(kPrefix);
  out += a;
  out += b;
  out += c;
  return out;
}

}  // namespace

std::string Events() { return Join("events"); }
std::string Part(std::string_view sku) { return Join("part:", sku); }
std::string Location(std::string_view id) { return Join("location:", id); }
std::string Locations() { return Join("locations"); }
std::string VansOfEngineer(std::string_view id) { return Join("locations:van:", id); }
std::string BranchWarehouses(std::string_view branch) { return Join("locations:branch:", branch); }
std::string LocationsOfType(std::string_view type) { return Join("locations:type:", type); }
std::string LevelMember(std::string_view sku, std::string_view location) {
  std::string m(sku);
  m += '|';
  m += location;
  return m;
}
std::string Level(std::string_view sku, std::string_view location) {
  return Join("level:", LevelMember(sku, location));
}
std::string Ledger(std::string_view sku, std::string_view location) {
  return Join("ledger:", LevelMember(sku, location));
}
std::string Levels() { return Join("levels"); }
std::string Reservation(std::string_view id) { return Join("reservation:", id); }
std::string WorkOrderReservations(std::string_view id) {
  return Join("workorder:", id, ":reservations");
}
std::string Replenishment(std::string_view id) { return Join("replenishment:", id); }
std::string Replenishments() { return Join("replenishments"); }
std::string AdvanceReplacement(std::string_view id) { return Join("advance:", id); }
std::string AdvanceReplacements() { return Join("advances"); }
std::string AdvanceAwaitingReturn() { return Join("advances:awaiting"); }
std::string AdvanceOutstanding() { return Join("advances:outstanding"); }
std::string Repair(std::string_view id) { return Join("repair:", id); }
std::string RepairsOpen() { return Join("repairs:open"); }
std::string RepairsAwaiting() { return Join("repairs:awaiting"); }
std::string Loaner(std::string_view id) { return Join("loaner:", id); }
std::string LoanersOut() { return Join("loaners:out"); }
std::string Loaners() { return Join("loaners"); }
std::string Request(std::string_view operation, std::string_view request_id) {
  std::string op(operation);
  op += ':';
  return Join("request:", op, request_id);
}

std::string LuaKeyFunctions() {
  std::string p(kPrefix);
  std::string lua = "local P = '" + p + "'\n";
  lua += R"lua(local K_EVENTS = P .. 'events'
local K_LOCATIONS = P .. 'locations'
local K_LEVELS = P .. 'levels'
local K_REPLENISHMENTS = P .. 'replenishments'
local K_ADVANCES = P .. 'advances'
local K_AWAITING = P .. 'advances:awaiting'
local K_OUTSTANDING = P .. 'advances:outstanding'
local K_REPAIRS_OPEN = P .. 'repairs:open'
local K_REPAIRS_AWAITING = P .. 'repairs:awaiting'
local K_LOANERS_OUT = P .. 'loaners:out'
local K_LOANERS = P .. 'loaners'
local function k_part(sku) return P .. 'part:' .. sku end
local function k_location(id) return P .. 'location:' .. id end
local function k_vans_of(engineer) return P .. 'locations:van:' .. engineer end
local function k_branch_warehouses(branch) return P .. 'locations:branch:' .. branch end
local function k_locations_of_type(t) return P .. 'locations:type:' .. t end
local function k_level(sku, loc) return P .. 'level:' .. sku .. '|' .. loc end
local function k_ledger(sku, loc) return P .. 'ledger:' .. sku .. '|' .. loc end
local function k_reservation(id) return P .. 'reservation:' .. id end
local function k_workorder(id) return P .. 'workorder:' .. id .. ':reservations' end
local function k_replenishment(id) return P .. 'replenishment:' .. id end
local function k_replenishment_open(sku, loc) return P .. 'replenishment:open:' .. sku .. '|' .. loc end
local function k_advance(id) return P .. 'advance:' .. id end
local function k_repair(id) return P .. 'repair:' .. id end
local function k_loaner(id) return P .. 'loaner:' .. id end
local function k_loaner_serial(sku, serial) return P .. 'loaner:out:' .. sku .. '|' .. serial end
)lua";
  return lua;
}

}  // namespace aftersales::inventory::keys

// Every Redis key name of the inventory service, for C++ and for the Lua
// scripts (which get the same names through LuaKeyFunctions()). All share the
// hash tag {inventory}, so each script's keys live in one Redis Cluster slot.
#pragma once

#include <string>
#include <string_view>

namespace aftersales::inventory::keys {

inline constexpr std::string_view kPrefix = "{inventory}:";

std::string Events();
std::string Part(std::string_view sku);
std::string Location(std::string_view id);
std::string Locations();  // sorted set of ids
// Where ReserveParts looks, by what the caller knows (engineer, branch).
std::string VansOfEngineer(std::string_view engineer_id);
std::string BranchWarehouses(std::string_view branch);
std::string LocationsOfType(std::string_view type);  // DEPOT, BONDED
std::string Level(std::string_view sku, std::string_view location);
std::string Ledger(std::string_view sku, std::string_view location);  // stream
std::string Levels();  // sorted set of "sku|location"
std::string Reservation(std::string_view id);
std::string WorkOrderReservations(std::string_view work_order_id);
std::string Replenishment(std::string_view id);
std::string Replenishments();  // by raise time
std::string AdvanceReplacement(std::string_view id);
std::string AdvanceReplacements();    // by create time
std::string AdvanceAwaitingReturn();  // SHIPPED, by due time: what the overdue scan reads
std::string AdvanceOutstanding();     // SHIPPED or OVERDUE, by due time
std::string Repair(std::string_view id);
std::string RepairsOpen();      // IN_REPAIR, by due time
std::string RepairsAwaiting();  // IN_REPAIR and not yet found overdue, by due time
std::string Loaner(std::string_view id);
std::string LoanersOut();  // by lend time
std::string Loaners();     // all, by lend time
std::string Request(std::string_view operation, std::string_view request_id);
// "<sku>|<location>": '|' never occurs in ids (IsValidId).
std::string LevelMember(std::string_view sku, std::string_view location);

// Lua `local` definitions of the same names (k_part(sku), K_LEVELS, ...).
std::string LuaKeyFunctions();

}  // namespace aftersales::inventory::keys

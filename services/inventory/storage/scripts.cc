#include "services/inventory/storage/scripts.h"

#include <string>

#include "services/common/streams/outbox.h"
#include "services/inventory/storage/keys.h"

namespace aftersales::inventory::scripts {
namespace {

// Shared by every script: arguments, ids, errors, the request record,
// protobuf encoding of events, stock levels, the ledger and the reorder rule
// (the Lua twin of domain/stock.cc EvaluateReorder; the integration tests
// hold both to the same behaviour).
constexpr std::string_view kLibrary = R"lua(
local NOW = tonumber(ARGV[1])
local REQUEST_TTL = tonumber(ARGV[2])
local NIDS = tonumber(ARGV[3])
local next_id_index = 4
local function new_id()
  local v = ARGV[next_id_index]
  if next_id_index > 3 + NIDS then error({err = 'INTERNAL OUT_OF_IDS the script needs more ids'}) end
  next_id_index = next_id_index + 1
  return v
end
local ARG0 = 4 + NIDS
local function arg(i) return ARGV[ARG0 + i - 1] end
local function fail(code, reason, message) error({err = code .. ' ' .. reason .. ' ' .. message}) end

local function replay()
  if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('LRANGE', KEYS[1], 0, -1) end
  return nil
end
local function finish(out)
  redis.call('RPUSH', KEYS[1], unpack(out))
  redis.call('EXPIRE', KEYS[1], REQUEST_TTL)
  return out
end
local function add_hash(out, key, extra)
  local kv = redis.call('HGETALL', key)
  local n = #kv
  if extra then n = n + #extra end
  out[#out + 1] = tostring(n)
  for i = 1, #kv do out[#out + 1] = kv[i] end
  if extra then for i = 1, #extra do out[#out + 1] = extra[i] end end
end

-- Protobuf wire format, for the events built here (non-negative numbers only).
local function pb_varint(n)
  n = math.floor(n)
  local bytes = {}
  repeat
    local b = n % 128
    n = math.floor(n / 128)
    if n > 0 then b = b + 128 end
    bytes[#bytes + 1] = string.char(b)
  until n == 0
  return table.concat(bytes)
end
local function pb_bytes(f, s)
  if s == nil or s == '' then return '' end
  return pb_varint(f * 8 + 2) .. pb_varint(#s) .. s
end
local function pb_int(f, n)
  n = tonumber(n) or 0
  if n <= 0 then return '' end
  return pb_varint(f * 8) .. pb_varint(n)
end
local function pb_sint(f, n)
  n = tonumber(n) or 0
  if n == 0 then return '' end
  if n > 0 then n = 2 * n else n = -2 * n - 1 end
  return pb_varint(f * 8) .. pb_varint(n)
end
local function pb_bool(f, b)
  if b then return pb_varint(f * 8) .. string.char(1) end
  return ''
end
local function pb_time(f, ms)
  ms = tonumber(ms) or 0
  return pb_bytes(f, pb_int(1, math.floor(ms / 1000)) .. pb_int(2, (ms % 1000) * 1000000))
end
local function emit(type_name, aggregate, payload)
  aftersales_emit(K_EVENTS, new_id(), 'aftersales.events.v1.' .. type_name, aggregate, NOW, payload)
end

local function require_part(sku)
  if redis.call('EXISTS', k_part(sku)) == 0 then fail('NOT_FOUND', 'SKU_NOT_FOUND', 'sku ' .. sku .. ' is not in the catalogue') end
end
local function require_location(loc, field)
  if redis.call('EXISTS', k_location(loc)) == 0 then
    fail('NOT_FOUND', 'LOCATION_NOT_FOUND', (field or 'location') .. ' ' .. loc .. ' does not exist')
  end
end

local function level_get(sku, loc)
  local v = redis.call('HMGET', k_level(sku, loc), 'on_hand', 'reserved', 'in_repair', 'reorder_point', 'low')
  return {sku = sku, loc = loc, on_hand = tonumber(v[1]) or 0, reserved = tonumber(v[2]) or 0,
          in_repair = tonumber(v[3]) or 0, reorder_point = tonumber(v[4]) or 0, low = v[5] == '1'}
end
local function level_put(l)
  redis.call('HSET', k_level(l.sku, l.loc), 'sku', l.sku, 'location', l.loc, 'on_hand', l.on_hand,
             'reserved', l.reserved, 'in_repair', l.in_repair, 'reorder_point', l.reorder_point)
  redis.call('ZADD', K_LEVELS, 0, l.sku .. '|' .. l.loc)
end
local function ledger(l, kind, quantity, reserved, reason, ref)
  redis.call('XADD', k_ledger(l.sku, l.loc), '*', 'kind', kind, 'quantity', tostring(quantity),
             'reserved', tostring(reserved or 0), 'reason', reason or '', 'ref', ref or '', 'time', tostring(NOW))
end

-- After every movement of a level: a replenishment request when available
-- stock crosses to or below the trigger (once per crossing), fulfilled when it
-- is back above.
local function reorder_check(l)
  local part = redis.call('HMGET', k_part(l.sku), 'critical', 'safety_stock')
  local critical = part[1] == '1'
  local trigger = l.reorder_point
  local safety = tonumber(part[2]) or 0
  if critical and safety > trigger then trigger = safety end
  local available = l.on_hand - l.reserved
  local low = trigger > 0 and available <= trigger
  if low and not l.low then
    local id = new_id()
    local quantity = 2 * trigger - math.max(available, 0)
    if quantity < 1 then quantity = 1 end
    redis.call('HSET', k_replenishment(id), 'id', id, 'sku', l.sku, 'location', l.loc, 'quantity', quantity,
               'available', available, 'reorder_point', trigger, 'status', 'OPEN', 'create_time', NOW, 'update_time', NOW)
    redis.call('ZADD', K_REPLENISHMENTS, NOW, id)
    redis.call('SET', k_replenishment_open(l.sku, l.loc), id)
    emit('StockLow', id, pb_bytes(1, id) .. pb_bytes(2, l.sku) .. pb_bytes(3, l.loc) .. pb_int(4, available) ..
         pb_int(5, trigger) .. pb_int(6, quantity) .. pb_bool(7, critical) .. pb_time(8, NOW))
  elseif l.low and not low then
    local open = redis.call('GET', k_replenishment_open(l.sku, l.loc))
    if open then
      redis.call('HSET', k_replenishment(open), 'status', 'FULFILLED', 'update_time', NOW)
      redis.call('DEL', k_replenishment_open(l.sku, l.loc))
    end
  end
  l.low = low
  redis.call('HSET', k_level(l.sku, l.loc), 'low', low and '1' or '0')
end
local function add_level(out, l)
  add_hash(out, k_level(l.sku, l.loc))
end
local function reserved_part(r, quantity)
  return pb_bytes(1, r.id) .. pb_bytes(2, r.sku) .. pb_bytes(3, r.location) .. pb_int(4, quantity)
end
)lua";

std::string Build(std::string_view body, std::string_view helpers = {}) {
  std::string lua = keys::LuaKeyFunctions();
  lua += kLibrary;
  lua += helpers;
  lua += "local cached = replay()\nif cached then return cached end\n";
  lua += body;
  return streams::OutboxScript(lua);
}

#define AS_SCRIPT(Name, body)                       \
  const redis::Script& Name() {                     \
    static const redis::Script script(Build(body)); \
    return script;                                  \
  }
#define AS_SCRIPT_WITH(Name, helpers, body)                  \
  const redis::Script& Name() {                              \
    static const redis::Script script(Build(body, helpers)); \
    return script;                                           \
  }

}  // namespace

// ARGS: sku name model category critical cost_ccy cost_minor sale_ccy sale_minor warranty safety
AS_SCRIPT(CreatePart, R"lua(
local sku = arg(1)
if redis.call('EXISTS', k_part(sku)) == 1 then fail('ALREADY_EXISTS', 'PART_ALREADY_EXISTS', 'sku ' .. sku .. ' already exists') end
redis.call('HSET', k_part(sku), 'sku', sku, 'name', arg(2), 'model', arg(3), 'category', arg(4), 'critical', arg(5),
           'cost_currency', arg(6), 'cost_minor', arg(7), 'sale_currency', arg(8), 'sale_minor', arg(9),
           'warranty_months', arg(10), 'safety_stock', arg(11), 'create_time', NOW, 'update_time', NOW)
local out = {'ok'}
add_hash(out, k_part(sku))
return finish(out)
)lua")

// ARGS: id name type branch engineer_id
AS_SCRIPT(CreateLocation, R"lua(
local id = arg(1)
if redis.call('EXISTS', k_location(id)) == 1 then fail('ALREADY_EXISTS', 'LOCATION_ALREADY_EXISTS', 'location ' .. id .. ' already exists') end
redis.call('HSET', k_location(id), 'id', id, 'name', arg(2), 'type', arg(3), 'branch', arg(4), 'engineer_id', arg(5),
           'create_time', NOW, 'update_time', NOW)
redis.call('ZADD', K_LOCATIONS, 0, id)
if arg(3) == 'VAN' then redis.call('SADD', k_vans_of(arg(5)), id)
elseif arg(3) == 'BRANCH' then redis.call('SADD', k_branch_warehouses(arg(4)), id)
else redis.call('SADD', k_locations_of_type(arg(3)), id) end
local out = {'ok'}
add_hash(out, k_location(id))
return finish(out)
)lua")

// ARGS: sku location reorder_point
AS_SCRIPT(SetReorderPoint, R"lua(
local sku, loc = arg(1), arg(2)
require_part(sku)
require_location(loc)
local l = level_get(sku, loc)
l.reorder_point = tonumber(arg(3))
level_put(l)
reorder_check(l)
local out = {'ok'}
add_level(out, l)
return finish(out)
)lua")

// ARGS: sku location quantity
AS_SCRIPT(Receive, R"lua(
local sku, loc, q = arg(1), arg(2), tonumber(arg(3))
require_part(sku)
require_location(loc)
local l = level_get(sku, loc)
l.on_hand = l.on_hand + q
level_put(l)
ledger(l, 'receive', q, 0, '', KEYS[1])
reorder_check(l)
emit('StockReceived', sku .. '|' .. loc, pb_bytes(1, sku) .. pb_bytes(2, loc) .. pb_int(3, q) .. pb_int(4, l.on_hand) .. pb_time(5, NOW))
local out = {'ok'}
add_level(out, l)
return finish(out)
)lua")

// ARGS: sku location delta reason
AS_SCRIPT(Adjust, R"lua(
local sku, loc, delta, reason = arg(1), arg(2), tonumber(arg(3)), arg(4)
require_part(sku)
require_location(loc)
local l = level_get(sku, loc)
if l.on_hand + delta < l.reserved then
  fail('FAILED_PRECONDITION', 'ADJUSTMENT_BELOW_RESERVED', 'on hand ' .. l.on_hand .. ' with ' .. l.reserved .. ' reserved cannot change by ' .. delta)
end
l.on_hand = l.on_hand + delta
level_put(l)
ledger(l, 'adjust', delta, 0, reason, KEYS[1])
reorder_check(l)
emit('StockAdjusted', sku .. '|' .. loc, pb_bytes(1, sku) .. pb_bytes(2, loc) .. pb_sint(3, delta) .. pb_bytes(4, reason) ..
     pb_int(5, l.on_hand) .. pb_time(6, NOW))
local out = {'ok'}
add_level(out, l)
return finish(out)
)lua")

// ARGS: sku from to quantity
AS_SCRIPT(Transfer, R"lua(
local sku, from, to, q = arg(1), arg(2), arg(3), tonumber(arg(4))
require_part(sku)
require_location(from, 'from')
require_location(to, 'to')
local a = level_get(sku, from)
if a.on_hand - a.reserved < q then
  fail('FAILED_PRECONDITION', 'INSUFFICIENT_STOCK', 'only ' .. (a.on_hand - a.reserved) .. ' of ' .. sku .. ' available at ' .. from)
end
a.on_hand = a.on_hand - q
level_put(a)
ledger(a, 'transfer_out', q, 0, 'to ' .. to, KEYS[1])
local b = level_get(sku, to)
b.on_hand = b.on_hand + q
level_put(b)
ledger(b, 'transfer_in', q, 0, 'from ' .. from, KEYS[1])
reorder_check(a)
reorder_check(b)
emit('StockTransferred', sku, pb_bytes(1, sku) .. pb_bytes(2, from) .. pb_bytes(3, to) .. pb_int(4, q) .. pb_time(5, NOW))
local out = {'ok'}
add_level(out, a)
add_level(out, b)
return finish(out)
)lua")

// ARGS: work_order_id nlines, then per line: sku quantity ncandidates candidates...
// Each line is taken whole from the first candidate location that has it
// available; a line no location can fill is a shortage. Nothing reservable at
// all is FAILED_PRECONDITION INSUFFICIENT_STOCK and writes nothing.
AS_SCRIPT(Reserve, R"lua(
local wo = arg(1)
local nlines = tonumber(arg(2))
local lines = {}
local i = 3
for n = 1, nlines do
  local line = {sku = arg(i), q = tonumber(arg(i + 1)), candidates = {}}
  local nc = tonumber(arg(i + 2))
  for c = 1, nc do line.candidates[c] = arg(i + 2 + c) end
  i = i + 3 + nc
  require_part(line.sku)
  lines[n] = line
end
-- Decide first, write after: no half-written reservation.
local plan = {}
local held = {}
local any = false
for n, line in ipairs(lines) do
  for _, loc in ipairs(line.candidates) do
    local key = line.sku .. '|' .. loc
    local l = held[key] or level_get(line.sku, loc)
    held[key] = l
    if l.on_hand - l.reserved >= line.q then
      l.reserved = l.reserved + line.q
      plan[n] = l
      any = true
      break
    end
  end
end
if not any then fail('FAILED_PRECONDITION', 'INSUFFICIENT_STOCK', 'no location has the parts available') end
local out = {'ok'}
local parts, shortages = '', ''
for n, line in ipairs(lines) do
  local l = plan[n]
  if l then
    local id = new_id()
    redis.call('HSET', k_reservation(id), 'id', id, 'work_order_id', wo, 'sku', line.sku, 'quantity', line.q,
               'location', l.loc, 'status', 'RESERVED', 'issued', 0, 'released', 0, 'create_time', NOW, 'update_time', NOW)
    redis.call('RPUSH', k_workorder(wo), id)
    -- the level table already carries this reservation; re-read the rest from Redis
    local cur = level_get(line.sku, l.loc)
    cur.reserved = cur.reserved + line.q
    level_put(cur)
    ledger(cur, 'reserve', line.q, 0, 'work order ' .. wo, id)
    reorder_check(cur)
    parts = parts .. pb_bytes(2, reserved_part({id = id, sku = line.sku, location = l.loc}, line.q))
    add_hash(out, k_reservation(id), {'kind', 'reservation'})
  else
    shortages = shortages .. pb_bytes(3, reserved_part({sku = line.sku}, line.q))
    out[#out + 1] = '6'
    out[#out + 1] = 'kind'; out[#out + 1] = 'shortage'
    out[#out + 1] = 'sku'; out[#out + 1] = line.sku
    out[#out + 1] = 'quantity'; out[#out + 1] = tostring(line.q)
  end
end
emit('PartsReserved', wo, pb_bytes(1, wo) .. parts .. shortages .. pb_time(4, NOW))
return finish(out)
)lua")

// Release and issue both walk the work order's reservations.
constexpr std::string_view kReservationHelpers = R"lua(
local function reservations_of(wo)
  local ids = redis.call('LRANGE', k_workorder(wo), 0, -1)
  local list = {}
  for _, id in ipairs(ids) do
    local v = redis.call('HMGET', k_reservation(id), 'sku', 'location', 'quantity', 'status', 'issued', 'released')
    if v[4] == 'RESERVED' then
      list[#list + 1] = {id = id, sku = v[1], location = v[2], quantity = tonumber(v[3]),
                         issued = tonumber(v[5]) or 0, released = tonumber(v[6]) or 0}
    end
  end
  return list
end
local function save_reservation(r)
  local status = 'RESERVED'
  if r.quantity == 0 then
    if r.issued > 0 then status = 'ISSUED' else status = 'RELEASED' end
  end
  redis.call('HSET', k_reservation(r.id), 'quantity', r.quantity, 'issued', r.issued, 'released', r.released,
             'status', status, 'update_time', NOW)
end
local function release_reservation(r, q, wo)
  local l = level_get(r.sku, r.location)
  l.reserved = l.reserved - q
  level_put(l)
  ledger(l, 'release', q, 0, 'work order ' .. wo, r.id)
  reorder_check(l)
  r.quantity = r.quantity - q
  r.released = r.released + q
  save_reservation(r)
end
)lua";

// ARGS: work_order_id nlines, then per line: sku quantity. No lines: all.
AS_SCRIPT_WITH(Release, kReservationHelpers, R"lua(
local wo = arg(1)
local nlines = tonumber(arg(2))
local list = reservations_of(wo)
local out = {'ok'}
local parts = ''
local touched = {}
local function release(r, q)
  release_reservation(r, q, wo)
  parts = parts .. pb_bytes(2, reserved_part(r, q))
  touched[r.id] = true
end
if nlines == 0 then
  for _, r in ipairs(list) do release(r, r.quantity) end
else
  for n = 1, nlines do
    local sku, want = arg(1 + 2 * n), tonumber(arg(2 + 2 * n))
    for _, r in ipairs(list) do
      if want > 0 and r.sku == sku and r.quantity > 0 then
        local q = math.min(want, r.quantity)
        release(r, q)
        want = want - q
      end
    end
  end
end
for id, _ in pairs(touched) do add_hash(out, k_reservation(id), {'kind', 'reservation'}) end
if parts ~= '' then emit('PartsReleased', wo, pb_bytes(1, wo) .. parts .. pb_time(3, NOW)) end
return finish(out)
)lua")

// ARGS: work_order_id release_rest nparts, then per part: sku quantity location serial_in
// serial_out. Uses the work order's reservations first (at the given location when one is given);
// what was used beyond them is issued from the location's available stock. Everything is checked
// before anything is written.
AS_SCRIPT_WITH(Issue, kReservationHelpers, R"lua(
local wo = arg(1)
local release_rest = arg(2) == '1'
local nparts = tonumber(arg(3))
local list = reservations_of(wo)
local remaining = {}
for _, r in ipairs(list) do remaining[r.id] = r.quantity end
local steps = {}
local extra = {}
for n = 1, nparts do
  local b = 4 + 5 * (n - 1)
  local sku, want, loc, sin, sout = arg(b), tonumber(arg(b + 1)), arg(b + 2), arg(b + 3), arg(b + 4)
  require_part(sku)
  local note = 'work order ' .. wo
  if sin ~= '' then note = note .. ' serial in ' .. sin end
  if sout ~= '' then note = note .. ' serial out ' .. sout end
  for _, r in ipairs(list) do
    if want > 0 and r.sku == sku and (loc == '' or r.location == loc) and remaining[r.id] > 0 then
      local q = math.min(want, remaining[r.id])
      remaining[r.id] = remaining[r.id] - q
      steps[#steps + 1] = {r = r, q = q, note = note}
      want = want - q
    end
  end
  if want > 0 then
    if loc == '' then
      fail('FAILED_PRECONDITION', 'NOT_RESERVED', want .. ' of ' .. sku .. ' used but not reserved and no location given')
    end
    require_location(loc)
    local key = sku .. '|' .. loc
    local l = extra[key] or level_get(sku, loc)
    extra[key] = l
    if l.on_hand - l.reserved < want then
      fail('FAILED_PRECONDITION', 'INSUFFICIENT_STOCK', 'only ' .. (l.on_hand - l.reserved) .. ' of ' .. sku .. ' available at ' .. loc)
    end
    l.on_hand = l.on_hand - want
    steps[#steps + 1] = {sku = sku, loc = loc, q = want, note = note}
  end
end
local out = {'ok'}
local parts = ''
local touched = {}
for _, s in ipairs(steps) do
  if s.r then
    local l = level_get(s.r.sku, s.r.location)
    l.on_hand = l.on_hand - s.q
    l.reserved = l.reserved - s.q
    level_put(l)
    ledger(l, 'issue', s.q, s.q, s.note, s.r.id)
    reorder_check(l)
    s.r.quantity = s.r.quantity - s.q
    s.r.issued = s.r.issued + s.q
    save_reservation(s.r)
    touched[s.r.id] = true
    parts = parts .. pb_bytes(2, reserved_part(s.r, s.q))
  else
    local l = level_get(s.sku, s.loc)
    l.on_hand = l.on_hand - s.q
    level_put(l)
    ledger(l, 'issue', s.q, 0, s.note, wo)
    reorder_check(l)
    parts = parts .. pb_bytes(2, reserved_part({sku = s.sku, location = s.loc}, s.q))
  end
end
local released = ''
if release_rest then
  for _, r in ipairs(list) do
    if r.quantity > 0 then
      released = released .. pb_bytes(2, reserved_part(r, r.quantity))
      release_reservation(r, r.quantity, wo)
      touched[r.id] = true
    end
  end
end
for id, _ in pairs(touched) do add_hash(out, k_reservation(id), {'kind', 'reservation'}) end
if parts ~= '' then emit('PartsIssued', wo, pb_bytes(1, wo) .. parts .. pb_time(3, NOW)) end
if released ~= '' then emit('PartsReleased', wo, pb_bytes(1, wo) .. released .. pb_time(3, NOW)) end
return finish(out)
)lua")

// ARGS: id ticket sku ship_from return_due_ms
AS_SCRIPT(CreateAdvance, R"lua(
local id, ticket, sku, from, due = arg(1), arg(2), arg(3), arg(4), tonumber(arg(5))
require_part(sku)
require_location(from, 'shipFrom')
local l = level_get(sku, from)
if l.on_hand - l.reserved < 1 then
  fail('FAILED_PRECONDITION', 'INSUFFICIENT_STOCK', 'no ' .. sku .. ' available at ' .. from)
end
l.on_hand = l.on_hand - 1
level_put(l)
ledger(l, 'issue', 1, 0, 'advance replacement for ticket ' .. ticket, id)
reorder_check(l)
redis.call('HSET', k_advance(id), 'id', id, 'ticket_number', ticket, 'sku', sku, 'ship_from', from,
           'status', 'SHIPPED', 'return_due', due, 'create_time', NOW, 'update_time', NOW)
redis.call('ZADD', K_ADVANCES, NOW, id)
redis.call('ZADD', K_AWAITING, due, id)
redis.call('ZADD', K_OUTSTANDING, due, id)
emit('PartShipped', id, pb_bytes(1, id) .. pb_bytes(2, ticket) .. pb_bytes(3, sku) .. pb_bytes(4, from) ..
     pb_time(5, due) .. pb_time(6, NOW))
local out = {'ok'}
add_hash(out, k_advance(id))
return finish(out)
)lua")

// Logs a faulty unit for repair at a location: shared by CreateRepair and a
// received advance return.
constexpr std::string_view kRepairHelpers = R"lua(
local function open_repair(id, sku, serial, loc, ticket, due, source)
  redis.call('HSET', k_repair(id), 'id', id, 'sku', sku, 'serial', serial, 'location', loc, 'ticket_number', ticket,
             'status', 'IN_REPAIR', 'due_time', due, 'create_time', NOW, 'update_time', NOW)
  redis.call('ZADD', K_REPAIRS_OPEN, due, id)
  redis.call('ZADD', K_REPAIRS_AWAITING, due, id)
  local l = level_get(sku, loc)
  l.in_repair = l.in_repair + 1
  level_put(l)
  ledger(l, 'return', 1, 0, source .. ' serial ' .. serial, id)
end
)lua";

// ARGS: id serial repair_id repair_due_ms
AS_SCRIPT_WITH(ReceiveAdvanceReturn, kRepairHelpers, R"lua(
local id, serial, repair_id, repair_due = arg(1), arg(2), arg(3), tonumber(arg(4))
local a = redis.call('HMGET', k_advance(id), 'status', 'ticket_number', 'sku', 'ship_from')
if not a[1] then fail('NOT_FOUND', 'ADVANCE_REPLACEMENT_NOT_FOUND', 'advance replacement ' .. id .. ' does not exist') end
if a[1] == 'RETURNED' then fail('FAILED_PRECONDITION', 'ALREADY_RETURNED', 'the faulty part was already received back') end
redis.call('HSET', k_advance(id), 'status', 'RETURNED', 'returned_serial', serial, 'return_time', NOW,
           'repair_id', repair_id, 'update_time', NOW)
redis.call('ZREM', K_AWAITING, id)
redis.call('ZREM', K_OUTSTANDING, id)
open_repair(repair_id, a[3], serial, a[4], a[2], repair_due, 'advance return')
emit('AdvanceReturnReceived', id, pb_bytes(1, id) .. pb_bytes(2, a[2]) .. pb_bytes(3, a[3]) .. pb_bytes(4, serial) ..
     pb_bytes(5, repair_id) .. pb_time(6, NOW))
local out = {'ok'}
add_hash(out, k_advance(id))
return finish(out)
)lua")

// ARGS: id. Marks a still-shipped advance replacement whose due time passed
// as OVERDUE and publishes ReturnOverdue, once (KEYS[1] is a per-item key).
AS_SCRIPT(MarkReturnOverdue, R"lua(
local id = arg(1)
local due = redis.call('ZSCORE', K_AWAITING, id)
local out = {'ok'}
if not due or tonumber(due) >= NOW then return out end
redis.call('ZREM', K_AWAITING, id)
local a = redis.call('HMGET', k_advance(id), 'status', 'ticket_number', 'sku')
if a[1] ~= 'SHIPPED' then return out end
redis.call('HSET', k_advance(id), 'status', 'OVERDUE', 'update_time', NOW)
emit('ReturnOverdue', id, pb_bytes(1, id) .. pb_bytes(2, a[2]) .. pb_bytes(3, a[3]) .. pb_time(4, due) .. pb_time(5, NOW))
add_hash(out, k_advance(id))
return out
)lua")

// ARGS: id. The repair twin of MarkReturnOverdue: flags a repair still open
// past its one-month deadline and publishes RepairOverdue, once.
AS_SCRIPT(MarkRepairOverdue, R"lua(
local id = arg(1)
local due = redis.call('ZSCORE', K_REPAIRS_AWAITING, id)
local out = {'ok'}
if not due or tonumber(due) >= NOW then return out end
redis.call('ZREM', K_REPAIRS_AWAITING, id)
local r = redis.call('HMGET', k_repair(id), 'status', 'sku', 'serial', 'location', 'ticket_number')
if r[1] ~= 'IN_REPAIR' then return out end
redis.call('HSET', k_repair(id), 'overdue', '1', 'update_time', NOW)
emit('RepairOverdue', id, pb_bytes(1, id) .. pb_bytes(2, r[2]) .. pb_bytes(3, r[3]) .. pb_bytes(4, r[4]) ..
     pb_bytes(5, r[5]) .. pb_time(6, due) .. pb_time(7, NOW))
add_hash(out, k_repair(id))
return out
)lua")

// ARGS: id sku serial location ticket due_ms
AS_SCRIPT_WITH(CreateRepair, kRepairHelpers, R"lua(
local id, sku, serial, loc, ticket, due = arg(1), arg(2), arg(3), arg(4), arg(5), tonumber(arg(6))
require_part(sku)
require_location(loc)
open_repair(id, sku, serial, loc, ticket, due, 'returned for repair')
local out = {'ok'}
add_hash(out, k_repair(id))
return finish(out)
)lua")

// ARGS: id outcome(REPAIRED|SCRAPPED) outcome_number late warranty_start_ms warranty_end_ms
AS_SCRIPT(CompleteRepair, R"lua(
local id, outcome, outcome_number, late = arg(1), arg(2), tonumber(arg(3)), arg(4) == '1'
local r = redis.call('HMGET', k_repair(id), 'status', 'sku', 'serial', 'location', 'ticket_number')
if not r[1] then fail('NOT_FOUND', 'REPAIR_NOT_FOUND', 'repair ' .. id .. ' does not exist') end
if r[1] ~= 'IN_REPAIR' then fail('FAILED_PRECONDITION', 'REPAIR_ALREADY_DONE', 'the repair is already complete') end
local l = level_get(r[2], r[4])
l.in_repair = l.in_repair - 1
if outcome == 'REPAIRED' then
  l.on_hand = l.on_hand + 1
  level_put(l)
  ledger(l, 'repaired', 1, 0, 'serial ' .. r[3] .. ' repaired, own warranty', id)
  redis.call('HSET', k_repair(id), 'warranty_start_time', arg(5), 'warranty_end_time', arg(6))
else
  level_put(l)
  ledger(l, 'scrap', 1, 0, 'serial ' .. r[3] .. ' scrapped', id)
end
reorder_check(l)
redis.call('HSET', k_repair(id), 'status', 'DONE', 'outcome', outcome, 'late', late and '1' or '0',
           'complete_time', NOW, 'update_time', NOW)
redis.call('ZREM', K_REPAIRS_OPEN, id)
redis.call('ZREM', K_REPAIRS_AWAITING, id)
emit('RepairDone', id, pb_bytes(1, id) .. pb_bytes(2, r[2]) .. pb_bytes(3, r[3]) .. pb_bytes(4, r[4]) ..
     pb_bytes(5, r[5]) .. pb_int(6, outcome_number) .. pb_bool(7, late) .. pb_time(8, NOW))
local out = {'ok'}
add_hash(out, k_repair(id))
return finish(out)
)lua")

// ARGS: id ticket sku serial
AS_SCRIPT(CreateLoaner, R"lua(
local id, ticket, sku, serial = arg(1), arg(2), arg(3), arg(4)
require_part(sku)
local lent = redis.call('GET', k_loaner_serial(sku, serial))
if lent then fail('FAILED_PRECONDITION', 'LOANER_ALREADY_OUT', 'loaner ' .. serial .. ' is out on loaner ' .. lent) end
redis.call('SET', k_loaner_serial(sku, serial), id)
redis.call('HSET', k_loaner(id), 'id', id, 'ticket_number', ticket, 'sku', sku, 'serial', serial, 'status', 'LENT',
           'create_time', NOW, 'update_time', NOW)
redis.call('ZADD', K_LOANERS_OUT, NOW, id)
redis.call('ZADD', K_LOANERS, NOW, id)
emit('LoanerOut', id, pb_bytes(1, id) .. pb_bytes(2, ticket) .. pb_bytes(3, sku) .. pb_bytes(4, serial) .. pb_time(5, NOW))
local out = {'ok'}
add_hash(out, k_loaner(id))
return finish(out)
)lua")

// ARGS: id
AS_SCRIPT(ReturnLoaner, R"lua(
local id = arg(1)
local v = redis.call('HMGET', k_loaner(id), 'status', 'ticket_number', 'sku', 'serial')
if not v[1] then fail('NOT_FOUND', 'LOANER_NOT_FOUND', 'loaner ' .. id .. ' does not exist') end
if v[1] ~= 'LENT' then fail('FAILED_PRECONDITION', 'LOANER_ALREADY_RETURNED', 'loaner ' .. id .. ' is already back') end
redis.call('HSET', k_loaner(id), 'status', 'RETURNED', 'return_time', NOW, 'update_time', NOW)
redis.call('DEL', k_loaner_serial(v[3], v[4]))
redis.call('ZREM', K_LOANERS_OUT, id)
emit('LoanerBack', id, pb_bytes(1, id) .. pb_bytes(2, v[2]) .. pb_bytes(3, v[3]) .. pb_bytes(4, v[4]) .. pb_time(5, NOW))
local out = {'ok'}
add_hash(out, k_loaner(id))
return finish(out)
)lua")

}  // namespace aftersales::inventory::scripts

// The Lua scripts of the inventory service: one per state change, each one
// checking, writing the state, appending the ledger, recording the request id
// and emitting its event in one atomic step.
//
// ARGV layout shared by every script: ARGV[1] now (unix ms), ARGV[2] how long
// a request id is remembered (s), ARGV[3] n, ARGV[4..3+n] fresh ids for what
// the script may create (events, records), then the script's own arguments.
// KEYS[1] is the request key (idempotency); every other key is derived inside
// the script from the names in keys.h, all under {inventory}.
//
// A script answers a flat array: "ok", then records, each as a field count
// followed by field/value pairs. A replayed request gets the first answer.
#pragma once

#include "services/common/redis/script.h"

namespace aftersales::inventory::scripts {

const redis::Script& CreatePart();
const redis::Script& CreateLocation();
const redis::Script& SetReorderPoint();
const redis::Script& Receive();
const redis::Script& Transfer();
const redis::Script& Adjust();
const redis::Script& Reserve();
const redis::Script& Release();
const redis::Script& Issue();
const redis::Script& CreateAdvance();
const redis::Script& ReceiveAdvanceReturn();
const redis::Script& MarkReturnOverdue();
const redis::Script& MarkRepairOverdue();
const redis::Script& CreateRepair();
const redis::Script& CompleteRepair();
const redis::Script& CreateLoaner();
const redis::Script& ReturnLoaner();

}  // namespace aftersales::inventory::scripts

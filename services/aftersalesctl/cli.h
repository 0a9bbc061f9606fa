// aftersalesctl: the operator's command line for what the services do not
// expose over their APIs.
//
//   aftersalesctl dead-letters list   [--stream S] [--count N] [--from ID]
//   aftersalesctl dead-letters replay --stream S (--id ID ... | --all)
//   aftersalesctl dead-letters drop   --stream S --id ID ... --yes
//   aftersalesctl lag [--stream S]
//   aftersalesctl token --role R --sub S [--customer ID] [--engineer ID] [--ttl 8h]
//
// Redis comes from AFTERSALES_REDIS_HOST/PORT/PASSWORD (as for the services),
// the JWT secret from AFTERSALES_JWT_SECRET. Exit codes: 0 done, 1 failed,
// 2 bad usage or configuration.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "services/common/clock.h"
#include "services/common/runtime/env_config.h"

namespace aftersales::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// `args` without the program name.
int RunCli(const std::vector<std::string>& args, EnvConfig& env, const Clock& clock,
           std::ostream& out, std::ostream& err);

}  // namespace aftersales::ctl

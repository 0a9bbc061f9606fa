// The commands that go through intake's gRPC API (AFTERSALES_INTAKE_ADDR,
// default 127.0.0.1:50051) as caller role admin, subject "aftersalesctl":
//
//   aftersalesctl import customers|sites|assets FILE.csv [--dry-run] [--parallel N]
//   aftersalesctl export tickets FILE.csv [--status S] [--customer ID]
//
// Import prints a line-numbered report of bad rows (never sent), the id of
// every customer and site created, and a summary; exit 0 when every row went
// in, 1 when some were bad or refused (the good ones are in), 2 for bad
// usage or a file that is not the kind's CSV (nothing sent).
// Export writes FILE.csv.tmp and renames it, so a failed export leaves no
// half-written file ("-" writes to standard output).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "services/common/runtime/env_config.h"

namespace aftersales::ctl {

// args: everything after "import" / "export".
int ImportCommand(const std::vector<std::string>& args, EnvConfig& env, std::ostream& out,
                  std::ostream& err);
int ExportCommand(const std::vector<std::string>& args, EnvConfig& env, std::ostream& out,
                  std::ostream& err);

}  // namespace aftersales::ctl

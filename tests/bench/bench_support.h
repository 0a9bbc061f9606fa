// What the platform's benchmarks share: finding the platform's binaries,
// running a command-line load generator and reading its figures.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace aftersales::bench {

struct Figures {
  double rps = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  int64_t calls = 0;
  int64_t errors = 0;  // failed calls; for wrk, non-2xx/3xx answers
};

// Sets AFTERSALES_BIN_DIR (unless set) to the directory of the running
// binary: the platform's binaries are built next to the benchmarks.
void FindPlatformBinaries();

// Runs `cmd` through the shell; its standard output.
std::string Shell(const std::string& cmd);

// The p-quantile (0..1) of `v`, 0 when empty.
double Percentile(std::vector<double> v, double p);

// Figures from wrk's output (run with --latency).
Figures ParseWrk(const std::string& out);

// Figures from the last line of redis-benchmark --csv; calls left 0.
Figures ParseRedisBenchmarkCsv(const std::string& out);

}  // namespace aftersales::bench

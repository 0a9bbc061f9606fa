#include "tests/bench/bench_support.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace aftersales::bench {
namespace {

// wrk's "     50%    1.23ms" lines.
double WrkMillis(const std::string& out, const std::string& label) {
  const size_t at = out.find("\n" + label);
  if (at == std::string::npos) return -1;
  double v = 0;
  char unit[8] = {0};
  if (std::sscanf(out.c_str() + at + label.size() + 1, "%lf%7s", &v, unit) != 2) return -1;
  const std::string u(unit);
  if (u == "us") return v / 1000;
  if (u == "s") return v * 1000;
  return v;
}

}  // namespace

void FindPlatformBinaries() {
  if (std::getenv("AFTERSALES_BIN_DIR")) return;
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return;
  std::string dir(self, static_cast<size_t>(n));
  ::setenv("AFTERSALES_BIN_DIR", dir.substr(0, dir.rfind('/')).c_str(), 1);
}

std::string Shell(const std::string& cmd) {
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  return out;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

Figures ParseWrk(const std::string& out) {
  Figures f;
  const size_t rps = out.find("Requests/sec:");
  if (rps != std::string::npos) f.rps = std::atof(out.c_str() + rps + 13);
  // "  7956 requests in 5.03s, 9.15MB read"
  const size_t total = out.find(" requests in ");
  if (total != std::string::npos) {
    const size_t line = out.rfind('\n', total);
    f.calls = std::atoll(out.c_str() + (line == std::string::npos ? 0 : line + 1));
  }
  const std::string non2xx = "Non-2xx or 3xx responses:";
  const size_t bad = out.find(non2xx);
  if (bad != std::string::npos) f.errors = std::atoll(out.c_str() + bad + non2xx.size());
  f.p50_ms = WrkMillis(out, "     50%");
  f.p99_ms = WrkMillis(out, "     99%");
  return f;
}

Figures ParseRedisBenchmarkCsv(const std::string& out) {
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",
  // "p95_latency_ms","p99_latency_ms","max_latency_ms": read from the end, as
  // the test name may hold anything.
  Figures f;
  const size_t end = out.find_last_not_of("\r\n");
  if (end == std::string::npos) return f;
  const size_t newline = out.rfind('\n', end);
  const size_t from = newline == std::string::npos ? 0 : newline + 1;
  const std::string row = out.substr(from, end + 1 - from);
  std::vector<std::string> cells;
  for (size_t pos = row.find('"'); pos != std::string::npos;) {
    const size_t close = row.find('"', pos + 1);
    if (close == std::string::npos) break;
    cells.push_back(row.substr(pos + 1, close - pos - 1));
    pos = row.find('"', close + 1);
  }
  if (cells.size() < 8) return f;
  const size_t n = cells.size();
  f.rps = std::atof(cells[n - 7].c_str());
  f.p50_ms = std::atof(cells[n - 4].c_str());
  f.p99_ms = std::atof(cells[n - 2].c_str());
  return f;
}

}  // namespace aftersales::bench

#include "services/common/metrics/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace aftersales::metrics {
namespace {

enum Type : int { kCounter = 0, kGauge = 1, kHistogram = 2 };

const char* TypeName(int type) {
  switch (type) {
    case kCounter:
      return "counter";
    case kGauge:
      return "gauge";
    default:
      return "histogram";
  }
}

bool IsMetricName(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) {
      return false;
    }
  }
  return true;
}

bool IsLabelName(std::string_view s) {
  if (s.empty() || s.substr(0, 2) == "__") {
    return false;  // "__" is reserved for Prometheus
  }
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) {
      return false;
    }
  }
  return true;
}

void AppendEscaped(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out.push_back(c);
    }
  }
}

// {a="x",b="y"} plus an optional extra label (le for buckets); "" when empty.
std::string LabelText(const Labels& labels, std::string_view extra_name = {},
                      std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) {
    return "";
  }
  std::string out = "{";
  bool first = true;
  const auto add = [&](std::string_view name, std::string_view value) {
    if (!first) {
      out += ',';
    }
    first = false;
    out.append(name);
    out += "=\"";
    AppendEscaped(out, value, /*quote=*/true);
    out += '"';
  };
  for (const auto& [k, v] : labels) {
    add(k, v);
  }
  if (!extra_name.empty()) {
    add(extra_name, extra_value);
  }
  out += '}';
  return out;
}

void AtomicAdd(std::atomic<double>& a, double by) { a.fetch_add(by, std::memory_order_relaxed); }

}  // namespace

void Counter::Increment(double by) {
  if (!(by >= 0.0)) {
    return;  // also drops NaN
  }
  AtomicAdd(value_, by);
}

void Gauge::Add(double by) { AtomicAdd(value_, by); }

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    buckets_[i].store(0, std::memory_order_relaxed);
  }
}

void Histogram::Observe(double v) {
  if (std::isnan(v)) {
    return;  // would poison the sum forever
  }
  // Bucket i counts bounds_[i-1] < v <= bounds_[i]; the last one is +Inf.
  const size_t i =
      static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, v);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    out[i] = total;
  }
  return out;
}

uint64_t Histogram::Count() const { return CumulativeCounts().back(); }

const std::vector<double>& DefaultLatencyBuckets() {
  static const std::vector<double> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                               0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return kBuckets;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) {
    return "NaN";
  }
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  // Shortest round-trip digits; fixed notation in the range people read
  // (le="0.0005", not the shorter le="5e-04"), scientific outside it.
  const double a = std::fabs(v);
  const bool fixed = a == 0.0 || (a >= 1e-7 && a < 1e21);
  char buf[64];
  const auto res = fixed ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed)
                         : std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

struct Registry::Family {
  int type = kCounter;
  std::string help;
  std::vector<double> buckets;
  // Keyed by the label set sorted by name, so that order at the call site
  // does not create a second series.
  std::map<Labels, std::unique_ptr<metrics::Counter>> counters;
  std::map<Labels, std::unique_ptr<metrics::Gauge>> gauges;
  std::map<Labels, std::unique_ptr<metrics::Histogram>> histograms;
};

Registry::Registry() = default;
Registry::~Registry() = default;

namespace {

Labels Normalize(std::string_view metric, const Labels& labels, bool histogram) {
  Labels sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    const std::string& name = sorted[i].first;
    if (!IsLabelName(name) || (histogram && name == "le")) {
      throw std::invalid_argument("metric " + std::string(metric) + ": bad label name '" + name +
                                  "'");
    }
    if (i > 0 && sorted[i - 1].first == name) {
      throw std::invalid_argument("metric " + std::string(metric) + ": label '" + name +
                                  "' given twice");
    }
  }
  return sorted;
}

}  // namespace

Registry::Family& Registry::FamilyFor(std::string_view name, std::string_view help, int type) {
  if (!IsMetricName(name)) {
    throw std::invalid_argument("bad metric name '" + std::string(name) + "'");
  }
  auto it = families_.find(name);
  if (it == families_.end()) {
    auto family = std::make_unique<Family>();
    family->type = type;
    family->help = std::string(help);
    it = families_.emplace(std::string(name), std::move(family)).first;
  } else if (it->second->type != type) {
    throw std::invalid_argument("metric " + std::string(name) + " is a " +
                                TypeName(it->second->type) + ", not a " + TypeName(type));
  }
  return *it->second;
}

metrics::Counter& Registry::Counter(std::string_view name, std::string_view help,
                                    const Labels& labels) {
  Labels key = Normalize(name, labels, false);
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = FamilyFor(name, help, kCounter).counters[std::move(key)];
  if (!slot) {
    slot = std::make_unique<metrics::Counter>();
  }
  return *slot;
}

metrics::Gauge& Registry::Gauge(std::string_view name, std::string_view help,
                                const Labels& labels) {
  Labels key = Normalize(name, labels, false);
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = FamilyFor(name, help, kGauge).gauges[std::move(key)];
  if (!slot) {
    slot = std::make_unique<metrics::Gauge>();
  }
  return *slot;
}

metrics::Histogram& Registry::Histogram(std::string_view name, std::string_view help,
                                        const Labels& labels, const std::vector<double>& buckets) {
  Labels key = Normalize(name, labels, true);
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (!std::isfinite(buckets[i]) || (i > 0 && !(buckets[i - 1] < buckets[i]))) {
      throw std::invalid_argument("metric " + std::string(name) +
                                  ": buckets must be finite and strictly increasing");
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  Family& family = FamilyFor(name, help, kHistogram);
  if (family.histograms.empty()) {
    family.buckets = buckets;
  }
  auto& slot = family.histograms[std::move(key)];
  if (!slot) {
    slot = std::make_unique<metrics::Histogram>(family.buckets);
  }
  return *slot;
}

std::string Registry::Exposition() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + " ";
    AppendEscaped(out, family->help, /*quote=*/false);
    out += "\n# TYPE " + name + " " + TypeName(family->type) + "\n";
    for (const auto& [labels, c] : family->counters) {
      out += name + LabelText(labels) + " " + FormatValue(c->Value()) + "\n";
    }
    for (const auto& [labels, g] : family->gauges) {
      out += name + LabelText(labels) + " " + FormatValue(g->Value()) + "\n";
    }
    for (const auto& [labels, h] : family->histograms) {
      // One snapshot, so that +Inf and _count agree even while observing.
      const std::vector<uint64_t> counts = h->CumulativeCounts();
      const std::vector<double>& bounds = h->bounds();
      for (size_t i = 0; i < counts.size(); ++i) {
        const std::string le = i < bounds.size() ? FormatValue(bounds[i]) : "+Inf";
        out +=
            name + "_bucket" + LabelText(labels, "le", le) + " " + std::to_string(counts[i]) + "\n";
      }
      out += name + "_sum" + LabelText(labels) + " " + FormatValue(h->Sum()) + "\n";
      out += name + "_count" + LabelText(labels) + " " + std::to_string(counts.back()) + "\n";
    }
  }
  return out;
}

Registry& DefaultRegistry() {
  static Registry* registry =
      new Registry();  // never destroyed: used from detached threads at exit
  return *registry;
}

}  // namespace aftersales::metrics

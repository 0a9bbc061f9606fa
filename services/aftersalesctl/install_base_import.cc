#include "services/aftersalesctl/install_base_import.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>

#include "aftersales/intake/v1/intake.pb.h"
#include "services/aftersalesctl/csv.h"

namespace aftersales::ctl {
namespace {

namespace iv1 = ::aftersales::intake::v1;
namespace cv1 = ::aftersales::common::v1;

// One row's cells by column name, and the errors found in it.
class Row {
 public:
  Row(const std::map<std::string, size_t>& columns, const CsvRecord& record)
      : columns_(columns), record_(record) {}

  std::string Get(const std::string& column) const {
    auto it = columns_.find(column);
    if (it == columns_.end() || it->second >= record_.fields.size()) return "";
    return Trim(record_.fields[it->second]);
  }
  std::string Required(const std::string& column, size_t max_len = 200) {
    std::string v = Get(column);
    if (v.empty()) {
      Bad(column, "required");
    } else {
      Limit(column, v, max_len);
    }
    return v;
  }
  std::string Optional(const std::string& column, size_t max_len = 200) {
    std::string v = Get(column);
    Limit(column, v, max_len);
    return v;
  }
  void Bad(const std::string& field, std::string message) {
    errors_.push_back({record_.line, field, std::move(message)});
  }
  const std::vector<RowError>& errors() const { return errors_; }

 private:
  static std::string Trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    size_t e = s.find_last_not_of(" \t");
    return s.substr(b, e - b + 1);
  }
  void Limit(const std::string& column, const std::string& v, size_t max_len) {
    if (v.size() > max_len) {
      std::string m = "longer than ";
      m += std::to_string(max_len);
      m += " bytes";
      Bad(column, m);
    }
    for (unsigned char c : v) {
      if (c < 0x20 || c == 0x7f) {
        Bad(column, "holds a control character");
        break;
      }
    }
  }

  const std::map<std::string, size_t>& columns_;
  const CsvRecord& record_;
  std::vector<RowError> errors_;
};

bool ParseDouble(const std::string& s, double& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ParseInt32(const std::string& s, int& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool IsDate(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int y = 0, m = 0, d = 0;
  if (!ParseInt32(s.substr(0, 4), y) || !ParseInt32(s.substr(5, 2), m) ||
      !ParseInt32(s.substr(8, 2), d)) {
    return false;
  }
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

void Coordinate(Row& row, const std::string& column, double limit,
                const std::function<void(double)>& set) {
  const std::string v = row.Optional(column, 40);
  if (v.empty()) return;
  double d = 0;
  if (!ParseDouble(v, d) || d < -limit || d > limit) {
    std::string m = "must be a number from -";
    m += std::to_string(static_cast<int>(limit));
    m += " to ";
    m += std::to_string(static_cast<int>(limit));
    row.Bad(column, m);
    return;
  }
  set(d);
}

std::unique_ptr<google::protobuf::Message> CustomerRequest(Row& row) {
  auto req = std::make_unique<iv1::CreateCustomerRequest>();
  req->set_name(row.Required("name"));
  req->set_contact_name(row.Optional("contactName"));
  const std::string phone = row.Optional("contactPhone", 40);
  if (phone.find_first_not_of("0123456789+-() ") != std::string::npos) {
    row.Bad("contactPhone", "may hold only digits, spaces and + - ( )");
  }
  req->set_contact_phone(phone);
  const std::string email = row.Optional("email", 254);
  const size_t at = email.find('@');
  if (!email.empty() &&
      (at == std::string::npos || at == 0 || email.find('@', at + 1) != std::string::npos ||
       email.find('.', at) == std::string::npos || email.back() == '.')) {
    row.Bad("email", "is not an e-mail address");
  }
  req->set_email(email);
  return req;
}

std::unique_ptr<google::protobuf::Message> SiteRequest(Row& row) {
  auto req = std::make_unique<iv1::CreateSiteRequest>();
  req->set_customer_id(row.Required("customerId", 64));
  req->set_name(row.Required("name"));
  req->set_address(row.Optional("address", 500));
  const std::string zone = row.Required("zone", 20);
  cv1::Zone z;
  if (!zone.empty()) {
    if (!cv1::Zone_Parse(zone, &z) || z == 0) {
      row.Bad("zone", "must be CITY, SUBURB or REMOTE");
    } else {
      req->set_zone(z);
    }
  }
  req->set_branch(row.Required("branch", 100));
  Coordinate(row, "latitude", 90, [&](double d) { req->set_latitude(d); });
  Coordinate(row, "longitude", 180, [&](double d) { req->set_longitude(d); });
  return req;
}

std::unique_ptr<google::protobuf::Message> AssetRequest(Row& row) {
  auto req = std::make_unique<iv1::CreateAssetRequest>();
  const std::string serial = row.Required("serialNumber", 64);
  if (serial.find_first_of(" \t") != std::string::npos) {
    row.Bad("serialNumber", "must not hold spaces");
  }
  req->set_serial_number(serial);
  req->set_model(row.Required("model", 100));
  const std::string category = row.Required("category", 20);
  cv1::AssetCategory c;
  if (!category.empty()) {
    if (!cv1::AssetCategory_Parse(category, &c) || c == 0) {
      row.Bad("category", "must be MAINFRAME, CONTROLLER, TERMINAL, ACCESSORY or CONSUMABLE");
    } else {
      req->set_category(c);
    }
  }
  req->set_site_id(row.Required("siteId", 64));
  const std::string accepted = row.Required("acceptedOn", 10);
  if (!accepted.empty() && !IsDate(accepted)) row.Bad("acceptedOn", "must be a date YYYY-MM-DD");
  req->set_accepted_on(accepted);
  for (const char* column : {"warrantyMonths", "manufacturerWarrantyMonths"}) {
    const std::string v = row.Optional(column, 10);
    if (v.empty()) continue;
    int months = 0;
    if (!ParseInt32(v, months) || months < 0 || months > 600) {
      row.Bad(column, "must be a whole number of months from 0 to 600");
      continue;
    }
    if (std::string_view(column) == "warrantyMonths") {
      req->set_warranty_months(months);
    } else {
      req->set_manufacturer_warranty_months(months);
    }
  }
  return req;
}

uint64_t Fnv1a(std::string_view data, uint64_t basis) {
  uint64_t h = basis;
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string Hex(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = kDigits[v & 0xf];
  return out;
}

}  // namespace

Result<ImportKind> ParseImportKind(std::string_view word) {
  if (word == "customers") return ImportKind::kCustomers;
  if (word == "sites") return ImportKind::kSites;
  if (word == "assets") return ImportKind::kAssets;
  return InvalidArgument("UNKNOWN_IMPORT_KIND", "import what? customers, sites or assets");
}

std::string_view ImportKindName(ImportKind kind) {
  switch (kind) {
    case ImportKind::kCustomers:
      return "customers";
    case ImportKind::kSites:
      return "sites";
    case ImportKind::kAssets:
      return "assets";
  }
  return "";
}

std::vector<std::string> ImportColumns(ImportKind kind) {
  switch (kind) {
    case ImportKind::kCustomers:
      return {"name", "contactName", "contactPhone", "email"};
    case ImportKind::kSites:
      return {"customerId", "name", "address", "zone", "branch", "latitude", "longitude"};
    case ImportKind::kAssets:
      return {"serialNumber",
              "model",
              "category",
              "siteId",
              "acceptedOn",
              "warrantyMonths",
              "manufacturerWarrantyMonths"};
  }
  return {};
}

std::string RowRequestId(ImportKind kind, const std::vector<std::string>& fields) {
  std::string content;
  for (const auto& f : fields) {
    content += f;
    content.push_back('\x1f');  // unit separator: "a,b" + "c" differs from "a" + "b,c"
  }
  std::string id = "import-";
  id += ImportKindName(kind);
  id.push_back('-');
  id += Hex(Fnv1a(content, 0xcbf29ce484222325ULL));
  id += Hex(Fnv1a(content, 0x84222325cbf29ce4ULL));
  return id;
}

Result<ImportPlan> PlanImport(ImportKind kind, std::string_view csv_text) {
  auto records = ParseCsv(csv_text);
  if (!records.ok()) return records.status();
  if (records->empty()) return InvalidArgument("CSV_EMPTY", "the file has no header line");
  const std::vector<std::string> known = ImportColumns(kind);
  std::map<std::string, size_t> columns;
  const CsvRecord& header = records->front();
  for (size_t i = 0; i < header.fields.size(); ++i) {
    std::string name = header.fields[i];
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string m = "line ";
      m += std::to_string(header.line);
      m += ": unknown column \"" + name + "\"; the columns are";
      for (const auto& k : known) m += " " + k;
      return InvalidArgument("CSV_UNKNOWN_COLUMN", m);
    }
    if (!columns.emplace(name, i).second) {
      return InvalidArgument("CSV_DUPLICATE_COLUMN", "column \"" + name + "\" appears twice");
    }
  }
  ImportPlan plan;
  plan.kind = kind;
  std::map<std::string, int> serial_line;  // an asset serial seen on an earlier line
  for (size_t r = 1; r < records->size(); ++r) {
    const CsvRecord& record = (*records)[r];
    Row row(columns, record);
    if (record.fields.size() != header.fields.size()) {
      std::string m = "has ";
      m += std::to_string(record.fields.size());
      m += " fields, the header has ";
      m += std::to_string(header.fields.size());
      row.Bad("", m);
      ++plan.bad_rows;
      plan.errors.insert(plan.errors.end(), row.errors().begin(), row.errors().end());
      continue;
    }
    std::unique_ptr<google::protobuf::Message> request;
    switch (kind) {
      case ImportKind::kCustomers:
        request = CustomerRequest(row);
        break;
      case ImportKind::kSites:
        request = SiteRequest(row);
        break;
      case ImportKind::kAssets: {
        request = AssetRequest(row);
        // Only a good row claims its serial: a bad one is never written, so
        // a later good row with the same serial is no conflict.
        const std::string serial = row.Get("serialNumber");
        if (row.errors().empty()) {
          auto [it, fresh] = serial_line.emplace(serial, record.line);
          if (!fresh) {
            std::string m = "duplicates line ";
            m += std::to_string(it->second);
            row.Bad("serialNumber", m);
          }
        }
        break;
      }
    }
    if (!row.errors().empty()) {
      ++plan.bad_rows;
      plan.errors.insert(plan.errors.end(), row.errors().begin(), row.errors().end());
      continue;
    }
    const auto* field = request->GetDescriptor()->FindFieldByName("request_id");
    request->GetReflection()->SetString(request.get(), field, RowRequestId(kind, record.fields));
    plan.rows.push_back({record.line, std::move(request)});
  }
  return plan;
}

ImportOutcome RunImport(const ImportPlan& plan, const CreateRecord& create, int parallel) {
  ImportOutcome outcome;
  std::mutex mu;
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < plan.rows.size(); i = next++) {
      const PlannedRow& row = plan.rows[i];
      Result<std::string> id = create(row);
      std::lock_guard<std::mutex> lock(mu);
      if (id.ok()) {
        outcome.created.push_back({row.line, *id});
      } else {
        std::string message = id.status().ToString();
        for (const auto& v : id.status().field_violations()) {
          message += "; " + v.field + ": " + v.description;
        }
        outcome.refused.push_back({row.line, "", message});
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < std::max(1, parallel); ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  std::sort(outcome.created.begin(), outcome.created.end(),
            [](const auto& a, const auto& b) { return a.line < b.line; });
  std::sort(outcome.refused.begin(), outcome.refused.end(),
            [](const auto& a, const auto& b) { return a.line < b.line; });
  return outcome;
}

}  // namespace aftersales::ctl

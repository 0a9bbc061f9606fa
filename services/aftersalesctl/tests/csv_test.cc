// CSV reading and the import's row checks, without any service.
#include "services/aftersalesctl/csv.h"

#include <catch2/catch.hpp>

#include "aftersales/intake/v1/intake.pb.h"
#include "services/aftersalesctl/install_base_import.h"

namespace aftersales::ctl {
namespace {

TEST_CASE("CSV: quotes, commas, line breaks in fields, CRLF and the line each record starts on") {
  auto r = ParseCsv(
      "\xEF\xBB\xBF"
      "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n\r\nlast,,\n");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 3);
  CHECK((*r)[0].fields == std::vector<std::string>{"a", "b", "c"});
  CHECK((*r)[1].fields == std::vector<std::string>{"x, y", "say \"hi\"", "two\nlines"});
  CHECK((*r)[1].line == 2);
  CHECK((*r)[2].line == 5);  // after the two-line record and a blank line
  CHECK((*r)[2].fields == std::vector<std::string>{"last", "", ""});
}

TEST_CASE("CSV that is not CSV fails naming the line") {
  auto open = ParseCsv("a,b\n1,\"never closed\n");
  REQUIRE_FALSE(open.ok());
  CHECK_THAT(open.status().message(), Catch::Contains("line 2"));
  auto after = ParseCsv("a\n\"x\"y\n");
  REQUIRE_FALSE(after.ok());
  CHECK(after.status().reason() == "CSV_TEXT_AFTER_QUOTE");
}

TEST_CASE("written fields read back the same, and formulas are defused") {
  const std::vector<std::string> fields = {"plain", "a,b", "say \"x\"", "two\nlines", ""};
  auto r = ParseCsv(CsvLine(fields));
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].fields == fields);
  CHECK(CsvField("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"");
}

TEST_CASE("asset rows: every bad row is reported with its line and field, good rows planned") {
  const std::string csv =
      "serialNumber,model,category,siteId,acceptedOn,warrantyMonths\n"
      "SN-1,PK-9000,MAINFRAME,S1,2026-01-05,12\n"
      "SN-2,PK-9000,ROCKET,S1,2026-01-05,\n"
      "SN-3,PK-9000,TERMINAL,S1,2026-02-30,\n"
      ",PK-9000,TERMINAL,S1,2026-02-01,\n"
      "SN-1,PK-9000,TERMINAL,S1,2026-02-01,\n"
      "SN-6,PK-9000,TERMINAL,S1,2026-02-01,many\n"
      "SN-7,PK-9000,TERMINAL\n"
      "SN-8,PK-9000,CONSUMABLE,S1,2024-02-29,\n";
  auto plan = PlanImport(ImportKind::kAssets, csv);
  REQUIRE(plan.ok());
  REQUIRE(plan->rows.size() == 2);
  CHECK(plan->bad_rows == 6);
  CHECK(plan->rows[0].line == 2);
  CHECK(plan->rows[1].line == 9);
  const auto& first = static_cast<const intake::v1::CreateAssetRequest&>(*plan->rows[0].request);
  CHECK(first.serial_number() == "SN-1");
  CHECK(first.warranty_months() == 12);
  CHECK_FALSE(first.request_id().empty());
  std::vector<std::pair<int, std::string>> bad;
  for (const auto& e : plan->errors) bad.emplace_back(e.line, e.field);
  CHECK(bad == std::vector<std::pair<int, std::string>>{{3, "category"},
                                                        {4, "acceptedOn"},
                                                        {5, "serialNumber"},
                                                        {6, "serialNumber"},
                                                        {7, "warrantyMonths"},
                                                        {8, ""}});
  CHECK_THAT(plan->errors[3].message, Catch::Contains("duplicates line 2"));
}

TEST_CASE("a header with an unknown column refuses the whole file") {
  auto plan = PlanImport(ImportKind::kCustomers, "name,fax\nACME,123\n");
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.status().reason() == "CSV_UNKNOWN_COLUMN");
  CHECK_THAT(plan.status().message(), Catch::Contains("fax"));
}

TEST_CASE("request ids follow the row's content, not its position") {
  const auto a = RowRequestId(ImportKind::kAssets, {"SN-1", "PK"});
  CHECK(a == RowRequestId(ImportKind::kAssets, {"SN-1", "PK"}));
  CHECK(a != RowRequestId(ImportKind::kAssets, {"SN-1", "PK2"}));
  CHECK(a != RowRequestId(ImportKind::kAssets, {"SN-1,PK"}));
  CHECK(a != RowRequestId(ImportKind::kSites, {"SN-1", "PK"}));
}

}  // namespace
}  // namespace aftersales::ctl

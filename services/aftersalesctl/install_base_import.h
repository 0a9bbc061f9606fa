// `aftersalesctl import customers|sites|assets FILE.csv [--dry-run]`: every
// row is checked before anything is written; bad rows are reported with
// their line numbers and never sent; good rows go to intake's Create* RPCs,
// each with a request id derived from the row's content, so that running the
// same file again creates nothing new.
#pragma once

#include <google/protobuf/message.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "services/common/status.h"

namespace aftersales::ctl {

enum class ImportKind { kCustomers, kSites, kAssets };
// "customers", "sites", "assets"; INVALID_ARGUMENT for anything else.
Result<ImportKind> ParseImportKind(std::string_view word);
std::string_view ImportKindName(ImportKind kind);
// The header an operator writes, in the API's lowerCamelCase names.
std::vector<std::string> ImportColumns(ImportKind kind);

struct RowError {
  int line = 0;
  std::string field;  // lowerCamelCase column, or "" for the whole row
  std::string message;
};

struct PlannedRow {
  int line = 0;
  // intake.v1 CreateCustomerRequest / CreateSiteRequest / CreateAssetRequest,
  // request_id filled in.
  std::unique_ptr<google::protobuf::Message> request;
};

struct ImportPlan {
  ImportKind kind = ImportKind::kAssets;
  std::vector<PlannedRow> rows;  // good rows, in file order
  std::vector<RowError> errors;  // bad rows, by line (a row may have several)
  int bad_rows = 0;
};

// Reads the whole file's text. A header that misses a required column or
// names an unknown one, or text that is not CSV, fails the file
// (INVALID_ARGUMENT); a bad row only lands in errors.
Result<ImportPlan> PlanImport(ImportKind kind, std::string_view csv_text);

// Sends one planned row; answers the created (or, on a repeat, the same)
// record's id, or the service's refusal.
using CreateRecord = std::function<Result<std::string>(const PlannedRow&)>;

struct ImportOutcome {
  struct Created {
    int line = 0;
    std::string id;
  };
  std::vector<Created> created;   // by line
  std::vector<RowError> refused;  // rows the service refused, by line
};

// Sends the rows over `parallel` threads. A refusal of one row does not stop
// the others: each row is one record in one atomic write.
ImportOutcome RunImport(const ImportPlan& plan, const CreateRecord& create, int parallel);

// The request id for a row: the kind plus a 128-bit FNV-1a digest of the
// row's fields (not its line number, so reordering a file changes nothing).
std::string RowRequestId(ImportKind kind, const std::vector<std::string>& fields);

}  // namespace aftersales::ctl

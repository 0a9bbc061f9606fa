// CSV as operators' spreadsheets write it (RFC 4180): comma-separated,
// fields in double quotes may hold commas, quotes ("") and line breaks;
// CRLF or LF line ends; a UTF-8 byte order mark at the start is ignored.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "services/common/status.h"

namespace aftersales::ctl {

struct CsvRecord {
  int line = 0;  // 1-based line on which the record starts, for error reports
  std::vector<std::string> fields;
  std::string raw;  // the record's text as in the file, without its line end
};

// Fails (INVALID_ARGUMENT naming the line) only for text that is not CSV at
// all: a quoted field that never ends, or text right after a closing quote.
// Blank lines are skipped.
Result<std::vector<CsvRecord>> ParseCsv(std::string_view text);

// One field for writing: quoted when it holds a comma, quote, CR or LF, or
// starts with a character a spreadsheet would run as a formula (= + - @),
// which is then prefixed with ' so that an exported symptom cannot run.
std::string CsvField(std::string_view value);
std::string CsvLine(const std::vector<std::string>& fields);

}  // namespace aftersales::ctl

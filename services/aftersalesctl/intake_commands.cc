#include "services/aftersalesctl/intake_commands.h"

#include <google/protobuf/util/time_util.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "aftersales/intake/v1/intake.grpc.pb.h"
#include "services/aftersalesctl/csv.h"
#include "services/aftersalesctl/install_base_import.h"
#include "services/common/grpc/client.h"
#include "services/common/grpc/server.h"
#include "services/common/grpc/status_mapping.h"

namespace aftersales::ctl {
namespace {

namespace iv1 = ::aftersales::intake::v1;
namespace cv1 = ::aftersales::common::v1;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

int Fail(std::ostream& err, const Status& s) {
  err << "aftersalesctl: " << s.ToString() << "\n";
  return s.code() == Code::kInvalidArgument ? kExitUsage : kExitFailed;
}

Result<std::unique_ptr<iv1::IntakeService::Stub>> IntakeFromEnv(EnvConfig& env) {
  const std::string address = env.String("AFTERSALES_INTAKE_ADDR", "127.0.0.1:50051");
  if (Status s = env.Finish(); !s.ok()) return s;
  if (Status s = grpcx::ValidateAddress(address, "AFTERSALES_INTAKE_ADDR"); !s.ok()) return s;
  return iv1::IntakeService::NewStub(grpcx::MakeChannel(address));
}

// One call as the operator, repeated while intake cannot be reached: the
// request carries its request id, so a repeat cannot create twice.
template <typename Method, typename Req, typename Resp>
Status Call(iv1::IntakeService::Stub& stub, Method method, const Req& req, Resp* resp,
            const std::string& request_id) {
  Status s = Status::Ok();
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto ctx = grpcx::NewCallContext(std::chrono::seconds(10), request_id);
    ctx->AddMetadata("x-caller-role", "admin");
    ctx->AddMetadata("x-caller-subject", "aftersalesctl");
    s = grpcx::FromGrpcStatus((stub.*method)(ctx.get(), req, resp));
    if (s.code() != Code::kUnavailable && s.code() != Code::kAborted) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
  }
  return s;
}

std::string Timestamp(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return google::protobuf::util::TimeUtil::ToString(t);
}

}  // namespace

int ImportCommand(const std::vector<std::string>& args, EnvConfig& env, std::ostream& out,
                  std::ostream& err) {
  if (args.size() < 2) {
    return Fail(err, InvalidArgument("IMPORT_USAGE",
                                     "usage: import customers|sites|assets FILE.csv [--dry-run] "
                                     "[--parallel N]"));
  }
  auto kind = ParseImportKind(args[0]);
  if (!kind.ok()) return Fail(err, kind.status());
  bool dry_run = false;
  long long parallel = 8;
  for (size_t i = 2; i < args.size(); ++i) {
    if (args[i] == "--dry-run") {
      dry_run = true;
    } else if (args[i] == "--parallel" && i + 1 < args.size() && ParseInt(args[i + 1], parallel) &&
               parallel >= 1 && parallel <= 64) {
      ++i;
    } else {
      return Fail(err,
                  InvalidArgument("UNEXPECTED_ARGUMENT",
                                  "unexpected \"" + args[i] + "\" (--dry-run, --parallel 1..64)"));
    }
  }
  std::ifstream in(args[1], std::ios::binary);
  if (!in) return Fail(err, InvalidArgument("FILE_UNREADABLE", "cannot read " + args[1]));
  std::stringstream text;
  text << in.rdbuf();
  auto plan = PlanImport(*kind, text.str());
  if (!plan.ok()) return Fail(err, plan.status());

  const std::string what(ImportKindName(*kind));
  for (const RowError& e : plan->errors) {
    out << "line " << e.line << ": " << (e.field.empty() ? "" : e.field + ": ") << e.message
        << "\n";
  }
  out << what << ": " << plan->rows.size() + plan->bad_rows << " rows, " << plan->rows.size()
      << " valid, " << plan->bad_rows << " bad\n";
  if (dry_run) {
    out << "dry run: nothing written\n";
    return plan->errors.empty() ? kExitOk : kExitFailed;
  }
  if (plan->rows.empty()) return plan->errors.empty() ? kExitOk : kExitFailed;

  auto stub = IntakeFromEnv(env);
  if (!stub.ok()) return Fail(err, stub.status());
  std::atomic<int> already{0};
  CreateRecord create = [&](const PlannedRow& row) -> Result<std::string> {
    switch (*kind) {
      case ImportKind::kCustomers: {
        const auto& req = static_cast<const iv1::CreateCustomerRequest&>(*row.request);
        iv1::Customer c;
        Status s =
            Call(**stub, &iv1::IntakeService::Stub::CreateCustomer, req, &c, req.request_id());
        if (!s.ok()) return s;
        return c.id();
      }
      case ImportKind::kSites: {
        const auto& req = static_cast<const iv1::CreateSiteRequest&>(*row.request);
        iv1::Site site;
        Status s =
            Call(**stub, &iv1::IntakeService::Stub::CreateSite, req, &site, req.request_id());
        if (!s.ok()) return s;
        return site.id();
      }
      case ImportKind::kAssets: {
        const auto& req = static_cast<const iv1::CreateAssetRequest&>(*row.request);
        iv1::Asset asset;
        Status s =
            Call(**stub, &iv1::IntakeService::Stub::CreateAsset, req, &asset, req.request_id());
        // After the request ids expired (24 h), a re-run finds the serial
        // taken: the asset is there, which is what the operator wants.
        if (s.code() == Code::kAlreadyExists) {
          ++already;
          return req.serial_number();
        }
        if (!s.ok()) return s;
        return asset.serial_number();
      }
    }
    return Internal("UNKNOWN_KIND", "");
  };
  ImportOutcome outcome = RunImport(*plan, create, static_cast<int>(parallel));
  if (*kind != ImportKind::kAssets) {
    for (const auto& c : outcome.created) out << "line " << c.line << ": " << c.id << "\n";
  }
  for (const RowError& e : outcome.refused) {
    out << "line " << e.line << ": refused by intake: " << e.message << "\n";
  }
  out << "imported " << outcome.created.size() << " (already present " << already.load()
      << "), refused " << outcome.refused.size() << ", bad " << plan->bad_rows << "\n";
  return plan->errors.empty() && outcome.refused.empty() ? kExitOk : kExitFailed;
}

int ExportCommand(const std::vector<std::string>& args, EnvConfig& env, std::ostream& out,
                  std::ostream& err) {
  if (args.size() < 2 || args[0] != "tickets") {
    return Fail(err,
                InvalidArgument("EXPORT_USAGE",
                                "usage: export tickets FILE.csv [--status S] [--customer ID]"));
  }
  iv1::ListTicketsRequest list;
  list.set_page_size(500);
  for (size_t i = 2; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) {
      return Fail(err, InvalidArgument("MISSING_VALUE", args[i] + " needs a value"));
    }
    if (args[i] == "--status") {
      iv1::Ticket::Status st;
      if (!iv1::Ticket::Status_Parse(args[i + 1], &st) || st == 0) {
        return Fail(err, InvalidArgument("INVALID_STATUS", "unknown status " + args[i + 1]));
      }
      list.set_status(st);
    } else if (args[i] == "--customer") {
      list.set_customer_id(args[i + 1]);
    } else {
      return Fail(err, InvalidArgument("UNKNOWN_FLAG", "unknown flag " + args[i]));
    }
  }
  auto stub = IntakeFromEnv(env);
  if (!stub.ok()) return Fail(err, stub.status());

  const std::string path = args[1];
  const std::string tmp = path + ".tmp";
  std::ofstream file;
  if (path != "-") {
    file.open(tmp, std::ios::binary | std::ios::trunc);
    if (!file) return Fail(err, InvalidArgument("FILE_UNWRITABLE", "cannot write " + tmp));
  }
  std::ostream& csv = path == "-" ? out : file;
  csv << CsvLine({"number", "kind", "status", "severity", "customerId", "siteId", "assetSerial",
                  "channel", "contactName", "contactPhone", "symptoms", "warrantyCovered",
                  "warrantyBasis", "workOrderId", "reopenCount", "createTime", "updateTime"});
  size_t rows = 0;
  std::string token;
  const std::string request_id = "aftersalesctl-export";
  do {
    list.set_page_token(token);
    iv1::ListTicketsResponse page;
    Status s = Call(**stub, &iv1::IntakeService::Stub::ListTickets, list, &page, request_id);
    if (!s.ok()) {
      if (path != "-") {
        file.close();
        std::remove(tmp.c_str());
      }
      return Fail(err, s);
    }
    for (const iv1::Ticket& t : page.tickets()) {
      csv << CsvLine(
          {t.number(), cv1::TicketKind_Name(t.kind()), iv1::Ticket::Status_Name(t.status()),
           cv1::Severity_Name(t.severity()), t.customer_id(), t.site_id(), t.asset_serial(),
           iv1::Channel_Name(t.channel()), t.contact_name(), t.contact_phone(), t.symptoms(),
           t.warranty().covered() ? "true" : "false", cv1::WarrantyBasis_Name(t.warranty().basis()),
           t.work_order_id(), std::to_string(t.reopen_count()), Timestamp(t.create_time()),
           Timestamp(t.update_time())});
      ++rows;
    }
    token = page.next_page_token();
  } while (!token.empty());
  if (path != "-") {
    file.close();
    if (!file || std::rename(tmp.c_str(), path.c_str()) != 0) {
      std::remove(tmp.c_str());
      return Fail(err, Internal("EXPORT_NOT_WRITTEN", "could not write " + path));
    }
    out << "exported " << rows << " tickets to " << path << "\n";
  }
  return kExitOk;
}

}  // namespace aftersales::ctl

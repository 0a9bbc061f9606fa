// CSV import and export against the real intake process and a real
// redis-server: 10,000 assets with 10 bad rows, a dry run, a re-run, and the
// tickets back out as CSV.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "aftersales/intake/v1/intake.grpc.pb.h"
#include "services/aftersalesctl/cli.h"
#include "services/aftersalesctl/csv.h"
#include "services/common/grpc/client.h"
#include "services/common/grpc/status_mapping.h"
#include "services/common/redis/pool.h"
#include "tests/support/child_process.h"
#include "tests/support/redis_server.h"

namespace aftersales::ctl {
namespace {

namespace iv1 = ::aftersales::intake::v1;
namespace cv1 = ::aftersales::common::v1;
using ::aftersales::testing::ChildProcess;
using ::aftersales::testing::FreePort;

struct Run {
  int code;
  std::string out;
  std::string err;
};

class IntakeFixture {
 public:
  IntakeFixture() : grpc_port_(FreePort()), dir_(testing::MakeTempDir("ctl-import")) {
    intake_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{testing::BinDir() + "/intake"},
        std::map<std::string, std::string>{{"AFTERSALES_REDIS_PORT", std::to_string(redis_.port())},
                                           {"AFTERSALES_GRPC_PORT", std::to_string(grpc_port_)},
                                           {"AFTERSALES_METRICS_PORT", std::to_string(FreePort())},
                                           {"AFTERSALES_CONSUMER_NAME", "intake-ctl-test"}},
        dir_ + "/intake.log");
    REQUIRE(testing::WaitForPort(grpc_port_, std::chrono::seconds(20)));
    redis::RedisOptions options;
    options.port = redis_.port();
    auto pool = redis::RedisPool::Create(options);
    REQUIRE(pool.ok());
    pool_ = std::move(*pool);
  }
  ~IntakeFixture() {
    intake_.reset();
    testing::RemoveTree(dir_);
  }

  Run Cli(const std::vector<std::string>& args) {
    EnvConfig env =
        EnvConfig::FromMap({{"AFTERSALES_INTAKE_ADDR", "127.0.0.1:" + std::to_string(grpc_port_)}});
    SystemClock clock;
    std::ostringstream out, err;
    int code = RunCli(args, env, clock, out, err);
    return {code, out.str(), err.str()};
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream f(dir_ + "/" + name, std::ios::binary);
    f << text;
    return dir_ + "/" + name;
  }
  std::string dir() const { return dir_; }
  int grpc_port() const { return grpc_port_; }
  // Keys matching pattern, counted with SCAN (bounded: the test's data set).
  int Count(const std::string& pattern) {
    int n = 0;
    std::string cursor = "0";
    do {
      auto reply = pool_->Command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
      REQUIRE(reply.ok());
      cursor = (*reply)[0].string();
      n += static_cast<int>((*reply)[1].size());
    } while (cursor != "0");
    return n;
  }

 private:
  testing::RedisServer redis_{/*appendonly=*/false};
  int grpc_port_;
  std::string dir_;
  std::unique_ptr<ChildProcess> intake_;
  redis::RedisPoolPtr pool_;
};

// "line 2: <id>" -> id
std::string IdOnLine(const std::string& out, int line) {
  std::string prefix = "line ";
  prefix += std::to_string(line);
  prefix += ": ";
  auto at = out.find(prefix);
  if (at == std::string::npos) return "";
  auto end = out.find('\n', at);
  return out.substr(at + prefix.size(), end - at - prefix.size());
}

TEST_CASE("10,000 assets with 10 bad rows: 9,990 in, 10 reported by line, a re-run adds nothing") {
  IntakeFixture f;
  Run customers =
      f.Cli({"import", "customers",
             f.Write("customers.csv",
                     "name,contactName,contactPhone,email\n"
                     "\"Shanghai Parking, Ltd\",Wang Wei,+86 21 5555 0100,ops@sp.cn\n")});
  INFO(customers.out << customers.err);
  REQUIRE(customers.code == 0);
  const std::string customer_id = IdOnLine(customers.out, 2);
  REQUIRE_FALSE(customer_id.empty());
  Run sites =
      f.Cli({"import", "sites",
             f.Write("sites.csv", "customerId,name,address,zone,branch,latitude,longitude\n" +
                                      customer_id +
                                      ",Pudong car park,Pudong,CITY,shanghai,31.2,121.5\n")});
  INFO(sites.out << sites.err);
  REQUIRE(sites.code == 0);
  const std::string site_id = IdOnLine(sites.out, 2);
  REQUIRE_FALSE(site_id.empty());

  // Rows 2..10001; ten of them bad in ten different ways.
  std::map<int, std::string> bad = {
      {17, "AS-X,PK-9000,ROCKET," + site_id + ",2026-01-05,12"},
      {480, "AS-X,PK-9000,MAINFRAME," + site_id + ",2026-13-01,12"},
      {1999, ",PK-9000,MAINFRAME," + site_id + ",2026-01-05,12"},
      {2500, "AS-00002,PK-9000,MAINFRAME," + site_id + ",2026-01-05,12"},  // duplicate of line 2
      {3333, "AS-X,PK-9000,MAINFRAME," + site_id + ",2026-01-05,twelve"},
      {4000, "AS-X,,MAINFRAME," + site_id + ",2026-01-05,12"},
      {5555, "AS-X,PK-9000,MAINFRAME,,2026-01-05,12"},
      {7001, "AS-X,PK-9000,MAINFRAME," + site_id + ",2026-01-05"},
      {8888, "AS-X Y,PK-9000,MAINFRAME," + site_id + ",2026-01-05,12"},
      {10001, "AS-X,PK-9000,MAINFRAME," + site_id + ",2025-02-29,-1"},
  };
  std::string csv = "serialNumber,model,category,siteId,acceptedOn,warrantyMonths\n";
  for (int line = 2; line <= 10001; ++line) {
    auto it = bad.find(line);
    if (it != bad.end()) {
      csv += it->second + "\n";
      continue;
    }
    char serial[16];
    std::snprintf(serial, sizeof serial, "AS-%05d", line);
    csv += std::string(serial) + ",PK-9000,TERMINAL," + site_id + ",2026-01-05,12\n";
  }
  const std::string path = f.Write("assets.csv", csv);

  Run dry = f.Cli({"import", "assets", path, "--dry-run"});
  CHECK(dry.code == 1);
  CHECK_THAT(dry.out, Catch::Contains("assets: 10000 rows, 9990 valid, 10 bad"));
  CHECK_THAT(dry.out, Catch::Contains("dry run: nothing written"));
  CHECK(f.Count("{intake}:asset:AS-*") == 0);

  Run real = f.Cli({"import", "assets", path, "--parallel", "16"});
  INFO(real.err);
  CHECK(real.code == 1);
  for (const auto& [line, row] : bad) {
    std::string needle = "line ";
    needle += std::to_string(line);
    needle += ": ";
    CHECK_THAT(real.out, Catch::Contains(needle));
  }
  CHECK_THAT(real.out, Catch::Contains("line 2500: serialNumber: duplicates line 2"));
  CHECK_THAT(real.out, Catch::Contains("imported 9990 (already present 0), refused 0, bad 10"));
  CHECK(f.Count("{intake}:asset:AS-*") == 9990);

  // Nothing of a bad row reached intake, and the good rows are whole.
  auto stub =
      iv1::IntakeService::NewStub(grpcx::MakeChannel("127.0.0.1:" + std::to_string(f.grpc_port())));
  auto get = [&](const std::string& serial, iv1::Asset* asset) {
    auto ctx = grpcx::NewCallContext(std::chrono::seconds(5), "t");
    ctx->AddMetadata("x-caller-role", "admin");
    ctx->AddMetadata("x-caller-subject", "t");
    iv1::GetAssetRequest req;
    req.set_serial_number(serial);
    return grpcx::FromGrpcStatus(stub->GetAsset(ctx.get(), req, asset));
  };
  iv1::Asset asset;
  CHECK(get("AS-X", &asset).code() == Code::kNotFound);
  REQUIRE(get("AS-00003", &asset).ok());
  CHECK(asset.model() == "PK-9000");
  CHECK(asset.category() == cv1::TERMINAL);
  CHECK(asset.site_id() == site_id);

  // The same file again: the request ids replay, nothing new is made.
  Run again = f.Cli({"import", "assets", path});
  CHECK(again.code == 1);
  CHECK_THAT(again.out, Catch::Contains("bad 10"));
  CHECK(f.Count("{intake}:asset:AS-*") == 9990);
  Run customers_again = f.Cli({"import", "customers", f.dir() + "/customers.csv"});
  CHECK(customers_again.code == 0);
  CHECK(IdOnLine(customers_again.out, 2) == customer_id);
}

TEST_CASE("a file that is not the kind's CSV is refused before anything is sent") {
  IntakeFixture f;
  Run r = f.Cli({"import", "customers", f.Write("c.csv", "name,fax\nACME,1\n")});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("fax"));
  CHECK(f.Count("{intake}:customer:*") == 0);
  Run missing = f.Cli({"import", "customers", f.dir() + "/nope.csv"});
  CHECK(missing.code == 2);
  CHECK_THAT(missing.err, Catch::Contains("nope.csv"));
}

TEST_CASE("export tickets writes every ticket as CSV that reads back") {
  IntakeFixture f;
  Run customers = f.Cli({"import", "customers",
                         f.Write("c.csv", "name,contactName,contactPhone\nACME,Li,13800138000\n")});
  REQUIRE(customers.code == 0);
  const std::string customer_id = IdOnLine(customers.out, 2);
  Run sites =
      f.Cli({"import", "sites",
             f.Write("s.csv", "customerId,name,zone,branch\n" + customer_id + ",Depot,CITY,bj\n")});
  REQUIRE(sites.code == 0);
  const std::string site_id = IdOnLine(sites.out, 2);
  Run assets =
      f.Cli({"import", "assets",
             f.Write("a.csv", "serialNumber,model,category,siteId,acceptedOn\nT-1,PK,TERMINAL," +
                                  site_id + ",2026-01-05\nT-2,PK,TERMINAL," + site_id +
                                  ",2026-01-05\n")});
  REQUIRE(assets.code == 0);
  auto stub =
      iv1::IntakeService::NewStub(grpcx::MakeChannel("127.0.0.1:" + std::to_string(f.grpc_port())));
  std::set<std::string> numbers;
  for (const char* serial : {"T-1", "T-2"}) {
    iv1::CreateTicketRequest ct;
    ct.set_customer_id(customer_id);
    ct.set_site_id(site_id);
    ct.set_asset_serial(serial);
    ct.set_kind(cv1::FAULT);
    ct.set_channel(iv1::HOTLINE);
    ct.set_contact_name("Li");
    ct.set_contact_phone("13800138000");
    ct.set_symptoms("screen black, \"error 7\"\nafter reboot");
    ct.set_impact(iv1::SYSTEM_DOWN);
    ct.set_request_id(serial);
    auto ctx = grpcx::NewCallContext(std::chrono::seconds(5), serial);
    ctx->AddMetadata("x-caller-role", "agent");
    ctx->AddMetadata("x-caller-subject", "t");
    iv1::Ticket t;
    REQUIRE(grpcx::FromGrpcStatus(stub->CreateTicket(ctx.get(), ct, &t)).ok());
    numbers.insert(t.number());
  }
  const std::string path = f.dir() + "/tickets.csv";
  Run exported = f.Cli({"export", "tickets", path});
  INFO(exported.err);
  REQUIRE(exported.code == 0);
  CHECK_THAT(exported.out, Catch::Contains("exported 2 tickets"));
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto records = ParseCsv(text.str());
  REQUIRE(records.ok());
  REQUIRE(records->size() == 3);
  CHECK((*records)[0].fields[0] == "number");
  std::set<std::string> seen;
  for (size_t i = 1; i < records->size(); ++i) {
    const auto& fields = (*records)[i].fields;
    REQUIRE(fields.size() == 17);
    seen.insert(fields[0]);
    CHECK(fields[2] == "OPEN");
    CHECK(fields[10] == "screen black, \"error 7\"\nafter reboot");
  }
  CHECK(seen == numbers);
  CHECK_FALSE(std::ifstream(path + ".tmp").good());
}

}  // namespace
}  // namespace aftersales::ctl

// aftersales-demo against the real platform: the demo data set arrives
// through the gateway in full, and a second run adds nothing.
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "tests/e2e/platform.h"
#include "tests/journeys/journey_client.h"
#include "tests/support/child_process.h"

namespace aftersales::journeys {
namespace {

using testing::kPlatformJwtSecret;

struct Counts {
  size_t engineers = 0, available = 0, locations = 0, vans = 0, depot_levels = 0, articles = 0;
  double depot_on_hand = 0;
  bool operator==(const Counts&) const = default;
};

Counts Count(const Caller& admin) {
  Counts c;
  Reply engineers = admin.Get("/v1/engineers?pageSize=500");
  INFO(Describe(engineers));
  REQUIRE(engineers.status == 200);
  c.engineers = engineers.json.Array("engineers").size();
  c.available =
      admin.Get("/v1/engineers?state=AVAILABLE&pageSize=500").json.Array("engineers").size();
  Reply locations = admin.Get("/v1/locations?pageSize=500");
  INFO(Describe(locations));
  REQUIRE(locations.status == 200);
  c.locations = locations.json.Array("locations").size();
  c.vans = admin.Get("/v1/locations?type=VAN&pageSize=500").json.Array("locations").size();
  Reply depot = admin.Get("/v1/stock?location=depot-shanghai&pageSize=500");
  INFO(Describe(depot));
  for (const Json& level : depot.json.Array("levels")) {
    ++c.depot_levels;
    c.depot_on_hand += level.Num("onHand");
  }
  Reply articles = admin.Get("/v1/knowledge/articles?q=parking");
  INFO(Describe(articles));
  c.articles = articles.json.Array("articles").size();
  return c;
}

TEST_CASE("aftersales-demo loads the demo through the gateway and a second run creates nothing",
          "[demo]") {
  testing::Platform platform;
  INFO("platform logs in " << platform.log_dir());
  const int port = platform.gateway().http_port;
  const std::map<std::string, std::string> env = {{"AFTERSALES_GATEWAY_PORT", std::to_string(port)},
                                                  {"AFTERSALES_JWT_SECRET", kPlatformJwtSecret}};
  const std::string demo = testing::BinDir() + "/aftersales-demo";

  auto [status, output] = testing::RunToExit(demo, env, std::chrono::seconds(150));
  INFO(output);
  REQUIRE(status != -1);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_THAT(output, Catch::Contains("demo loaded: 50 customers, 100 sites, 500 assets, "
                                     "30 engineers, 35 locations, 9 parts"));
  CHECK_THAT(output,
             Catch::Contains("records created: 732, already there (replayed): 0, failed: 0"));
  CHECK_THAT(output, Catch::Contains("curl -s -X POST"));

  Caller admin(port, Token(kPlatformJwtSecret, "admin", "demo-check"));
  Counts first = Count(admin);
  CHECK(first.engineers == 30);
  CHECK(first.available == 20);
  CHECK(first.locations == 35);  // head-office depot, 4 branch stores, 30 vans
  CHECK(first.vans == 30);
  CHECK(first.depot_levels == 9);
  CHECK(first.articles >= 4);  // tagged parking, in Chinese and English
  Reply chinese = admin.Get("/v1/knowledge/articles?q=%E9%81%93%E9%97%B8");  // 道闸
  INFO(Describe(chinese));
  CHECK(chinese.json.Str("articles[0].title") == "道闸不抬杆：控制器复位");
  Reply english = admin.Get("/v1/knowledge/articles?q=barrier");
  INFO(Describe(english));
  CHECK(english.json.Str("articles[0].title") == "Barrier arm does not lift");
  // An asset in and one out of warranty, by their serials.
  size_t covered = 0, not_covered = 0;
  for (int n = 10000; n < 10040; ++n) {
    std::string serial = n % 8 == 0 ? "PK-9000-" : "";
    if (serial.empty()) continue;
    serial += std::to_string(n);
    Reply asset = admin.Get("/v1/assets/" + serial);
    INFO(Describe(asset));
    CHECK(asset.status == 200);
    (asset.json.Bool("warranty.covered") ? covered : not_covered) += 1;
  }
  CHECK(covered + not_covered == 5);

  // Loaded already: left alone, and the curl examples still printed.
  auto [skip_status, skipped] = testing::RunToExit(demo, env, std::chrono::seconds(30));
  INFO(skipped);
  CHECK(WIFEXITED(skip_status));
  CHECK(WEXITSTATUS(skip_status) == 0);
  CHECK_THAT(skipped, Catch::Contains("demo already loaded"));
  CHECK_THAT(skipped, Catch::Contains("/v1/tickets -d '{\"customerId\":\""));

  // Every item replayed with its Idempotency-Key / X-Request-Id.
  auto forced_env = env;
  forced_env["AFTERSALES_DEMO_FORCE"] = "true";
  auto [again_status, again] = testing::RunToExit(demo, forced_env, std::chrono::seconds(150));
  INFO(again);
  CHECK(WIFEXITED(again_status));
  CHECK(WEXITSTATUS(again_status) == 0);
  CHECK_THAT(again,
             Catch::Contains("records created: 0, already there (replayed): 732, failed: 0"));
  Counts second = Count(admin);
  CHECK(second == first);  // nothing new, and no stock received twice
}

}  // namespace
}  // namespace aftersales::journeys

// aftersales-demo: loads a realistic demo into a running platform through
// the gateway's public HTTP API, as an enterprise backend would.
//
//   aftersales-demo [--port 8080] [--token JWT | --jwt-secret S] [--seed N] [--force]
//
// The token comes from --token or AFTERSALES_DEMO_TOKEN; without one, an
// admin token is minted with --jwt-secret or AFTERSALES_JWT_SECRET. The
// gateway port defaults to AFTERSALES_GATEWAY_PORT, else 8080 (127.0.0.1).
// AFTERSALES_DEMO_FORCE=true is --force.
//
// Deterministic: the same seed gives the same data, byte for byte. Every
// create carries an Idempotency-Key naming the item and every other write
// an X-Request-Id naming it, so a second run (within the gateway's 24 h
// idempotency window) creates nothing and moves no stock; the summary says
// how many records were new and how many were replayed. Without --force a
// platform that already holds the demo's last asset is left alone.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "tests/journeys/journey_client.h"

namespace aftersales::journeys {
namespace {

// splitmix64: unlike std:: distributions, the same on every standard library.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int Below(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(Below(static_cast<int>(v.size())))];
  }
  // Uniform in [lo, hi).
  double Between(double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(Next() >> 11) / 9007199254740992.0;
  }

 private:
  uint64_t state_;
};

struct Branch {
  std::string id, city, district_prefix;
  double lat, lng;
};

const std::vector<Branch>& Branches() {
  static const std::vector<Branch> b = {
      {"shanghai", "上海市", "浦东新区", 31.2304, 121.4737},
      {"suzhou", "苏州市", "工业园区", 31.2990, 120.5853},
      {"hangzhou", "杭州市", "西湖区", 30.2741, 120.1551},
      {"nanjing", "南京市", "鼓楼区", 32.0603, 118.7969},
  };
  return b;
}

const std::vector<std::string> kSurnames = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵",
                                            "吴", "周", "徐", "孙", "马", "朱", "胡", "郭"};
const std::vector<std::string> kGiven = {"伟", "芳", "娜", "敏", "静", "强", "磊", "军",
                                         "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英"};
const std::vector<std::string> kTrades = {"停车场管理",   "物业服务", "商业广场", "医院后勤",
                                          "交通枢纽运营", "智慧园区", "酒店管理", "会展中心"};
const std::vector<std::string> kStreets = {"人民路", "解放路", "中山路", "建设路",   "长江路",
                                           "和平路", "新华路", "学府路", "滨江大道", "科技路"};
const std::vector<std::string> kSiteKinds = {"地下停车场", "地面停车场", "园区出入口",
                                             "P1停车库",   "东门岗亭",   "货运通道"};

struct Model {
  std::string name, category, skill;
};
const std::vector<Model> kModels = {
    {"PK-9000", "MAINFRAME", "parking"},  {"PK-7000", "MAINFRAME", "parking"},
    {"AC-500", "CONTROLLER", "access"},   {"AC-520", "CONTROLLER", "access"},
    {"PY-T10", "TERMINAL", "payment"},    {"PY-T20", "TERMINAL", "payment"},
    {"CAM-LPR4", "ACCESSORY", "parking"}, {"RL-TICKET", "CONSUMABLE", "payment"},
};

struct Part {
  std::string sku, name, model, category;
  bool critical;
  long cost, sale;
};
const std::vector<Part> kParts = {
    {"BRK-PK9", "道闸刹车片", "PK-9000", "ACCESSORY", false, 12000, 18000},
    {"MTR-PK9", "道闸电机", "PK-9000", "MAINFRAME", true, 98000, 145000},
    {"BRD-PK7", "主控板 PK-7000", "PK-7000", "MAINFRAME", true, 156000, 220000},
    {"RDR-AC5", "IC 卡读头", "AC-500", "CONTROLLER", false, 23000, 34000},
    {"PSU-AC5", "控制器电源模块", "AC-520", "CONTROLLER", false, 15000, 23000},
    {"SCR-PYT", "缴费终端触摸屏", "PY-T10", "TERMINAL", false, 64000, 92000},
    {"PRN-PYT", "小票打印机芯", "PY-T20", "TERMINAL", false, 31000, 45000},
    {"LNS-LPR", "车牌识别镜头", "CAM-LPR4", "ACCESSORY", false, 42000, 61000},
    {"ROL-TKT", "热敏票据纸 (箱)", "RL-TICKET", "CONSUMABLE", false, 8000, 12000},
};

struct Article {
  std::string title, symptoms, solution, models, tags;
};
const std::vector<Article> kArticles = {
    {"道闸不抬杆：控制器复位", "道闸不抬杆，指示灯常亮",
     "断电 30 秒后重启控制器；仍不抬杆则检查刹车片", R"(["PK-9000","PK-7000"])",
     R"(["道闸","parking"])"},
    {"Barrier arm does not lift", "arm stays down, controller LED solid",
     "Power-cycle the controller for 30 s; if it persists, check the brake pad",
     R"(["PK-9000","PK-7000"])", R"(["barrier","parking"])"},
    {"车牌识别率下降", "夜间识别失败，图像模糊", "清洁镜头并检查补光灯；调整曝光参数",
     R"(["CAM-LPR4"])", R"(["车牌识别","parking"])"},
    {"Licence plate camera misreads at night", "blurred images after dark",
     "Clean the lens, check the IR lamp, lower the exposure time", R"(["CAM-LPR4"])",
     R"(["camera","parking"])"},
    {"缴费终端黑屏", "终端触摸屏无显示", "检查电源适配器；重新插拔屏幕排线",
     R"(["PY-T10","PY-T20"])", R"(["缴费","payment"])"},
    {"Payment terminal prints blank receipts", "receipts come out empty",
     "The thermal roll is inserted the wrong way round: turn it over", R"(["PY-T20","RL-TICKET"])",
     R"(["printer","payment"])"},
    {"门禁刷卡无反应", "刷卡后无提示音，门不开", "检查读头接线与控制器电源模块；更换读头",
     R"(["AC-500","AC-520"])", R"(["门禁","access"])"},
    {"Access controller offline", "controller shows offline in the console",
     "Check the network cable and the controller's power module; reboot", R"(["AC-500","AC-520"])",
     R"(["access","network"])"},
};

class Loader {
 public:
  Loader(int port, std::string token, uint64_t seed)
      : port_(port), api_(port, std::move(token)), random_(seed) {}

  int Run(bool force) {
    // The last asset is written last: when it is there, so is everything
    // else, even after the gateway's 24 h idempotency window has passed
    // (when replaying would duplicate the records with server-made ids).
    if (!force && api_.Get("/v1/assets/" + AssetSerial(kAssets - 1)).status == 200) {
      std::printf("demo already loaded (asset %s exists); --force replays every item\n",
                  AssetSerial(kAssets - 1).c_str());
      PrintExamples();
      return 0;
    }
    LoadLocationsAndParts();
    LoadEngineers();
    LoadCustomers();
    LoadArticles();
    std::printf(
        "demo loaded: %d customers, %d sites, %d assets, %d engineers, %d locations, %d parts, "
        "%d stock lines, %d articles\n",
        customers_, sites_, assets_, engineers_, locations_, parts_, stock_lines_, articles_);
    std::printf("records created: %d, already there (replayed): %d, failed: %d\n", created_,
                replayed_, failed_);
    if (failed_ == 0) PrintExamples();
    return failed_ == 0 ? 0 : 1;
  }

  static constexpr int kAssets = 500;

  static std::string AssetSerial(int n) {
    const Model& m = kModels[static_cast<size_t>(n % static_cast<int>(kModels.size()))];
    char serial[40];
    std::snprintf(serial, sizeof serial, "%s-%05d", m.name.c_str(), 10000 + n);
    return serial;
  }

  // Three ready-to-paste commands against the first demo asset.
  void PrintExamples() {
    Reply asset = api_.Get("/v1/assets/" + AssetSerial(0));
    if (asset.status != 200) return;
    const std::string url = "http://127.0.0.1:" + std::to_string(port_);
    std::printf(
        "\nTry (with TOKEN set to an admin or agent token):\n"
        "  curl -s -X POST -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' "
        "%s/v1/tickets -d '{\"customerId\":\"%s\",\"siteId\":\"%s\",\"assetSerial\":\"%s\","
        "\"kind\":\"FAULT\",\"channel\":\"HOTLINE\",\"contactName\":\"王伟\","
        "\"contactPhone\":\"13800138000\",\"symptoms\":\"道闸不抬杆\",\"impact\":\"SYSTEM_DOWN\"}'"
        "\n"
        "  curl -s -H \"Authorization: Bearer $TOKEN\" %s/v1/tickets/NUMBER   "
        "# NUMBER from the answer above\n"
        "  curl -s -H \"Authorization: Bearer $TOKEN\" %s/v1/workorders\n",
        url.c_str(), asset.json.Str("customerId").c_str(), asset.json.Str("siteId").c_str(),
        AssetSerial(0).c_str(), url.c_str(), url.c_str());
  }

 private:
  // A write, retried on 429 (after Retry-After) and 503; returns the answer.
  Reply Write(const std::string& target, const std::string& body, const std::string& key,
              bool create) {
    Reply r;
    for (int attempt = 0; attempt < 20; ++attempt) {
      r = api_.Post(target, body, create ? "demo-" + key : "", "demo-" + key);
      if (r.status != 429 && r.status != 503 && r.status != 0) break;
      int wait_ms = 200;
      if (!r.retry_after.empty()) wait_ms = 1000 * std::max(1, std::atoi(r.retry_after.c_str()));
      std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    }
    if (create && r.status == 409 && r.json.Str("error.status") == "ALREADY_EXISTS") {
      // Loaded before, outside the idempotency window: a record with the
      // same client-chosen id (location, part, asset) is already there.
      ++replayed_;
      r.status = 200;
    } else if (r.status / 100 != 2) {
      ++failed_;
      std::fprintf(stderr, "failed: %s\n", Describe(r).c_str());
    } else if (create) {
      r.replayed ? ++replayed_ : ++created_;
    }
    return r;
  }

  std::string PersonName() { return random_.Pick(kSurnames) + random_.Pick(kGiven); }
  std::string Phone() {
    std::string p = "13";
    for (int i = 0; i < 9; ++i) p += static_cast<char>('0' + random_.Below(10));
    return p;
  }
  std::string Money(long minor) {
    std::string s = R"({"currencyCode":"CNY","minorUnits":")";
    s += std::to_string(minor);
    s += "\"}";
    return s;
  }
  std::string Fixed(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.5f", v);
    return buf;
  }

  void LoadLocationsAndParts() {
    // The head office in Shanghai holds the depot; every branch its store.
    std::vector<std::string> stores = {"depot-shanghai"};
    if (Write("/v1/locations",
              R"({"id":"depot-shanghai","name":"总部中心库","type":"DEPOT","branch":"shanghai"})",
              "location-depot-shanghai", true)
                .status /
            100 ==
        2) {
      ++locations_;
    }
    for (const auto& b : Branches()) {
      std::string id = "branch-";
      id += b.id;
      std::string body = R"({"id":)" + Q(id) + R"(,"name":)" + Q(b.city + "分公司备件库") +
                         R"(,"type":"BRANCH","branch":)" + Q(b.id) + "}";
      if (Write("/v1/locations", body, "location-" + id, true).status / 100 == 2) ++locations_;
      stores.push_back(id);
    }
    for (const auto& p : kParts) {
      std::string body = R"({"sku":)" + Q(p.sku) + R"(,"name":)" + Q(p.name) + R"(,"model":)" +
                         Q(p.model) + R"(,"category":)" + Q(p.category) + R"(,"critical":)" +
                         (p.critical ? "true" : "false") + R"(,"costPrice":)" + Money(p.cost) +
                         R"(,"salePrice":)" + Money(p.sale) + R"(,"warrantyMonths":3})";
      if (Write("/v1/parts", body, "part-" + p.sku, true).status / 100 == 2) ++parts_;
      for (const auto& store : stores) {
        int quantity = store == "depot-shanghai" ? 40 + random_.Below(60) : 5 + random_.Below(15);
        Receive(store, p.sku, quantity);
      }
    }
  }

  void Receive(const std::string& location, const std::string& sku, int quantity) {
    std::string body = R"({"location":)" + Q(location) + R"(,"sku":)" + Q(sku) + R"(,"quantity":)" +
                       std::to_string(quantity) + "}";
    if (Write("/v1/stock:receive", body, "receive-" + location + "-" + sku, false).status / 100 ==
        2) {
      ++stock_lines_;
    }
  }

  void LoadEngineers() {
    const std::vector<std::string> skills = {"parking", "access", "payment"};
    for (int i = 0; i < 30; ++i) {
      const Branch& b = Branches()[static_cast<size_t>(i % 4)];
      std::string name = PersonName();
      std::string skill_list = "[" + Q(skills[static_cast<size_t>(i % 3)]);
      if (i % 2 == 0) skill_list += "," + Q(skills[static_cast<size_t>((i + 1) % 3)]);
      skill_list += "]";
      std::string zones =
          i % 3 == 0 ? R"(["CITY","SUBURB"])" : (i % 3 == 1 ? R"(["CITY"])" : R"(["SUBURB"])");
      std::string body = R"({"name":)" + Q(name) + R"(,"phone":)" + Q(Phone()) + R"(,"branch":)" +
                         Q(b.id) + R"(,"skills":)" + skill_list + R"(,"zones":)" + zones +
                         R"(,"maxConcurrentJobs":)" + std::to_string(2 + i % 3) + "}";
      std::string key = "engineer-";
      key += std::to_string(i);
      Reply r = Write("/v1/engineers", body, key, true);
      if (r.status / 100 != 2) continue;
      ++engineers_;
      const std::string id = r.json.Str("id");
      // Two thirds on duty, spread around their branch's city.
      double lat = b.lat + random_.Between(-0.08, 0.08);
      double lng = b.lng + random_.Between(-0.08, 0.08);
      std::string state = i % 3 == 2 ? "OFF_DUTY" : "AVAILABLE";
      Write("/v1/engineers/" + id + ":setStatus",
            R"({"state":")" + state + R"(","latitude":)" + Fixed(lat) + R"(,"longitude":)" +
                Fixed(lng) + "}",
            key + "-status", false);
      // Every engineer's van carries a few of the common parts.
      std::string van = "van-";
      van += id;
      std::string van_body = R"({"id":)" + Q(van) + R"(,"name":)" + Q(name + "的工程车") +
                             R"(,"type":"VAN","branch":)" + Q(b.id) + R"(,"engineerId":)" + Q(id) +
                             "}";
      if (Write("/v1/locations", van_body, "location-" + van, true).status / 100 == 2) {
        ++locations_;
      }
      for (const char* sku : {"BRK-PK9", "RDR-AC5", "ROL-TKT"}) Receive(van, sku, 2 + i % 3);
    }
  }

  void LoadCustomers() {
    int asset_no = 0;
    for (int c = 0; c < 50; ++c) {
      const Branch& b = Branches()[static_cast<size_t>(c % 4)];
      std::string contact = PersonName();
      std::string name = b.city.substr(0, b.city.size() - 3) + random_.Pick(kSurnames) +
                         random_.Pick(kGiven) + random_.Pick(kTrades) + "有限公司";
      std::string body = R"({"name":)" + Q(name) + R"(,"contactName":)" + Q(contact) +
                         R"(,"contactPhone":)" + Q(Phone()) + R"(,"email":)" +
                         Q("service" + std::to_string(c) + "@customer.example.cn") + "}";
      std::string key = "customer-";
      key += std::to_string(c);
      Reply customer = Write("/v1/customers", body, key, true);
      if (customer.status / 100 != 2) continue;
      ++customers_;
      const std::string customer_id = customer.json.Str("id");
      // 1, 2 or 3 sites; the last customer a third to make 100 sites.
      const int site_count = c == 49 ? 3 : 1 + c % 3;
      for (int s = 0; s < site_count; ++s) {
        const bool city = (c + s) % 3 != 2;
        double radius = city ? 0.05 : 0.25;
        std::string address = b.city + (city ? b.district_prefix : "郊区") +
                              random_.Pick(kStreets) + std::to_string(1 + random_.Below(999)) +
                              "号";
        std::string site_body =
            R"({"name":)" + Q(random_.Pick(kSiteKinds)) + R"(,"address":)" + Q(address) +
            R"(,"zone":)" + (city ? "\"CITY\"" : "\"SUBURB\"") + R"(,"branch":)" + Q(b.id) +
            R"(,"latitude":)" + Fixed(b.lat + random_.Between(-radius, radius)) +
            R"(,"longitude":)" + Fixed(b.lng + random_.Between(-radius, radius)) + "}";
        std::string site_key = key + "-site-" + std::to_string(s);
        Reply site = Write("/v1/customers/" + customer_id + "/sites", site_body, site_key, true);
        if (site.status / 100 != 2) continue;
        ++sites_;
        const std::string site_id = site.json.Str("id");
        // 500 assets over the 100 sites: 5 each.
        for (int a = 0; a < 5; ++a) LoadAsset(site_id, asset_no++);
      }
    }
  }

  void LoadAsset(const std::string& site_id, int n) {
    const Model& m = kModels[static_cast<size_t>(n % static_cast<int>(kModels.size()))];
    const std::string serial = AssetSerial(n);
    // Accepted between 4 years and a week ago: about half still in warranty.
    const int days_ago = 7 + random_.Below(4 * 365);
    const int warranty = random_.Pick(std::vector<int>{12, 24, 36});
    std::string body = R"({"serialNumber":)" + Q(serial) + R"(,"model":)" + Q(m.name) +
                       R"(,"category":)" + Q(m.category) + R"(,"siteId":)" + Q(site_id) +
                       R"(,"acceptedOn":)" + Q(UtcDate(-days_ago)) + R"(,"warrantyMonths":)" +
                       std::to_string(warranty) + R"(,"manufacturerWarrantyMonths":12})";
    std::string key = "asset-";
    key += serial;
    if (Write("/v1/assets", body, key, true).status / 100 == 2) ++assets_;
  }

  void LoadArticles() {
    for (size_t i = 0; i < kArticles.size(); ++i) {
      const Article& a = kArticles[i];
      std::string body = R"({"title":)" + Q(a.title) + R"(,"symptoms":)" + Q(a.symptoms) +
                         R"(,"solution":)" + Q(a.solution) + R"(,"models":)" + a.models +
                         R"(,"tags":)" + a.tags + "}";
      std::string key = "article-";
      key += std::to_string(i);
      if (Write("/v1/knowledge/articles", body, key, true).status / 100 == 2) ++articles_;
    }
  }

  int port_;
  Caller api_;
  Random random_;
  int customers_ = 0, sites_ = 0, assets_ = 0, engineers_ = 0, locations_ = 0, parts_ = 0,
      stock_lines_ = 0, articles_ = 0;
  int created_ = 0, replayed_ = 0, failed_ = 0;
};

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace
}  // namespace aftersales::journeys

int main(int argc, char** argv) {
  using namespace aftersales::journeys;  // NOLINT(google-build-using-namespace)
  std::string port = Env("AFTERSALES_GATEWAY_PORT");
  std::string token = Env("AFTERSALES_DEMO_TOKEN");
  std::string secret = Env("AFTERSALES_JWT_SECRET");
  std::string seed = "20261122";
  bool force = Env("AFTERSALES_DEMO_FORCE") == "true";
  const char* usage =
      "usage: aftersales-demo [--port P] [--token JWT | --jwt-secret S] [--seed N] [--force]\n";
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--force") {
      force = true;
      --i;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s", usage);
      return 2;
    }
    std::string value = argv[i + 1];
    if (flag == "--port") {
      port = value;
    } else if (flag == "--token") {
      token = value;
    } else if (flag == "--jwt-secret") {
      secret = value;
    } else if (flag == "--seed") {
      seed = value;
    } else {
      std::fprintf(stderr, "%s", usage);
      return 2;
    }
  }
  if (token.empty()) {
    if (secret.empty()) {
      std::fprintf(stderr,
                   "aftersales-demo: give --token (or AFTERSALES_DEMO_TOKEN) or --jwt-secret "
                   "(or AFTERSALES_JWT_SECRET)\n");
      return 2;
    }
    token = Token(secret, "admin", "demo-loader");
  }
  int p = port.empty() ? 8080 : std::atoi(port.c_str());
  if (p <= 0 || p > 65535) {
    std::fprintf(stderr, "aftersales-demo: bad port %s\n", port.c_str());
    return 2;
  }
  return Loader(p, token, std::strtoull(seed.c_str(), nullptr, 10)).Run(force);
}

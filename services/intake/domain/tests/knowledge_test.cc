#include "services/intake/domain/knowledge.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace aftersales::intake {
namespace {

using Tokens = std::vector<std::string>;

std::vector<std::string> Ids(const std::vector<ScoredArticle>& results) {
  std::vector<std::string> ids;
  for (const auto& r : results) ids.push_back(r.article.id);
  return ids;
}

std::vector<Article> Corpus() {
  return {
      {"KB-1",
       "道闸不抬杆",
       "车辆到达后道闸不抬杆，地感线圈无反应",
       "检查地感线圈和控制板接线",
       {"道闸", "地感"},
       {"BG-200"}},
      {"KB-2",
       "道闸抬杆后不落杆",
       "车辆通过后道闸一直不落杆",
       "检查防砸雷达",
       {"道闸"},
       {"BG-200"}},
      {"KB-3",
       "摄像机无图像",
       "监控画面黑屏，摄像机无视频信号",
       "检查供电和网线",
       {"摄像机", "视频"},
       {}},
      {"KB-4",
       "Alarm panel cannot arm",
       "The panel beeps and refuses to arm; zone fault shown",
       "Check zone wiring and end-of-line resistors",
       {"alarm", "arming"},
       {"AP-9"}},
      {"KB-5",
       "Barrier gate does not open",
       "Vehicle waits at the gate, loop detector silent",
       "Check loop detector",
       {"barrier", "loop"},
       {"DS-TMG4"}},
  };
}

TEST_CASE("ASCII words are lower-cased and split on punctuation", "[knowledge]") {
  CHECK(Tokenize("Barrier-Gate DS-7608 won't OPEN") ==
        Tokens{"barrier", "gate", "ds", "7608", "won", "t", "open"});
  CHECK(Tokenize("ＤＳ７６０８") == Tokens{"ds7608"});  // full-width input method digits
}

TEST_CASE("CJK text becomes overlapping bigrams", "[knowledge]") {
  CHECK(Tokenize("道闸不抬杆") == Tokens{"道闸", "闸不", "不抬", "抬杆"});
  CHECK(Tokenize("门") == Tokens{"门"});
  CHECK(Tokenize("道闸，不抬") == Tokens{"道闸", "不抬"});  // Chinese comma separates
  CHECK(Tokenize("BG-200道闸故障") == Tokens{"bg", "200", "道闸", "闸故", "故障"});
  CHECK(Tokenize("地感 线") == Tokens{"地感", "线"});
}

TEST_CASE("Broken UTF-8 separates tokens instead of failing", "[knowledge]") {
  CHECK(Tokenize("gate\xff\xfe道闸\xe9") == Tokens{"gate", "道闸"});
  CHECK(Tokenize(std::string("\xe9\x81", 2) + "ok") == Tokens{"ok"});  // truncated sequence
}

TEST_CASE("Chinese symptom text finds the right article first", "[knowledge]") {
  const auto corpus = Corpus();
  const auto results = Search(corpus, "车到了道闸不抬杆", "", 10);
  REQUIRE(results.size() >= 2);
  CHECK(results[0].article.id == "KB-1");
  CHECK(results[1].article.id == "KB-2");  // shares only 道闸
  CHECK(results[0].score > results[1].score);
  for (const auto& r : results) CHECK(r.article.id != "KB-3");

  const auto camera = Search(corpus, "监控没有图像，黑屏", "", 10);
  REQUIRE_FALSE(camera.empty());
  CHECK(camera[0].article.id == "KB-3");
}

TEST_CASE("English symptoms find English articles", "[knowledge]") {
  const auto results = Search(Corpus(), "alarm panel will not ARM", "", 10);
  REQUIRE_FALSE(results.empty());
  CHECK(results[0].article.id == "KB-4");
}

TEST_CASE("Model filter keeps the model's and generic articles", "[knowledge]") {
  const auto corpus = Corpus();
  auto bg = Ids(Search(corpus, "道闸 gate 摄像机", "bg-200", 10));
  std::sort(bg.begin(), bg.end());
  // KB-5 is another model's barrier gate; KB-3 has no model, so it fits all.
  CHECK(bg == std::vector<std::string>{"KB-1", "KB-2", "KB-3"});
  const auto ds = Ids(Search(corpus, "barrier gate 道闸", "DS-TMG4", 10));
  CHECK(ds == std::vector<std::string>{"KB-5"});
  CHECK(Search(corpus, "道闸", "NO-SUCH-MODEL", 10).empty());
}

TEST_CASE("Empty or punctuation-only query finds nothing", "[knowledge]") {
  const auto corpus = Corpus();
  CHECK(Search(corpus, "", "", 10).empty());
  CHECK(Search(corpus, "  ，。！ --", "", 10).empty());
  CHECK(Search(corpus, "道闸", "", 0).empty());
  CHECK(Search({}, "道闸", "", 10).empty());
}

TEST_CASE("Limit caps the results and keeps the best", "[knowledge]") {
  const auto results = Search(Corpus(), "道闸不抬杆", "", 1);
  REQUIRE(results.size() == 1);
  CHECK(results[0].article.id == "KB-1");
}

TEST_CASE("A word in the title ranks above the same word in the symptoms", "[knowledge]") {
  const std::vector<Article> corpus = {
      {"A", "Printer jam", "paper stuck in the tray", "", {}, {}},
      {"B", "Ticket dispenser", "the printer shows a jam light", "", {}, {}},
      {"C", "Display blank", "screen dark", "", {}, {}},
  };
  const auto results = Search(corpus, "printer", "", 10);
  CHECK(Ids(results) == std::vector<std::string>{"A", "B"});
}

}  // namespace
}  // namespace aftersales::intake

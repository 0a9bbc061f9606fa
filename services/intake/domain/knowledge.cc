#include "services/intake/domain/knowledge.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "services/intake/domain/utf8.h"

namespace aftersales::intake {
namespace {

bool IsCjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) ||    // CJK unified ideographs
         (c >= 0x3400 && c <= 0x4DBF) ||    // extension A
         (c >= 0xF900 && c <= 0xFAFF) ||    // compatibility ideographs
         (c >= 0x20000 && c <= 0x2FA1F) ||  // extensions B.. and supplement
         (c >= 0x3040 && c <= 0x30FF) ||    // kana
         (c >= 0xAC00 && c <= 0xD7AF);      // hangul syllables
}

// Full-width ASCII (what Chinese input methods type) folds to ASCII.
char32_t FoldWidth(char32_t c) {
  if (c >= 0xFF01 && c <= 0xFF5E) return c - 0xFF01 + 0x21;
  return c;
}

bool IsWordChar(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool FitsModel(const Article& a, std::string_view model) {
  if (model.empty() || a.models.empty()) return true;
  return std::any_of(a.models.begin(), a.models.end(),
                     [&](const std::string& m) { return EqualsIgnoreCase(m, model); });
}

struct Document {
  const Article* article;
  std::map<std::string, double> tf;  // weighted term frequency
  double length = 0;                 // weighted length
};

void AddField(Document& d, std::string_view text, double weight) {
  for (auto& token : Tokenize(text)) {
    d.tf[token] += weight;
    d.length += weight;
  }
}

}  // namespace

std::vector<std::string> Tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  const std::u32string cps = DecodeUtf8(text);
  std::string word;
  std::u32string cjk_run;
  auto flush_word = [&] {
    if (!word.empty()) tokens.push_back(std::move(word));
    word.clear();
  };
  auto flush_cjk = [&] {
    if (cjk_run.size() == 1) {
      std::string t;
      AppendUtf8(cjk_run[0], t);
      tokens.push_back(std::move(t));
    }
    for (size_t i = 0; i + 1 < cjk_run.size(); ++i) {
      std::string t;
      AppendUtf8(cjk_run[i], t);
      AppendUtf8(cjk_run[i + 1], t);
      tokens.push_back(std::move(t));
    }
    cjk_run.clear();
  };
  for (char32_t raw : cps) {
    const char32_t c = FoldWidth(raw);
    if (IsWordChar(c)) {
      flush_cjk();
      word.push_back(static_cast<char>(std::tolower(static_cast<int>(c))));
    } else if (IsCjk(c)) {
      flush_word();
      cjk_run.push_back(c);
    } else {
      flush_word();
      flush_cjk();
    }
  }
  flush_word();
  flush_cjk();
  return tokens;
}

std::vector<ScoredArticle> Search(const std::vector<Article>& articles, std::string_view query,
                                  std::string_view model, size_t limit, const SearchWeights& w) {
  std::vector<ScoredArticle> out;
  const std::vector<std::string> q = Tokenize(query);
  if (q.empty() || limit == 0) return out;
  // A repeated query word does not count twice: "报警 报警" is no stronger.
  const std::set<std::string> terms(q.begin(), q.end());

  std::vector<Document> docs;
  for (const auto& a : articles) {
    if (!FitsModel(a, model)) continue;
    Document d{&a, {}, 0};
    AddField(d, a.title, w.title);
    AddField(d, a.symptoms, w.symptoms);
    for (const auto& tag : a.tags) AddField(d, tag, w.tags);
    docs.push_back(std::move(d));
  }
  if (docs.empty()) return out;

  double total_length = 0;
  for (const auto& d : docs) total_length += d.length;
  const double avg_length = total_length > 0 ? total_length / static_cast<double>(docs.size()) : 1;
  const double n = static_cast<double>(docs.size());

  std::map<std::string, double> idf;
  for (const auto& t : terms) {
    double df = 0;
    for (const auto& d : docs) df += d.tf.count(t) != 0 ? 1 : 0;
    // BM25's idf with +1 inside the log, so that a word in every article
    // still counts a little instead of going negative.
    idf[t] = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
  }

  for (const auto& d : docs) {
    double score = 0;
    for (const auto& t : terms) {
      auto it = d.tf.find(t);
      if (it == d.tf.end()) continue;
      const double tf = it->second;
      const double norm = w.k1 * (1 - w.b + w.b * d.length / avg_length);
      score += idf[t] * tf * (w.k1 + 1) / (tf + norm);
    }
    if (score > 0) out.push_back({*d.article, score});
  }
  std::sort(out.begin(), out.end(), [](const ScoredArticle& a, const ScoredArticle& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.article.id < b.article.id;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace aftersales::intake

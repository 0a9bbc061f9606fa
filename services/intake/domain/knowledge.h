// Knowledge base search: known faults and their fixes, found from what the
// customer says (English or Chinese) for the model at hand.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace aftersales::intake {

struct Article {
  std::string id;
  std::string title;
  std::string symptoms;
  std::string fix;
  std::vector<std::string> tags;
  std::vector<std::string> models;  // empty: applies to every model
};

struct ScoredArticle {
  Article article;
  double score = 0;
};

// Ranking knobs (BM25F: per-field weights on term frequency, one length
// normalisation over the weighted length).
struct SearchWeights {
  double title = 3.0;  // a title names the fault; a hit there says most
  double symptoms = 1.0;
  double tags = 2.0;
  double k1 = 1.2;
  double b = 0.75;
};

// Lower-cased ASCII letter/digit runs are words ("DS-7608" → "ds", "7608");
// full-width letters and digits count as ASCII. A run of CJK characters
// becomes its overlapping bigrams ("道闸不抬杆" → 道闸 闸不 不抬 抬杆), a lone CJK
// character itself. Everything else (punctuation, Chinese punctuation, broken
// UTF-8) separates tokens.
std::vector<std::string> Tokenize(std::string_view text);

// Articles for `model` (case-insensitive; empty = any model; an article with
// no models fits every model) that share at least one token with the query,
// best first (ties by id). An empty or all-punctuation query finds nothing.
// The fix text is not searched: customers describe symptoms, not fixes.
std::vector<ScoredArticle> Search(const std::vector<Article>& articles, std::string_view query,
                                  std::string_view model, size_t limit,
                                  const SearchWeights& weights = {});

}  // namespace aftersales::intake

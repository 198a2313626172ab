// Okapi BM25 over autoselect candidates' descriptions (issue 11, semantic
// selection without an embeddings model, and the lexical half of the hybrid
// score). Built once per config snapshot; scoring a prompt against 50
// candidates costs a few microseconds (bench/bm25.cpp).
//
// Words are runs of ASCII letters, digits (lower-cased) and non-ASCII bytes
// (UTF-8 kept whole, so accented and CJK words still match themselves);
// English stop words and one-letter words are dropped, and plural, -ing,
// -ed and final -e endings are cut so that "tests", "testing" and "tested"
// meet "test", and "coding" meets "code".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/string_map.hpp"

namespace aisbf::routing {

class Bm25Index {
 public:
  struct Params {
    double k1 = 1.2;
    double b = 0.75;
  };

  explicit Bm25Index(const std::vector<std::string>& documents) : Bm25Index(documents, Params{}) {}
  Bm25Index(const std::vector<std::string>& documents, Params params);

  // One score per document, in the documents' order (0 when no query word
  // occurs in it). Each distinct query word counts once; at most
  // `max_query_bytes` of the query are read (its end: the latest words).
  std::vector<double> score(std::string_view query, std::size_t max_query_bytes = 4 * 1024) const;

  std::size_t size() const { return doc_lengths_.size(); }

 private:
  struct Posting {
    std::uint32_t doc;
    std::uint32_t count;
  };
  struct Term {
    double idf = 0;
    std::vector<Posting> postings;
  };
  Params params_;
  StringMap<Term> terms_;
  std::vector<double> doc_lengths_;
  double average_length_ = 0;
};

// The words BM25 sees in `text`, in order (for tests and the prompt side).
std::vector<std::string> bm25_words(std::string_view text);

// How far the best score stands above the second, in [0, 1]: (best -
// second) / best; 0 when nothing scored.
double bm25_margin(const std::vector<double>& scores);

}  // namespace aisbf::routing

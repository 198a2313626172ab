#include "routing/bm25.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace aisbf::routing {

namespace {

bool word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

// Sorted: found by binary search.
constexpr std::array<std::string_view, 64> kStopWords = {
    "about", "all",  "also",  "an",   "and",   "any",  "are",   "as",   "at",    "be",    "been", "but", "by",
    "can",   "do",   "does",  "for",  "from",  "good", "has",   "have", "how",   "if",    "in",   "into", "is",
    "it",    "its",  "just",  "like", "make",  "me",   "model", "more", "most",  "my",    "no",   "not", "of",
    "on",    "or",   "other", "our",  "please", "so",  "some",  "such", "than",  "that",  "the",  "then", "there",
    "these", "this", "to",    "use",  "very",  "was",  "we",    "what", "when",  "which", "with", "you"};

static_assert(std::is_sorted(kStopWords.begin(), kStopWords.end()));

bool stop_word(std::string_view w) { return std::binary_search(kStopWords.begin(), kStopWords.end(), w); }

bool ends_with(const std::string& w, std::string_view tail) {
  return w.size() >= tail.size() && std::string_view(w).substr(w.size() - tail.size()) == tail;
}

// A light suffix cut, enough for descriptions and prompts to meet:
// tests/testing/tested → test, code/coding/codes → cod, queries → query.
void stem(std::string& w) {
  if (w.size() > 4 && ends_with(w, "ies")) {
    w.resize(w.size() - 3);
    w += 'y';
  } else if (w.size() > 3 && w.back() == 's' && !ends_with(w, "ss") && !ends_with(w, "us") && !ends_with(w, "is")) {
    w.pop_back();
  }
  if (w.size() > 5 && ends_with(w, "ing")) {
    w.resize(w.size() - 3);
  } else if (w.size() > 4 && ends_with(w, "ed")) {
    w.resize(w.size() - 2);
  }
  if (w.size() > 3 && w.back() == 'e') w.pop_back();
}

// Calls `fn` with each word of `text` (lower-cased, stemmed, stop words and
// one-letter words left out), in a buffer reused between calls.
template <class Fn>
void for_each_word(std::string_view text, Fn&& fn) {
  std::string w;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !word_byte(static_cast<unsigned char>(text[i]))) ++i;
    w.clear();
    while (i < text.size() && word_byte(static_cast<unsigned char>(text[i]))) {
      const char c = text[i++];
      w += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    }
    if (w.size() < 2 || stop_word(w)) continue;
    stem(w);
    fn(std::string_view(w));
  }
}

}  // namespace

std::vector<std::string> bm25_words(std::string_view text) {
  std::vector<std::string> out;
  for_each_word(text, [&](std::string_view w) { out.emplace_back(w); });
  return out;
}

Bm25Index::Bm25Index(const std::vector<std::string>& documents, Params params) : params_(params) {
  doc_lengths_.reserve(documents.size());
  for (std::uint32_t d = 0; d < documents.size(); ++d) {
    double length = 0;
    for_each_word(documents[d], [&](std::string_view w) {
      ++length;
      auto& postings = find_or_create(terms_, w).postings;
      if (postings.empty() || postings.back().doc != d) postings.push_back({d, 0});
      ++postings.back().count;
    });
    doc_lengths_.push_back(length);
    average_length_ += length;
  }
  if (!documents.empty()) average_length_ /= static_cast<double>(documents.size());
  const auto n = static_cast<double>(documents.size());
  for (auto& [word, term] : terms_) {
    const auto with = static_cast<double>(term.postings.size());
    term.idf = std::log(1.0 + (n - with + 0.5) / (with + 0.5));  // never negative (Lucene's form)
  }
}

std::vector<double> Bm25Index::score(std::string_view query, std::size_t max_query_bytes) const {
  std::vector<double> scores(doc_lengths_.size(), 0.0);
  if (query.size() > max_query_bytes) query = query.substr(query.size() - max_query_bytes);
  // Only words some description holds matter: look each up, keep the terms.
  std::vector<const Term*> seen;
  for_each_word(query, [&](std::string_view w) {
    auto it = terms_.find(w);
    if (it != terms_.end()) seen.push_back(&it->second);
  });
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  const double avg = average_length_ > 0 ? average_length_ : 1.0;
  for (const Term* term : seen) {
    for (const auto& p : term->postings) {
      const double tf = p.count;
      const double norm = params_.k1 * (1.0 - params_.b + params_.b * doc_lengths_[p.doc] / avg);
      scores[p.doc] += term->idf * tf * (params_.k1 + 1.0) / (tf + norm);
    }
  }
  return scores;
}

double bm25_margin(const std::vector<double>& scores) {
  double best = 0, second = 0;
  for (double s : scores) {
    if (s > best) {
      second = best;
      best = s;
    } else if (s > second) {
      second = s;
    }
  }
  return best > 0 ? (best - second) / best : 0.0;
}

}  // namespace aisbf::routing

// Generated text for the selection benches (bench/bm25.cpp,
// bench/autoselect.cpp): candidate descriptions and prompts drawn from one
// vocabulary of domain words, with a fixed seed.
#pragma once

#include <random>
#include <string>
#include <vector>

namespace aisbf::bench {

inline const std::vector<std::string> kSelectionWords = {
    "coding",    "python",   "rust",      "refactoring", "architecture", "debugging", "tests",       "creative",
    "writing",   "poems",    "stories",   "vision",      "images",       "charts",    "math",        "proofs",
    "reasoning", "analysis", "data",      "sql",         "queries",      "summaries", "translation", "french",
    "german",    "legal",    "contracts", "medical",     "finance",      "reports",   "fast",        "cheap",
    "large",     "context",  "documents", "agents",      "tools",        "functions", "json",        "chat",
    "support",   "customer", "email",     "marketing",   "copy",         "research",  "papers",      "science"};

// `words` words, a sentence every seven.
inline std::string selection_text(std::mt19937& rng, int words) {
  std::string out;
  for (int i = 0; i < words; ++i) {
    out += kSelectionWords[rng() % kSelectionWords.size()] + (i % 7 == 6 ? ". " : " ");
  }
  return out;
}

// At least `bytes` bytes of such text.
inline std::string selection_text_bytes(std::mt19937& rng, std::size_t bytes) {
  std::string out;
  while (out.size() < bytes) out += selection_text(rng, 7);
  return out;
}

}  // namespace aisbf::bench

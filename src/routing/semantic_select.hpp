// Semantic selection's decision (issue 11): BM25 over the candidates'
// descriptions (bm25.hpp) and, when an embeddings model is configured, the
// cosine between the prompt's vector and each description's, combined as
//
//   score = w · cos_norm + (1 − w) · bm25_norm
//
// each normalised to [0, 1] over the candidates (min-max: the best of each
// scale is 1, the worst 0; a scale on which all candidates tie says nothing
// and counts 0 for all). The best candidate is chosen when it stands clear
// of the second, (best − second) / best ≥ margin; otherwise none is, and the
// caller asks the selection model. Pure arithmetic: for 50 candidates the
// pick costs 0.1 µs and the cosines 2 µs at 384 dimensions, 8 µs at 1536,
// beside BM25's 35-40 µs for a 4 KiB prompt (bench/autoselect.cpp).
//
// Description vectors are made unit length once per config version
// (unit_vector), so that each request pays one dot product per candidate.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace aisbf::routing {

// The cosine of the angle between `a` and `b`; 0 when their sizes differ,
// they are empty or either is all zeros (or not finite).
double cosine_similarity(std::span<const float> a, std::span<const float> b);

// `v` scaled to length 1 (all zeros when `v` has no length).
std::vector<float> unit_vector(std::span<const float> v);

// The dot product (of unit vectors: their cosine); 0 when sizes differ.
double dot_product(std::span<const float> a, std::span<const float> b);

struct HybridParams {
  double weight = 0.5;  // w: the embeddings' share, clamped to [0, 1]; ignored without cosines
  double margin = 0.1;  // the confidence a choice needs, in [0, 1]
};

struct SemanticPick {
  std::optional<std::size_t> chosen;  // the best candidate when confident
  std::size_t best = 0;               // the best candidate, confident or not
  double margin = 0;                  // (best − second) / best of the combined scores
};

// `bm25`: one score per candidate; `cosines`: empty (BM25 alone) or one per
// candidate (any other size is a caller's mistake: nothing is chosen). One
// candidate is chosen as it is (margin 1); none, or no score above 0 on any
// scale, chooses nothing.
SemanticPick pick_semantic(std::span<const double> bm25, std::span<const double> cosines, const HybridParams& params);

}  // namespace aisbf::routing

#include "routing/semantic_select.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace aisbf::routing {

namespace {

// Eight partial sums: independent chains the CPU runs side by side (and the
// compiler may vectorise), where one sum would wait on each addition.
template <class Term>
double sum_of(std::size_t n, Term term) {
  std::array<float, 8> part{};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (std::size_t k = 0; k < 8; ++k) part[k] += term(i + k);
  }
  double total = 0;
  for (; i < n; ++i) total += term(i);
  for (float p : part) total += p;
  return total;
}

// Min-max over the candidates; a scale without spread says nothing: 0s.
// A value that is not finite counts as the scale's minimum.
void normalise(std::span<const double> in, std::vector<double>& out) {
  out.assign(in.size(), 0.0);
  double lo = INFINITY, hi = -INFINITY;
  for (double v : in) {
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (!(hi > lo)) return;
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = std::isfinite(in[i]) ? (in[i] - lo) / (hi - lo) : 0.0;
}

}  // namespace

double dot_product(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) return 0.0;
  return sum_of(a.size(), [&](std::size_t i) { return a[i] * b[i]; });
}

std::vector<float> unit_vector(std::span<const float> v) {
  const double norm = std::sqrt(dot_product(v, v));
  std::vector<float> out(v.size(), 0.0f);
  if (!(norm > 0) || !std::isfinite(norm)) return out;
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = static_cast<float>(v[i] / norm);
  return out;
}

double cosine_similarity(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size() || a.empty()) return 0.0;
  const double na = std::sqrt(dot_product(a, a)), nb = std::sqrt(dot_product(b, b));
  if (!(na > 0) || !(nb > 0) || !std::isfinite(na) || !std::isfinite(nb)) return 0.0;
  const double c = dot_product(a, b) / (na * nb);
  return std::isfinite(c) ? std::clamp(c, -1.0, 1.0) : 0.0;
}

SemanticPick pick_semantic(std::span<const double> bm25, std::span<const double> cosines, const HybridParams& params) {
  SemanticPick pick;
  const std::size_t n = bm25.size();
  if (n == 0 || (!cosines.empty() && cosines.size() != n)) return pick;
  if (n == 1) {
    pick.chosen = 0;
    pick.margin = 1;
    return pick;
  }
  const double w = cosines.empty() ? 0.0 : std::clamp(std::isfinite(params.weight) ? params.weight : 0.0, 0.0, 1.0);
  std::vector<double> lexical, semantic;
  normalise(bm25, lexical);
  normalise(cosines, semantic);
  double best = 0, second = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double s = (1.0 - w) * lexical[i] + (cosines.empty() ? 0.0 : w * semantic[i]);
    if (s > best) {
      second = best;
      best = s;
      pick.best = i;
    } else if (s > second) {
      second = s;
    }
  }
  if (!(best > 0)) return pick;
  pick.margin = (best - second) / best;
  if (pick.margin >= params.margin) pick.chosen = pick.best;
  return pick;
}

}  // namespace aisbf::routing

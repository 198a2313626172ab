#include "embed.hpp"

#include <charconv>
#include <cmath>

#include "select.hpp"

namespace aisbf_mock {

unsigned default_embedding_dimensions(std::string_view model) {
  return is_bag_of_words_model(model) ? kBagOfWordsDimensions : kDefaultEmbeddingDimensions;
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::uint64_t fnv1a(std::uint64_t h, std::string_view bytes) {
  for (char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ull;
  return h;
}

void seeded_vector(std::uint64_t seed, unsigned dims, std::vector<float>& v) {
  v.resize(dims);
  for (unsigned i = 0; i < dims; ++i) {
    const std::uint64_t x = splitmix64(seed + i);
    v[i] = static_cast<float>(static_cast<double>(x >> 11) / 9007199254740992.0 * 2.0 - 1.0);
  }
  normalize(v);
}

void text_embedding(std::string_view model, std::string_view text, unsigned dims, std::vector<float>& v) {
  if (!is_bag_of_words_model(model)) {
    seeded_vector(fnv1a(kFnvOffset, text), dims, v);
    return;
  }
  BagOfWords bag(dims);
  bag.add_text(text);
  bag.finish(v);
}

void normalize(std::vector<float>& v) {
  double norm = 0;
  for (const float f : v) norm += static_cast<double>(f) * f;
  norm = std::sqrt(norm);
  if (norm <= 0) return;
  for (auto& f : v) f = static_cast<float>(f / norm);
}

void append_float_array(std::string& out, const std::vector<float>& v) {
  out.push_back('[');
  char buf[32];
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 0) out.push_back(',');
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v[i]);
    out.append(buf, end);
  }
  out.push_back(']');
}

}  // namespace aisbf_mock

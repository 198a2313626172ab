// Deterministic embedding vectors shared by every protocol of aisbf-mock:
// the same text and model give the same vector on OpenAI's /v1/embeddings,
// Ollama's /api/embed and Gemini's :batchEmbedContents, so a test can
// switch protocols without changing what it expects. No JSON, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aisbf_mock {

inline constexpr unsigned kDefaultEmbeddingDimensions = 8;
// Bag-of-words vectors need room for a vocabulary: with 8 dimensions most
// words would collide.
inline constexpr unsigned kBagOfWordsDimensions = 256;
inline constexpr std::uint64_t kFnvOffset = 0xCBF29CE484222325ull;

// kBagOfWordsDimensions for an embed-bow model, else kDefaultEmbeddingDimensions.
unsigned default_embedding_dimensions(std::string_view model);

std::uint64_t splitmix64(std::uint64_t x);
std::uint64_t fnv1a(std::uint64_t h, std::string_view bytes);

// A deterministic unit vector of `dims` floats derived from `seed`.
void seeded_vector(std::uint64_t seed, unsigned dims, std::vector<float>& v);

// The vector of `text` for `model`: bag of words for an embed-bow model
// (select.hpp), else seeded_vector(fnv1a(kFnvOffset, text)).
void text_embedding(std::string_view model, std::string_view text, unsigned dims, std::vector<float>& v);

// Scales `v` to unit length (left as is when it is the zero vector).
void normalize(std::vector<float>& v);

// [f,…] with the shortest text that reads back as the same float.
void append_float_array(std::string& out, const std::vector<float>& v);

}  // namespace aisbf_mock

// Canonical embeddings: texts in, one vector per text out. What autoselect's
// semantic selection asks for, and what the /v1/embeddings route carries
// to a provider that does not take OpenAI's body as it is
// (ProviderAdapter::encode_embeddings / decode_embeddings).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/expected.hpp"
#include "core/gateway_error.hpp"

namespace aisbf {

struct EmbeddingRequest {
  std::vector<std::string> inputs;        // at least one; each a text to embed
  std::optional<std::int64_t> dimensions;  // the vectors' size, for models that can shorten them
  // Gemini's `taskType` (RETRIEVAL_QUERY, SEMANTIC_SIMILARITY, …), from the
  // client's `task_type`; empty: the model's default. Others ignore it.
  std::string task_type;
  // The client gave one text as a string, not an array: Gemini embeds it
  // with embedContent rather than a batch of one.
  bool single = false;
};

struct EmbeddingResponse {
  std::vector<std::vector<float>> vectors;    // one per input, in the inputs' order
  std::optional<std::int64_t> prompt_tokens;  // as the upstream reported them; nullopt: it did not
};

// The error of a provider type without an embeddings API (Anthropic's
// Messages API has none): 501, not retryable elsewhere by this adapter.
GatewayError no_embeddings_error(std::string_view provider_type);

namespace embedding_read {

// A JSON array of finite numbers as floats; an upstream_protocol error
// naming `what` otherwise (an empty array is one too: it has no direction).
Expected<std::vector<float>> vector_of(const boost::json::value* v, std::string_view what);

// The vectors in `root[array_key]`: each item an array of numbers, or
// (with `value_key`) an object holding one there; then check_vectors.
// `body` is for the error message.
Expected<std::vector<std::vector<float>>> vectors_in(const boost::json::object& root, std::string_view array_key,
                                                     std::string_view value_key, std::string_view body,
                                                     std::size_t wanted);

// The check every decoder ends with: `got` vectors for `wanted` inputs, all
// of one size.
std::optional<GatewayError> check_vectors(const std::vector<std::vector<float>>& vectors, std::size_t wanted);

}  // namespace embedding_read

}  // namespace aisbf

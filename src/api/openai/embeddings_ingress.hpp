// OpenAI's embeddings request and answer (POST /v1/embeddings,
// https://platform.openai.com/docs/api-reference/embeddings/create; the
// `openai` SDK's src/resources/embeddings.ts):
//   request  {"model","input": string | string[] | int[] | int[][],
//             "encoding_format": "float" | "base64", "dimensions", "user"}
//   answer   {"object":"list","data":[{"object":"embedding","index":i,
//             "embedding":[…] | "<base64>"}],"model",
//             "usage":{"prompt_tokens","total_tokens"}}
// base64 is the little-endian float32 bytes of each vector (what the SDK
// decodes, src/internal/utils/base64.ts `toFloat32Array`). One extension:
// `task_type` (a Gemini task type such as RETRIEVAL_QUERY), sent to Gemini
// as `taskType` and removed from a body forwarded to an OpenAI-compatible
// upstream. Pure: no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "core/embedding_types.hpp"
#include "core/expected.hpp"

namespace aisbf::api {

// The largest `input` array OpenAI takes.
inline constexpr std::size_t kMaxEmbeddingInputs = 2048;
// The largest `dimensions` asked for (today's models give at most 4096).
inline constexpr std::int64_t kMaxEmbeddingDimensions = 65536;

struct EmbeddingsIngress {
  boost::json::object body;  // the client's request, parsed: what a passthrough forwards
  std::string model;
  // The texts (empty when `tokens`), `dimensions`, `task_type`, and
  // `single` when `input` was one string.
  EmbeddingRequest request;
  bool tokens = false;           // `input` is token arrays: only an OpenAI-compatible upstream takes them
  std::int64_t token_count = 0;  // with `tokens`: how many tokens in all
  bool base64 = false;           // `encoding_format: "base64"`
  std::size_t inputs = 0;        // how many vectors the answer holds
};

// The request checked: a 400 in OpenAI's terms (`param` named) for a body
// that is not a JSON object, a missing or empty `model`, an `input` that
// is missing, empty, an empty string, of another type or longer than
// kMaxEmbeddingInputs, an `encoding_format` other than float or base64, a
// `dimensions` that is not a positive integer, a `task_type` that is not a
// non-empty string.
Expected<EmbeddingsIngress> decode_embeddings_request(std::string_view body);

// The body for an OpenAI-compatible upstream: the client's (`raw`, which
// `in` was decoded from), `model` replaced by `upstream_model`, `task_type`
// removed; every other field (encoding_format, dimensions, user, token
// arrays) as the client sent it. Without `task_type`, the bytes as sent
// with only the model's value spliced.
std::string passthrough_embeddings_body(std::string_view raw, const EmbeddingsIngress& in,
                                        std::string_view upstream_model);

// OpenAI's answer for vectors a translating adapter decoded: `model` as
// the client named it, each vector as floats (shortest float32 text) or
// base64, usage with `prompt_tokens`.
std::string encode_embeddings_response(const EmbeddingResponse& response, std::string_view model, bool base64,
                                       std::int64_t prompt_tokens);

// A passthrough answer for a client that asked for base64 from an upstream
// that sent float arrays: each such `embedding` as base64, the rest as it
// came. nullopt: nothing to change (already base64: found without parsing),
// or not an answer of this shape (relayed as it is).
std::optional<std::string> embeddings_as_base64(std::string_view answer);

// The little-endian float32 bytes of `vector`, base64 (RFC 4648, padded).
std::string float32_base64(std::span<const float> vector);

}  // namespace aisbf::api

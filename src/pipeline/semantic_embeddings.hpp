// The embeddings half of autoselect's semantic selection (issue 11): the
// cosine between the prompt and each candidate's description, from
// `semantic.embeddings_model`. Description vectors come from
// GatewayState::description_vectors (unit length, keyed by the upstream
// that answers the model (resolve_embeddings_model) and the text's SHA-256, so
// a reload with the same text reuses them); the missing ones come from the
// store, else are embedded together with the prompt in one embeddings call,
// once across concurrent requests (description_fetch.hpp), and later
// requests embed only their prompt.
//
// Any failure or timeout → nullopt with one
// warning line (the model and the error's status and code, never the
// prompt, an upstream's message or a key): the
// caller scores with BM25 alone.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "http/upstream_client.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

struct SemanticEmbeddings {
  std::string_view model;       // "provider/model", resolved as a client names it
  std::string_view autoselect;  // the autoselect's id, for the log line
  std::chrono::milliseconds timeout{10'000};
};

// One cosine per description, in their order; nullopt when the embeddings
// could not be had.
boost::asio::awaitable<std::optional<std::vector<double>>> semantic_cosines(
    RequestContext& ctx, http::UpstreamPool& pool, const SemanticEmbeddings& how,
    std::span<const std::string_view> descriptions, std::string_view query);

}  // namespace aisbf

// The vectors of autoselect descriptions that the in-memory cache
// (routing/description_vectors.hpp) lacks, for semantic_embeddings.cpp:
//
// 1. Single flight (vector_flights.hpp): of the concurrent requests missing
//    the same texts of the same model, one leads; the others embed their
//    own prompt meanwhile, then take the leader's vectors. A leader that
//    failed (the upstream) sends its waiters to BM25 alone rather than have
//    each of them try the failing upstream again; one whose client left
//    lets a waiter lead anew (once).
// 2. The leader reads the store (schema v5, on the DB threads: no database
//    call on an event loop) and embeds only what the store lacks, with its
//    prompt last in the same call.
// 3. What it embedded goes to the memory cache at once and to the store in
//    the background (DbPool::post): the request does not wait on a write it
//    does not need; the DB threads finish queued writes before they stop.
//
// A store that fails or is absent (unit tests) costs only the saving: the
// texts are embedded as before (one warning line).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/expected.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/embeddings_call.hpp"
#include "pipeline/request_context.hpp"
#include "routing/description_vectors.hpp"

namespace aisbf {

// The store keeps the newest this many vectors (by when they were
// embedded): twice what the memory cache holds, so every instance's
// working set fits with room for the users' own autoselects; at 3072
// dimensions that is at most ~130 MB of base64 text.
inline constexpr std::size_t kStoredVectorsKept = 8192;

// Who embeds (the call as configured, the model as resolved once).
struct EmbeddingsUse {
  const EmbeddingsCall& call;
  const EmbeddingsModel& model;
};

// Texts to have vectors for, each once, with their SHA-256.
struct MissingDescriptions {
  std::vector<std::string> texts;
  std::vector<routing::TextDigest> digests;
};

struct FetchedDescriptions {
  std::vector<routing::DescriptionVectors::Vector> vectors;  // unit length, in the texts' order
  std::optional<std::vector<float>> prompt;                  // the prompt's, as the model gave it
};

// The vectors of `missing`, and `prompt`'s (never blank here). Any failure
// (the upstream's, the leader's) is a value: the caller scores with BM25.
boost::asio::awaitable<Expected<FetchedDescriptions>> fetch_descriptions(RequestContext& ctx,
                                                                         http::UpstreamPool& pool, EmbeddingsUse use,
                                                                         const MissingDescriptions& missing,
                                                                         std::string_view prompt);

// Embeds `texts` anew (cached vectors that turned out stale: another size
// than the model gives now) and keeps them, replacing the stale ones in
// memory and in the store.
boost::asio::awaitable<Expected<FetchedDescriptions>> refresh_descriptions(RequestContext& ctx,
                                                                           http::UpstreamPool& pool,
                                                                           EmbeddingsUse use,
                                                                           const MissingDescriptions& texts);

}  // namespace aisbf

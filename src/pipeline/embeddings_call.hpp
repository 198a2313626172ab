// Embeddings a request asks for itself (autoselect's semantic selection;
// issue 17's /v1/embeddings route can reuse the upstream half): N texts
// embedded by one `provider/model` in one upstream call
// (ProviderAdapter::encode_embeddings), with its own timeout within the
// request's deadline, cancelled when the client leaves, its answer capped
// in size. Like side_call.hpp it is a usage row of its own under the
// caller (route `how.route`) and its tokens are added to the caller's
// quota reservation. Every failure is a value: the caller decides (the
// autoselect step falls back to BM25 alone), never the request's failure.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/embedding_types.hpp"
#include "core/expected.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

struct EmbeddingsCall {
  std::string_view model;  // "provider/model" as a client names it (a rotation is refused)
  std::string_view route;  // the usage row's, e.g. "autoselect"
  std::chrono::milliseconds timeout{10'000};
  // The operator's model (a global autoselect's): it resolves in the global
  // snapshot even for a request served from a user's view.
  bool operator_model = false;
};

// The largest embeddings answer read: 64 inputs × 3072 dimensions as JSON
// text fit well within it.
inline constexpr std::size_t kMaxEmbeddingsBytes = 8 * 1024 * 1024;

boost::asio::awaitable<Expected<EmbeddingResponse>> embed_texts(RequestContext& ctx, http::UpstreamPool& pool,
                                                                const EmbeddingsCall& how,
                                                                std::vector<std::string> texts);

}  // namespace aisbf

// The embeddings routes: POST /v1/embeddings, /api/v1/embeddings,
// AISBF's /api/embeddings and /api/{scope}/embeddings (a provider, a
// rotation, or `rotations` with the rotation in `model`), and a user's
// /api/user/embeddings, /api/u/{username}/embeddings.
//
// The model resolves as a chat's (routing/resolve.hpp, the caller's
// namespace): a provider model is one attempt, a rotation fails over like
// chat (a failure before the answer → the next candidate; a 400 is the
// request's fault). An autoselect, or a model whose provider type has no
// embeddings API (ProviderAdapter::embeds), is a 400
// `unsupported_operation` naming it; a rotation skips such candidates.
//
// An OpenAI-compatible upstream gets the client's body with only `model`
// replaced (and the `task_type` extension removed): encoding_format,
// dimensions, user and token arrays pass; its answer is relayed as it came
// (read whole up to server.max_upstream_body_bytes), its float vectors
// turned into base64 when the client asked for base64 and the upstream
// ignored it. Gemini (embedContent for one string, batchEmbedContents
// otherwise; `dimensions` → outputDimensionality, `task_type` → taskType)
// and Ollama (/api/embed) are translated through embed_in_batches, and the
// answer built in OpenAI's shape, base64 encoded by the gateway when asked.
//
// One usage row per request (route name from the table), its prompt tokens
// as the upstream reported them, else counted by the gateway
// (tokens_estimated); priced like chat; quotas reserved and settled like a
// chat's; metrics per attempt.
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

boost::asio::awaitable<void> serve_embeddings(http::Exchange& ex, RequestContext& ctx, std::string_view scope);

}  // namespace aisbf

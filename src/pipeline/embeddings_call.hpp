// Embeddings a request asks for itself (autoselect's semantic selection;
// the /v1/embeddings route, embeddings_route.hpp, uses the upstream half:
// embeddings_upstream_call and embed_in_batches): N texts
// embedded by one `provider/model` in one upstream call
// (ProviderAdapter::encode_embeddings), with its own timeout within the
// request's deadline, cancelled when the client leaves, its answer capped
// in size. Like side_call.hpp it is a usage row of its own under the
// caller (route `how.route`) and its tokens are added to the caller's
// quota reservation. Every failure is a value: the caller decides (the
// autoselect step falls back to BM25 alone), never the request's failure.
//
// The target's shared state is consulted as for a chat attempt
// (target_gate.hpp): a model or provider cooling down after failures, or
// blocked by a learned 429, is not called (an error at once, no usage
// row), nor one whose rate_limit slot is in the future (an embeddings call
// never waits for one: the caller has BM25 to fall back on); the answer
// is the verdict, so that repeated embeddings failures cool the model down
// like chat failures do. A timeout is no verdict: the call's own timeout is
// the selection's, often far shorter than the provider's.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/embedding_types.hpp"
#include "core/expected.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/prepared_candidate.hpp"
#include "pipeline/request_context.hpp"
#include "routing/rotation.hpp"

namespace aisbf {

struct EmbeddingsCall {
  std::string_view model;  // "provider/model" as a client names it (a rotation is refused)
  std::string_view route;  // the usage row's, e.g. "autoselect"
  std::chrono::milliseconds timeout{10'000};
  // As side_call.hpp's: resolved in the global snapshot even for a request
  // served from a user's view, still in the caller's namespace (a user's
  // own `user-provider/…` ids resolve there).
  bool operator_model = false;
};

// The largest embeddings answer read: 64 inputs × 3072 dimensions as JSON
// text fit well within it.
inline constexpr std::size_t kMaxEmbeddingsBytes = 8 * 1024 * 1024;
// More texts than this go in several calls, one after the other (Gemini's
// batchEmbedContents takes at most 100), each within the call's timeout;
// they make one usage row.
inline constexpr std::size_t kMaxInputsPerCall = 64;

// `how.model` resolved for this request, once: the candidate, its
// preparation, and `key`, who answers, as a cache key for what it embeds:
// the upstream (type, endpoint, model, deployment) and, for a provider of
// the user's own namespace, the user. The same id names another provider
// in each user's namespace, and a reload may repoint it; vectors of one
// are never served as another's.
struct EmbeddingsModel {
  routing::Candidate candidate;
  PreparedCandidate prepared;
  std::string key;
  std::shared_ptr<const Config> config;  // the table's the candidate is of (its limits and health settings)
  bool listed = true;  // the provider lists the model: its failures count against its health
};

// One upstream embeddings call: what it goes to and how long it may take.
// `head_at`: set when an answer's head came (a usage row's time to first
// byte).
struct EmbeddingsUpstream {
  const PreparedCandidate& prepared;
  Timeouts timeouts;
  std::chrono::steady_clock::time_point* head_at = nullptr;
  // embed_in_batches: the most bytes its calls' answers may hold together
  // (each call still at most kMaxEmbeddingsBytes); past it, an
  // upstream_protocol error, as for one answer past its cap.
  std::size_t max_bytes = kMaxEmbeddingsBytes;
};

// An upstream's answer as it came: its status, its body (at most the
// cap's bytes) and, on a 429, its Retry-After.
struct UpstreamAnswer {
  int status = 0;
  std::string body;
  std::string retry_after;
};

// `encoded` (an adapter's encode_embeddings, its body possibly replaced:
// the route's passthrough) sent, the answer read whole up to `cap` bytes
// (more: an upstream_protocol error). Cancelled with the request.
boost::asio::awaitable<Expected<UpstreamAnswer>> embeddings_upstream_call(RequestContext& ctx, http::UpstreamPool& pool,
                                                                          const EmbeddingsUpstream& up,
                                                                          const UpstreamRequest& encoded,
                                                                          std::size_t cap);

// `request`'s texts embedded in batches of at most kMaxInputsPerCall, one
// call each in order, every answer capped at kMaxEmbeddingsBytes and all
// of them together at `up.max_bytes`; the
// first failure ends it (an upstream error classified by the adapter, with
// its Retry-After). The token counts are summed when every batch had one.
boost::asio::awaitable<Expected<EmbeddingResponse>> embed_in_batches(RequestContext& ctx, http::UpstreamPool& pool,
                                                                     const EmbeddingsUpstream& up,
                                                                     const EmbeddingRequest& request);

Expected<EmbeddingsModel> resolve_embeddings_model(const RequestContext& ctx, const EmbeddingsCall& how);

boost::asio::awaitable<Expected<EmbeddingResponse>> embed_texts(RequestContext& ctx, http::UpstreamPool& pool,
                                                                const EmbeddingsCall& how,
                                                                const EmbeddingsModel& model,
                                                                std::vector<std::string> texts);

}  // namespace aisbf

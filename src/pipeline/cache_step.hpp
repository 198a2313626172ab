// The response cache on the request path (issue 12), between resolution and
// the attempt loop: a cacheable request is looked up first; a hit is
// answered from the entry in the client's format (stream or not, as the
// client asks now), a miss runs the attempts with the answer teed and keeps
// it once complete and successful. Internal to pipeline/.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "cache/cache_key.hpp"
#include "pipeline/chat_job.hpp"
#include "pipeline/gateway_state.hpp"
#include "routing/resolve.hpp"
#include "routing/user_config.hpp"

namespace aisbf {

// What serves the request without the cache (the attempt loop's entry).
using ServeResolved = boost::asio::awaitable<void> (*)(ChatJob&, RequestContext&, const routing::Resolution&);

// Whether the request should go through serve_cached: the snapshot (or the
// caller's view of its own targets) uses a cache somewhere, the process has one, and the answer goes to an HTTP
// client in a chat format, and its body may be cached at all
// (cache::may_cache). Cheap: the path with the cache off, or a request it
// cannot serve, pays this (a walk of the body's top level at most).
inline bool cache_may_apply(const ChatJob& job, const RequestContext& ctx) {
  const bool used = ctx.config->response_cache.used ||
                    (ctx.user_view != nullptr && ctx.user_view->config().response_cache.used);
  return used && ctx.state != nullptr && ctx.state->response_cache != nullptr &&
         job.io.sink != nullptr && job.io.client != nullptr && ctx.format != IngressFormat::openai_completions &&
         ctx.format != IngressFormat::openai_responses &&
         cache::may_cache(job.io.client->body(), ctx.config->response_cache.cache_nondeterministic);
}

// Serves the request through the cache (or, when its target, its headers or
// its sampling rule say no, straight through `next`). `autoselect`: the one
// that chose the target, for the enable_response_cache cascade.
boost::asio::awaitable<void> serve_cached(ChatJob& job, RequestContext& ctx, routing::Resolution resolved,
                                          const AutoselectConfig* autoselect, ServeResolved next);

}  // namespace aisbf

#include "pipeline/chat_pipeline.hpp"

#include <optional>
#include <unordered_map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/provider_adapter.hpp"
#include "http/endpoint.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/relay.hpp"
#include "pipeline/respond.hpp"
#include "providers/openai/openai_wire.hpp"
#include "routing/resolve.hpp"

namespace aisbf {

namespace {

GatewayError unsupported_type(const ProviderConfig& provider) {
  auto e = make_error(ErrorKind::unsupported, fmt::format("unsupported provider type '{}' (provider '{}')",
                                                          provider.type, provider.id));
  e.code = "unsupported_provider_type";
  return e;
}

GatewayError bad_endpoint(const ProviderConfig& provider) {
  auto e = make_error(ErrorKind::internal,
                      fmt::format("provider '{}' has no usable endpoint (expected an http:// or https:// URL)", provider.id));
  e.code = "invalid_provider_endpoint";
  return e;
}

// Only what the upstream needs: its credentials and the protocol headers.
// Nothing of the caller's (token, cookies, encodings) is forwarded.
http::OutgoingRequest outgoing_chat(const ProviderAdapter& adapter, const UpstreamTarget& target,
                                    const http::Endpoint& endpoint, bool stream, std::string_view body) {
  http::OutgoingRequest out;
  out.target = endpoint.base_path + adapter.chat_path(target, stream);
  out.headers = adapter.auth_headers(target);
  out.headers.emplace_back("Content-Type", "application/json");
  out.headers.emplace_back("Accept", stream ? "text/event-stream" : "application/json");
  out.headers.emplace_back("Accept-Encoding", "identity");  // the usage scanner reads plain bytes
  out.headers.emplace_back("User-Agent", "aisbf/" AISBF_VERSION);
  out.body = body;
  return out;
}

// Endpoints are parsed once per worker thread, not on every request.
const http::Endpoint* cached_endpoint(const std::string& url) {
  thread_local std::unordered_map<std::string, std::optional<http::Endpoint>> cache;
  auto it = cache.find(url);
  if (it == cache.end()) {
    if (cache.size() > 4096) cache.clear();  // bounded across config reloads
    it = cache.emplace(url, http::parse_endpoint(url)).first;
  }
  return it->second ? &*it->second : nullptr;
}

}  // namespace

boost::asio::awaitable<void> serve_chat(http::Exchange& ex, RequestContext& ctx, std::string_view scope) {
  const std::string& body = ex.request().body();
  auto envelope = openai::scan_chat_request(body);
  if (!envelope) co_return co_await send_error(ex, envelope.error(), ctx.request_id);

  auto target = routing::resolve_chat_target(*ctx.config, scope, envelope->model);
  if (!target) co_return co_await send_error(ex, target.error(), ctx.request_id);
  const ProviderConfig& provider = *target->provider;

  const ProviderAdapter* adapter = find_provider_adapter(provider.type);
  if (adapter == nullptr || !adapter->accepts_openai_passthrough())
    co_return co_await send_error(ex, unsupported_type(provider), ctx.request_id);
  const http::Endpoint* endpoint = cached_endpoint(provider.endpoint);
  if (endpoint == nullptr) co_return co_await send_error(ex, bad_endpoint(provider), ctx.request_id);

  UpstreamTarget upstream{provider.id, provider.type, provider.endpoint, provider.api_key, target->upstream_model};
  const std::string upstream_body = openai::rewrite_model(body, *envelope, target->upstream_model);
  auto request = outgoing_chat(*adapter, upstream, *endpoint, envelope->stream, upstream_body);

  const Timeouts timeouts = effective_timeouts(provider, target->model);
  ctx.deadline = ctx.started + timeouts.total;
  http::UpstreamCall call(ex.upstream_pool(), *endpoint, timeouts);
  ctx.cancel.connect([&call] { call.cancel(); });
  ex.watch_disconnect([&ctx] { ctx.cancel.emit(); });

  RelayOutcome outcome;
  if (auto failed = co_await call.start(request)) {
    outcome.error = std::move(*failed);
    co_await send_error(ex, *outcome.error, ctx.request_id);
  } else {
    outcome = co_await relay_openai_answer(ex, call, *adapter, upstream, ctx, envelope->stream);
  }
  ex.stop_watch();
  ctx.cancel.disconnect();

  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - ctx.started);
  if (outcome.error) {
    spdlog::info("{} {} → {} failed after {} µs: {}", ctx.request_id, envelope->model, provider.id, elapsed.count(),
                 outcome.error->message);
  } else if (spdlog::should_log(spdlog::level::debug)) {
    spdlog::debug("{} {} → {} {} in {} µs, tokens {}+{}", ctx.request_id, envelope->model, provider.id,
                  outcome.status, elapsed.count(), outcome.usage.prompt_tokens, outcome.usage.completion_tokens);
  }
}

}  // namespace aisbf

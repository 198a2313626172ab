#include "pipeline/chat_pipeline.hpp"

#include <optional>
#include <unordered_map>

#include <boost/beast/http/field.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/anthropic/count_tokens.hpp"
#include "core/provider_adapter.hpp"
#include "http/endpoint.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/relay.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/translate.hpp"
#include "pipeline/upstream_target.hpp"
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

// One candidate: where the request goes and who speaks to it.
struct Candidate {
  const ProviderConfig* provider = nullptr;
  const ProviderAdapter* adapter = nullptr;
  http::Endpoint endpoint;
  UpstreamTarget target;
  Timeouts timeouts;
};

Expected<Candidate> plan(const RequestContext& ctx, std::string_view scope, std::string_view model) {
  auto resolved = routing::resolve_chat_target(*ctx.config, scope, model);
  if (!resolved) return resolved.take_error();
  const ProviderConfig& provider = *resolved->provider;
  Candidate c;
  c.provider = &provider;
  c.adapter = find_provider_adapter(provider.type);
  if (c.adapter == nullptr) return unsupported_type(provider);
  c.target = upstream_target(provider, resolved->model, resolved->upstream_model);
  const http::Endpoint* endpoint = cached_endpoint(c.target.endpoint);
  if (endpoint == nullptr) return bad_endpoint(provider);
  c.endpoint = *endpoint;
  c.timeouts = effective_timeouts(provider, resolved->model);
  return c;
}

// Only what the upstream needs: its credentials, the protocol headers and,
// for an Anthropic client talking to an Anthropic upstream, the client's
// protocol version and beta flags. Nothing else of the caller's (token,
// cookies, encodings) is forwarded.
http::OutgoingRequest passthrough_request(const Candidate& c, const http::Request& client, bool stream,
                                          std::string_view body, bool anthropic) {
  http::OutgoingRequest out;
  out.target = c.endpoint.base_path + c.adapter->chat_path(c.target, stream);
  out.headers = c.adapter->auth_headers(c.target);
  if (anthropic) {
    for (auto field : {"anthropic-version", "anthropic-beta"}) {
      auto value = client[field];
      if (value.empty()) continue;
      std::erase_if(out.headers, [&](const auto& h) { return boost::beast::iequals(h.first, field); });
      out.headers.emplace_back(field, std::string(value));
    }
  }
  out.headers.emplace_back("Content-Type", "application/json");
  out.headers.emplace_back("Accept", stream ? "text/event-stream" : "application/json");
  out.headers.emplace_back("Accept-Encoding", "identity");  // the usage scanner reads plain bytes
  out.headers.emplace_back("User-Agent", "aisbf/" AISBF_VERSION);
  out.body = body;
  return out;
}

boost::asio::awaitable<RelayOutcome> serve_passthrough(http::Exchange& ex, RequestContext& ctx, const Candidate& c,
                                                       const openai::ChatEnvelope& envelope, bool anthropic) {
  // Azure names a deployment, not a model; elsewhere deployment is empty.
  const std::string& body_model = c.target.deployment.empty() ? c.target.upstream_model : c.target.deployment;
  const std::string upstream_body = openai::rewrite_model(ex.request().body(), envelope, body_model);
  auto request = passthrough_request(c, ex.request(), envelope.stream, upstream_body, anthropic);
  http::UpstreamCall call(ex.upstream_pool(), c.endpoint, c.timeouts);
  ctx.cancel.connect([&call] { call.cancel(); });
  ex.watch_disconnect([&ctx] { ctx.cancel.emit(); });

  RelayOutcome outcome;
  if (auto failed = co_await call.start(request)) {
    outcome.error = std::move(*failed);
    co_await send_error(ex, *outcome.error, ctx);
  } else {
    outcome = co_await relay_passthrough(ex, call, *c.adapter, c.target, ctx, envelope.stream);
  }
  ex.stop_watch();
  ctx.cancel.disconnect();
  co_return outcome;
}

void log_outcome(const RequestContext& ctx, std::string_view model, const Candidate& c, const RelayOutcome& outcome) {
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - ctx.started);
  if (outcome.error) {
    spdlog::info("{} {} → {} failed after {} µs: {}", ctx.request_id, model, c.provider->id, elapsed.count(),
                 outcome.error->message);
  } else if (spdlog::should_log(spdlog::level::debug)) {
    spdlog::debug("{} {} → {} {} in {} µs, tokens {}+{}", ctx.request_id, model, c.provider->id, outcome.status,
                  elapsed.count(), outcome.usage.prompt_tokens, outcome.usage.completion_tokens);
  }
}

// A client format whose bodies may be forwarded as bytes to an adapter that
// accepts them; otherwise decoded to canonical and translated.
boost::asio::awaitable<void> serve_chat_like(http::Exchange& ex, RequestContext& ctx, std::string_view scope,
                                             bool anthropic) {
  const std::string& body = ex.request().body();
  auto envelope = openai::scan_chat_request(body);
  if (!envelope) co_return co_await send_error(ex, envelope.error(), ctx);
  auto candidate = plan(ctx, scope, envelope->model);
  if (!candidate) co_return co_await send_error(ex, candidate.error(), ctx);
  const Candidate& c = *candidate;
  ctx.deadline = ctx.started + c.timeouts.total;

  RelayOutcome outcome;
  if (anthropic ? c.adapter->accepts_anthropic_passthrough() : c.adapter->accepts_openai_passthrough()) {
    outcome = co_await serve_passthrough(ex, ctx, c, *envelope, anthropic);
  } else {
    const IngressCodec& codec = ingress_codec(ctx.format);
    auto request = codec.decode_request(body);
    if (!request) co_return co_await send_error(ex, request.error(), ctx);
    TranslateJob job{codec, *c.adapter, c.target, c.endpoint, c.timeouts, {envelope->model, request->include_usage}};
    outcome = co_await serve_translated(ex, ctx, *request, job);
  }
  log_outcome(ctx, envelope->model, c, outcome);
}

}  // namespace

boost::asio::awaitable<void> serve_chat(http::Exchange& ex, RequestContext& ctx, std::string_view scope) {
  co_await serve_chat_like(ex, ctx, scope, false);
}

boost::asio::awaitable<void> serve_messages(http::Exchange& ex, RequestContext& ctx, std::string_view scope) {
  co_await serve_chat_like(ex, ctx, scope, true);
}

// Legacy completions always go through canonical types: no provider takes
// the prompt form any more.
boost::asio::awaitable<void> serve_completions(http::Exchange& ex, RequestContext& ctx, std::string_view scope) {
  const IngressCodec& codec = ingress_codec(ctx.format);
  auto request = codec.decode_request(ex.request().body());
  if (!request) co_return co_await send_error(ex, request.error(), ctx);
  auto candidate = plan(ctx, scope, request->model);
  if (!candidate) co_return co_await send_error(ex, candidate.error(), ctx);
  const Candidate& c = *candidate;
  ctx.deadline = ctx.started + c.timeouts.total;
  TranslateJob job{codec, *c.adapter, c.target, c.endpoint, c.timeouts, {request->model, request->include_usage}};
  auto outcome = co_await serve_translated(ex, ctx, *request, job);
  log_outcome(ctx, request->model, c, outcome);
}

boost::asio::awaitable<void> serve_count_tokens(http::Exchange& ex, RequestContext& ctx) {
  auto answer = api::anthropic_count_tokens_response(ex.request().body());
  if (!answer) co_return co_await send_error(ex, answer.error(), ctx);
  co_await send_json(ex, 200, *answer, ctx.request_id);
}

}  // namespace aisbf

#include "pipeline/images_route.hpp"

#include <chrono>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/log_text.hpp"
#include "pipeline/attempt_report.hpp"
#include "pipeline/capability_error.hpp"
#include "pipeline/chat_job.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/image_urls.hpp"
#include "pipeline/media_usage.hpp"
#include "pipeline/prepared_candidate.hpp"
#include "pipeline/request_deadline.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/target_gate.hpp"
#include "pipeline/usage_capture.hpp"
#include "pipeline/user_views.hpp"
#include "providers/gemini/gemini_images.hpp"
#include "providers/openai/openai_adapter.hpp"
#include "providers/registry.hpp"
#include "routing/resolve.hpp"
#include "routing/selector.hpp"
#include "routing/user_config.hpp"

namespace aisbf {

namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kOperation = "images/generations";
constexpr std::string_view kCannot = "create images (images/generations)";
constexpr std::int64_t kMaxImages = 10;  // OpenAI's own bound on `n`

struct ImagesAsk {
  json::object body;  // the client's, kept whole for a passthrough
  std::string model, prompt, size;
  std::int64_t n = 1;
};

struct ImagesAnswer {
  std::string body;
  ScannedUsage usage;
  const ProviderConfig* provider = nullptr;  // whose answer it is (the snapshot's)
};

enum class ImagesWire { openai, gemini, none };

ImagesWire wire_of(const ProviderConfig& provider) {
  const ProviderAdapter* adapter = find_provider_adapter(provider.type, provider.api);
  if (adapter == nullptr) return ImagesWire::none;
  if (adapter->passthrough_format() == BodyFormat::openai_chat) return ImagesWire::openai;
  if (adapter->type() == "google") return ImagesWire::gemini;
  return ImagesWire::none;
}

GatewayError bad_request(std::string message, std::string param) {
  auto e = make_error(ErrorKind::invalid_request, std::move(message));
  e.param = std::move(param);
  return e;
}

// "model '…' cannot create images (images/generations): …", code
// `unsupported_operation` (pipeline/capability_error.hpp), as embeddings'.
GatewayError cannot_generate(std::string_view model, std::string_view why) {
  return unsupported_operation(model, kCannot, why);
}

GatewayError too_large(std::size_t cap) {
  auto e = make_error(ErrorKind::upstream_protocol,
                      fmt::format("the upstream's answers are larger than server.max_upstream_body_bytes ({})", cap));
  e.code = "upstream_response_too_large";
  return e;
}

Expected<ImagesAsk> read_ask(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return bad_request("the body is not a JSON object", "");
  ImagesAsk ask;
  ask.body = std::move(doc.get_object());
  const json::value* model = ask.body.if_contains("model");
  if (model == nullptr || !model->is_string() || model->get_string().empty())
    return bad_request("'model' is required (a provider/model or rotation id)", "model");
  ask.model = model->get_string();
  const json::value* prompt = ask.body.if_contains("prompt");
  if (prompt == nullptr || !prompt->is_string() || prompt->get_string().empty())
    return bad_request("'prompt' is required (a non-empty string)", "prompt");
  ask.prompt = prompt->get_string();
  if (const json::value* n = ask.body.if_contains("n"); n != nullptr && !n->is_null()) {
    if (!n->is_int64() || n->get_int64() < 1 || n->get_int64() > kMaxImages)
      return bad_request(fmt::format("'n' must be an integer from 1 to {}", kMaxImages), "n");
    ask.n = n->get_int64();
  }
  if (const json::value* size = ask.body.if_contains("size"); size != nullptr && size->is_string())
    ask.size = size->get_string();
  // OpenAI streams partial images as SSE (image_generation.partial_image);
  // the gateway answers images as one JSON body, so it says so rather than
  // answer a stream request with JSON.
  if (const json::value* stream = ask.body.if_contains("stream");
      stream != nullptr && !stream->is_null() && !(stream->is_bool() && !stream->get_bool())) {
    auto e = bad_request(
        "'stream' is not supported for images/generations: the answer is one JSON body (leave "
        "'stream' out or false)",
        "stream");
    e.code = "unsupported_parameter";
    return e;
  }
  return ask;
}

// One POST and its whole answer, at most `cap` bytes; a non-200 classified by the adapter.
awaitable<Expected<std::string>> post_json(RequestContext& ctx, http::UpstreamPool& pool, const PreparedCandidate& p,
                                           const Timeouts& timeouts, std::string target, std::string_view body,
                                           std::size_t cap) {
  http::OutgoingRequest out;
  out.target = std::move(target);
  out.headers = p.auth_headers;
  out.headers.emplace_back("Content-Type", "application/json");
  out.headers.emplace_back("Accept", "application/json");
  out.headers.emplace_back("Accept-Encoding", "identity");
  out.headers.emplace_back("User-Agent", "aisbf/" AISBF_VERSION);
  out.body = body;
  http::UpstreamCall call(pool, *p.endpoint, timeouts, p.target.provider_id);
  ctx.cancel.connect([&call] { call.cancel(); });
  Expected<std::string> answer = std::string();
  if (auto failed = co_await call.start(out)) {
    answer = std::move(*failed);
  } else {
    if (ctx.usage.first_byte == Clock::time_point{}) ctx.usage.first_byte = Clock::now();
    answer = co_await call.read_all(cap);
  }
  ctx.cancel.disconnect();
  if (!answer) co_return answer;
  if (call.status() != 200) co_return p.adapter->classify_error(call.status(), *answer, p.target);
  co_return answer;
}

awaitable<Expected<ImagesAnswer>> openai_images(RequestContext& ctx, http::UpstreamPool& pool,
                                                const PreparedCandidate& p, const Timeouts& timeouts,
                                                const ImagesAsk& ask) {
  json::object sent = ask.body;
  sent["model"] = openai::body_model(p.target);
  const std::string body = json::serialize(sent);
  auto answer =
      co_await post_json(ctx, pool, p, timeouts, p.endpoint->base_path + openai::operation_path(p.target, kOperation),
                         body, ctx.config->server.max_upstream_body_bytes);
  if (!answer) co_return answer.take_error();
  ScannedUsage usage = media_usage(*answer);
  co_return ImagesAnswer{std::move(*answer), usage};
}

// n generateContent calls, one image each, in order; the usage summed.
// The n answers together are held to server.max_upstream_body_bytes, as
// one answer is (each call reads at most what the earlier ones left).
awaitable<Expected<ImagesAnswer>> gemini_images(RequestContext& ctx, http::UpstreamPool& pool,
                                                const PreparedCandidate& p, const Timeouts& timeouts,
                                                const ImagesAsk& ask) {
  const std::string body = gemini::encode_image_generation(ask.prompt, ask.size);
  const std::string target = p.endpoint->base_path + p.adapter->chat_path(p.target, false);
  json::array data;
  ScannedUsage usage;
  usage.reported = true;
  const std::size_t cap = ctx.config->server.max_upstream_body_bytes;
  std::size_t held = 0;
  for (std::int64_t i = 0; i < ask.n; ++i) {
    if (held >= cap) co_return too_large(cap);
    auto answer = co_await post_json(ctx, pool, p, timeouts, target, body, cap - held);
    if (!answer) co_return answer.take_error();
    held += answer->size();
    auto images = gemini::decode_image_generation(*answer);
    if (!images) co_return images.take_error();
    for (auto& image : images->images) {
      if (static_cast<std::int64_t>(data.size()) < ask.n)
        data.push_back(json::object{{"b64_json", std::move(image.b64)}});
    }
    usage.reported = usage.reported && images->prompt_tokens.has_value();
    usage.prompt_tokens += images->prompt_tokens.value_or(0);
    usage.completion_tokens += images->output_tokens.value_or(0);
  }
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  json::object out;
  out["created"] =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  out["data"] = std::move(data);
  if (usage.reported) {
    out["usage"] = json::object{{"input_tokens", usage.prompt_tokens},
                                {"output_tokens", usage.completion_tokens},
                                {"total_tokens", usage.total_tokens}};
  }
  co_return ImagesAnswer{json::serialize(out), usage};
}

awaitable<Expected<ImagesAnswer>> attempt(RequestContext& ctx, http::UpstreamPool& pool, const routing::Candidate& c,
                                          const ImagesAsk& ask) {
  auto prepared = prepare_candidate(c);
  if (!prepared) co_return prepared.take_error();
  const Timeouts timeouts = within_deadline(c.timeouts, ctx);
  std::optional<Expected<ImagesAnswer>> answer;
  switch (wire_of(*c.provider)) {
    case ImagesWire::openai:
      answer = co_await openai_images(ctx, pool, *prepared, timeouts, ask);
      break;
    case ImagesWire::gemini:
      answer = co_await gemini_images(ctx, pool, *prepared, timeouts, ask);
      break;
    case ImagesWire::none:
      break;
  }
  if (answer) {
    if (*answer) (*answer)->provider = c.provider;
    co_return std::move(*answer);
  }
  co_return cannot_generate(c.key, fmt::format("provider type '{}' has no image generation API (OpenAI-compatible "
                                               "and google providers have)",
                                               c.provider->type));
}

void settle(TargetGate& gate, const Expected<ImagesAnswer>& answer, const RequestContext& ctx, bool listed) {
  if (answer) {
    gate.succeeded(answer->usage);
  } else if (ctx.cancel.cancelled() || !listed ||
             (answer.error().kind == ErrorKind::upstream_timeout && past_deadline(ctx))) {
    gate.abandoned();
  } else {
    gate.failed(answer.error(), std::nullopt);
  }
}

// One attempt at `c` under its gate; `records` hears why it failed.
awaitable<std::optional<Expected<ImagesAnswer>>> gated_attempt(RequestContext& ctx, http::UpstreamPool& pool,
                                                               const routing::Candidate& c, const ImagesAsk& ask,
                                                               bool listed, std::vector<AttemptRecord>& records) {
  TargetGate gate(*ctx.state, *ctx.config, c, listed);
  auto skip = co_await claim_slot(gate, ctx, 0);
  if (skip) {
    records.push_back(std::move(*skip));
    co_return std::nullopt;
  }
  ctx.response_headers.clear();
  ctx.response_headers.emplace_back("x-aisbf-target", c.key);
  note_attempt_start(ctx.usage, c);
  auto answer = co_await attempt(ctx, pool, c, ask);
  settle(gate, answer, ctx, listed);
  if (!answer) {
    const GatewayError& e = answer.error();
    spdlog::info("{} images {} → {} failed: {}", ctx.request_id, log_text(ask.model), log_text(c.key),
                 log_text(e.message, 2 * kLogFieldBytes));
    records.push_back(failed_attempt(c, e, gate));
  }
  co_return answer;
}

// A rotation's candidates that have an images API, in failover order.
awaitable<Expected<ImagesAnswer>> through_rotation(RequestContext& ctx, http::UpstreamPool& pool,
                                                   const routing::RotationPlan& plan, const ImagesAsk& ask) {
  std::vector<routing::Candidate> able;
  for (const auto& c : plan.candidates) {
    if (wire_of(*c.provider) != ImagesWire::none) able.push_back(c);
  }
  if (able.empty()) {
    co_return cannot_generate(ask.model,
                              "none of the rotation's models is of a provider type with an image generation API "
                              "(OpenAI-compatible or google)");
  }
  routing::AttemptPlanner planner(able, {}, plan.max_attempts, plan.max_attempts_per_model, selection_seed(ctx));
  std::vector<AttemptRecord> records;
  while (!ctx.cancel.cancelled() && !past_deadline(ctx)) {
    const auto now = Clock::now();
    auto index =
        planner.next([&](std::size_t i) { return available_now(*ctx.state, *ctx.config, able[i], true, now); });
    if (!index) break;
    auto answer = co_await gated_attempt(ctx, pool, able[*index], ask, true, records);
    if (!answer) {
      planner.skipped(*index);
      continue;
    }
    if (*answer || ctx.cancel.cancelled()) co_return std::move(*answer);
    if (!answer->error().retryable) co_return std::move(*answer);  // the request itself is wrong
    planner.failed(*index, transient_failure(answer->error()));
  }
  if (past_deadline(ctx)) co_return request_timed_out(ctx);
  co_return all_candidates_failed(plan.rotation->id, records);
}

awaitable<Expected<ImagesAnswer>> generate(RequestContext& ctx, http::UpstreamPool& pool, std::string_view scope,
                                           const ImagesAsk& ask) {
  auto resolved = routing::resolve_chat(*ctx.config, {ctx.namespace_user, ctx.user_view.get()}, scope, ask.model);
  if (!resolved) co_return resolved.take_error();
  if (resolved->autoselect != nullptr) {
    co_return cannot_generate(ask.model,
                              "an autoselect chooses among chat models by the conversation; name a provider "
                              "model or a rotation");
  }
  if (resolved->in_user_view) {  // a user's own target: served from their view's table
    if (!ctx.global_routes) ctx.global_routes = ctx.routes;
    ctx.routes = ctx.user_view->routes;
    ctx.config = ctx.routes->config_ptr();
  }
  const std::string_view body = ask.prompt;
  auto estimate = [&] { return static_cast<std::int64_t>(body.size() / 4 + 1); };
  if (resolved->rotation != nullptr) {
    const auto* plan = ctx.routes->rotation(resolved->rotation->id);
    if (plan == nullptr) co_return make_error(ErrorKind::internal, "rotation table out of date");
    ctx.usage.rotation = plan->rotation->id;
    std::optional<routing::ModelPrices> prices;
    for (const auto& c : plan->candidates) routing::raise_prices(prices, c.prices);
    if (auto refused = ctx.quota.reserve(ctx.principal, body, estimate, prices, ctx.usage)) co_return *refused;
    co_return co_await through_rotation(ctx, pool, *plan, ask);
  }
  std::optional<routing::Candidate> scratch;
  const routing::Candidate& c = ctx.routes->direct(resolved->target, scratch);
  if (wire_of(*c.provider) == ImagesWire::none) {
    co_return cannot_generate(ask.model,
                              fmt::format("provider type '{}' has no image generation API (OpenAI-compatible and "
                                          "google providers have)",
                                          c.provider->type));
  }
  if (auto refused = ctx.quota.reserve(ctx.principal, body, estimate, c.prices, ctx.usage)) co_return *refused;
  std::vector<AttemptRecord> records;
  auto answer = co_await gated_attempt(ctx, pool, c, ask, !scratch, records);
  if (answer) co_return std::move(*answer);
  auto e = make_error(records.empty()               ? ErrorKind::unavailable
                      : records.back().rate_limited ? ErrorKind::rate_limited
                                                    : ErrorKind::unavailable,
                      records.empty() ? std::string("not available") : records.back().error);
  e.code = e.kind == ErrorKind::rate_limited ? "rate_limited" : "target_unavailable";
  if (!records.empty() && records.back().retry_after) e.retry_after = retry_after_seconds(*records.back().retry_after);
  co_return e;
}

// The request's usage row: the reported tokens, never estimated from image bytes.
void finish(RequestContext& ctx, const ImagesAsk* ask, std::size_t request_bytes, bool aborted) {
  if (!ctx.usage.on()) return;
  if (ctx.usage.first_byte == Clock::time_point{}) ctx.usage.first_byte = Clock::now();
  auto none = [](std::string_view) { return std::int64_t{0}; };
  record_usage(ctx, ask != nullptr ? std::string_view(ask->model) : std::string_view{}, {request_bytes, none}, aborted);
}

}  // namespace

awaitable<void> serve_image_generations(http::Exchange& ex, RequestContext& ctx, std::string_view scope) {
  arm_deadline(ctx);
  const std::size_t request_bytes = ex.request().body().size();
  auto ask = read_ask(ex.request().body());
  if (!ask) {
    note_error(ctx.usage, ask.error());
    ctx.usage.status = ask.error().status;
    co_await send_error(ex, ask.error(), ctx);
    co_return finish(ctx, nullptr, request_bytes, false);
  }
  if (names_user_target(ctx, scope, ask->model)) co_await ensure_user_view(ctx);
  ex.watch_disconnect([&ctx] { ctx.cancel.emit(); });
  auto answer = co_await generate(ctx, ex.upstream_pool(), scope, *ask);
  ex.stop_watch();
  if (!answer) {
    note_error(ctx.usage, answer.error());
    ctx.usage.status = answer.error().status;
    ctx.quota.settle();
    if (!ctx.cancel.cancelled()) co_await send_error(ex, answer.error(), ctx);
    co_return finish(ctx, &*ask, request_bytes, ctx.cancel.cancelled());
  }
  ctx.usage.usage = answer->usage;
  ctx.usage.status = 200;
  if (answer->provider != nullptr) {
    auto rewritten = rewrite_image_urls(std::move(answer->body), ctx, *answer->provider);
    if (!rewritten) {
      note_error(ctx.usage, rewritten.error());
      ctx.usage.status = rewritten.error().status;
      ctx.quota.settle();
      co_await send_error(ex, rewritten.error(), ctx);
      co_return finish(ctx, &*ask, request_bytes, false);
    }
    answer->body = std::move(*rewritten);
  }
  ctx.quota.settle();
  const bool sent = co_await ex.send(200, "application/json", answer->body, answer_headers(ctx, false));
  finish(ctx, &*ask, request_bytes, !sent);
}

}  // namespace aisbf

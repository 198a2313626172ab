#include "pipeline/cache_step.hpp"

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "cache/cache_key.hpp"
#include "cache/cache_policy.hpp"
#include "cache/entry.hpp"
#include "core/response_fold.hpp"
#include "pipeline/cache_follow.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/response_cache.hpp"
#include "pipeline/response_flights.hpp"
#include "pipeline/translate.hpp"
#include "providers/registry.hpp"

namespace aisbf {

namespace {

std::string_view format_name(IngressFormat format) {
  return format == IngressFormat::anthropic_messages ? "anthropic_messages" : "openai_chat";
}

// What may serve the request: the key's target and the entry's labels.
struct Target {
  std::string key;            // "provider/model" or "rotation:<id>"
  std::string_view provider;  // into the snapshot; empty for a rotation until it answers
  std::string_view model;
};

Target target_of(const routing::Resolution& resolved) {
  if (resolved.rotation != nullptr) return {"rotation:" + resolved.rotation->id, {}, {}};
  const auto& t = resolved.target;
  return {t.provider->id + "/" + t.upstream_model, t.provider->id, t.upstream_model};
}

cache::CacheScope scope_of(const routing::Resolution& resolved, const AutoselectConfig* autoselect) {
  cache::CacheScope scope;
  scope.rotation = resolved.rotation;
  scope.autoselect = autoselect;
  if (resolved.rotation == nullptr) {
    scope.provider = resolved.target.provider;
    scope.model = resolved.target.model != nullptr ? std::string_view(resolved.target.model->name)
                                                   : std::string_view(resolved.target.upstream_model);
  }
  return scope;
}

// The recorded answer in the client's format, decoded with the codec of
// the provider that speaks that format (a passthrough answer is that
// provider's own bytes): once, on a miss only. Nullopt: not a complete
// answer (a stream without its finish, a body that does not decode).
std::optional<ChatResponse> decode_recorded(const RecordedResponse& recorded, IngressFormat format) {
  if (!recorded.streamed) {
    const ProviderAdapter* adapter =
        find_provider_adapter(format == IngressFormat::anthropic_messages ? "anthropic" : "openai");
    if (adapter == nullptr) return std::nullopt;
    auto decoded = adapter->decode_chat(recorded.body);
    if (!decoded) return std::nullopt;
    return std::move(decoded.value());
  }
  RecordedStream reader(format, recorded.body.size() + 1);
  std::vector<StreamEvent> events;
  if (reader.feed(recorded.body, events) || reader.finish(events)) return std::nullopt;
  ResponseFolder folder;
  for (const auto& ev : events) folder.fold(ev);
  return std::move(folder.response());
}

// A hit's usage row: the tokens the answer cost when it was made (the
// tokens saved), no attempt, no cost.
void note_hit_usage(UsageTap& tap, const Target& target, const std::optional<Usage>& usage) {
  tap.provider = target.provider;
  tap.model = std::string(target.model);
  tap.attempts = 0;
  tap.prices = routing::ModelPrices{0.0, 0.0, {}, {}, {}, {}};
  if (usage) {
    const Usage& u = *usage;
    tap.usage = ScannedUsage{u.prompt_tokens,
                             u.completion_tokens,
                             u.total_tokens,
                             u.cached_tokens,
                             u.cache_write_tokens,
                             u.reasoning_tokens,
                             true};
  }
}

boost::asio::awaitable<void> answer_hit(ChatJob& job, RequestContext& ctx, ChatResponse& response) {
  ctx.choice_headers.emplace_back("x-aisbf-cache", "hit");
  // An answer of its own: ids are not shared between clients.
  response.id = own_answer_id(job, ctx);
  response.created = seconds_now();
  ClientFormatOutput out(*job.io.sink, ctx, {std::string(job.client_model), job.include_usage});
  if (!job.stream) {
    co_await out.whole(response);
    co_return;
  }
  const std::vector<StreamEvent> events = unfold_response(response);
  const bool delivered = co_await out.events(events);
  if (!delivered) co_return;
  const std::optional<GatewayError> no_error;
  co_await out.finish(no_error);
}

// Which provider and model answered a rotation: its x-aisbf-target header.
bool served_by_rotation_candidate(const RequestContext& ctx, Target& target) {
  for (const auto& [name, value] : ctx.response_headers) {
    if (name != "x-aisbf-target") continue;
    const auto slash = value.find('/');
    if (slash == std::string::npos) return false;
    const ProviderConfig* provider = ctx.config->find_provider(std::string_view(value).substr(0, slash));
    if (provider == nullptr) return false;
    target.provider = provider->id;
    target.model = std::string_view(value).substr(slash + 1);
    return true;
  }
  return false;
}

// After a miss: whether what the client got may be kept. Only a complete,
// successful answer from an upstream (not a notifyerrors text, not a cut
// or failed stream, not a client that left).
bool worth_keeping(const RecordedResponse& recorded, const RequestContext& ctx) {
  return recorded.complete && !recorded.error && !recorded.overflow && recorded.status == 200 && !ctx.usage.error &&
         !ctx.cancel.cancelled();
}

struct Lookup {
  ResponseCache& cache;
  std::string key;
  Target target;
};

// True when the answer was kept.
boost::asio::awaitable<bool> keep_answer(const RecordedResponse& recorded, RequestContext& ctx, Lookup& lookup,
                                         const routing::Resolution& resolved, const AutoselectConfig* autoselect) {
  if (!worth_keeping(recorded, ctx)) co_return false;
  if (resolved.rotation != nullptr) {
    // The candidate that answered has the last word on whether it is kept.
    if (!served_by_rotation_candidate(ctx, lookup.target)) co_return false;
    cache::CacheScope scope{ctx.config->find_provider(lookup.target.provider), lookup.target.model, resolved.rotation,
                            autoselect};
    if (!cache::response_cache_enabled(*ctx.config, scope)) co_return false;
  }
  auto response = decode_recorded(recorded, ctx.format);
  if (!response) {
    spdlog::debug("{} response cache: the answer did not decode, not kept", ctx.request_id);
    co_return false;
  }
  // A hit answers with usage (and records the tokens it saved): an answer
  // without (an OpenAI stream that did not ask for it) is not kept.
  if (!response->usage) {
    spdlog::debug("{} response cache: the answer carries no usage, not kept", ctx.request_id);
    co_return false;
  }
  const std::string value = cache::encode_entry(*response);
  const auto ttl =
      std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(ctx.config->response_cache.ttl * 1000)));
  const auto expires = cache::Clock::now() + ttl;
  const cache::EntryLabels labels{ctx.namespace_user, lookup.target.provider, lookup.target.model};
  auto kept = co_await lookup.cache.store().put(lookup.key, labels, value, expires);
  if (!kept) spdlog::warn("{} response cache: not kept: {}", ctx.request_id, kept.error().message);
  const bool stored = kept && *kept;
  co_return stored;
}

// The entry under the lookup's key, decoded; nullopt: a miss (absent,
// expired, corrupt or foreign, or the store failed: a warning).
boost::asio::awaitable<std::optional<ChatResponse>> look_up(Lookup& lookup, const RequestContext& ctx) {
  const auto now = cache::Clock::now();
  auto found = co_await lookup.cache.store().get(lookup.key, now);
  if (!found) {
    spdlog::warn("{} response cache: lookup failed: {}", ctx.request_id, found.error().message);
    co_return std::nullopt;
  }
  if (!*found) co_return std::nullopt;
  co_return cache::decode_entry(**found);
}

boost::asio::awaitable<void> serve_hit(ChatJob& job, RequestContext& ctx, Lookup& lookup, ChatResponse& response) {
  lookup.cache.count_hit();
  note_hit_usage(ctx.usage, lookup.target, response.usage);
  co_await answer_hit(job, ctx, response);
}

// The stream a leader's client gets carries usage (an Anthropic stream
// always does; an OpenAI one when asked): a follower that wants usage
// follows only such a stream live.
bool streams_usage(const ChatJob& job) { return job.anthropic || job.include_usage; }

// A follower's part: a streaming follower of a streaming leader takes its
// stream as it arrives (cache_follow.hpp); otherwise, or when that leader
// failed before this follower started, it waits for the leader's verdict
// and reads the kept entry. True when answered (or its client left).
boost::asio::awaitable<bool> follow(ChatJob& job, RequestContext& ctx, Lookup& lookup,
                                    const std::shared_ptr<ResponseFlights::Flight>& flight) {
  if (job.stream) {
    const LiveFollow live = co_await follow_live(job, ctx, flight);
    if (live.started) {
      // It shared the leader's call; a hit once it had the whole answer.
      lookup.cache.count_coalesced();
      if (live.complete) lookup.cache.count_hit();
      note_hit_usage(ctx.usage, lookup.target, live.usage);
    }
    if (live.done) co_return true;
  }
  const std::optional<ResponseFlights::View> verdict =
      co_await ResponseFlights::next(flight, 0, false, ctx.deadline, ctx.cancel);
  if (!verdict || verdict->settled != ResponseFlights::Settled::kept) co_return ctx.cancel.cancelled();
  std::optional<ChatResponse> response = co_await look_up(lookup, ctx);
  if (!response) co_return false;  // evicted meanwhile: on its own
  lookup.cache.count_coalesced();
  co_await serve_hit(job, ctx, lookup, *response);
  co_return true;
}

// Identical misses in flight wait for the first one's answer. True when
// this request was answered from it; false: it runs on its own (it leads,
// or the leader failed, or the flight table is full).
boost::asio::awaitable<bool> follow_flight(ChatJob& job, RequestContext& ctx, Lookup& lookup,
                                           std::unique_ptr<ResponseFlights::Lead>& lead) {
  ResponseFlights::Joined joined = lookup.cache.flights().join(lookup.key, streams_usage(job));
  if (joined.lead) {
    // A leader that finished between this request's lookup and its join
    // has kept its answer by now: read again rather than call upstream.
    lead = std::move(joined.lead);
    std::optional<ChatResponse> kept = co_await look_up(lookup, ctx);
    if (!kept) co_return false;
    lead->settle(ResponseFlights::Settled::kept);
    co_await serve_hit(job, ctx, lookup, *kept);
    co_return true;
  }
  if (!joined.follow) co_return false;
  // A follower's client that leaves ends its wait (ctx.cancel).
  if (job.io.exchange != nullptr) job.io.exchange->watch_disconnect([&ctx] { ctx.cancel.emit(); });
  const bool answered = co_await follow(job, ctx, lookup, joined.follow);
  if (job.io.exchange != nullptr) job.io.exchange->stop_watch();
  co_return answered;
}

}  // namespace

boost::asio::awaitable<void> serve_cached(ChatJob& job, RequestContext& ctx, routing::Resolution resolved,
                                          const AutoselectConfig* autoselect, ServeResolved next) {
  ResponseCache& cache = *ctx.state->response_cache;
  const cache::CacheScope scope = scope_of(resolved, autoselect);
  if (!cache::response_cache_enabled(*ctx.config, scope)) co_return co_await next(job, ctx, resolved);
  const http::Request& request = *job.io.client;
  // Every Cache-Control header counts (a directive may come in a second one).
  bool bypass = cache::client_bypasses({}, request["x-aisbf-cache"]);
  const auto [first, last] = request.equal_range(boost::beast::http::field::cache_control);
  for (auto it = first; it != last; ++it) bypass = bypass || cache::client_bypasses(it->value(), {});
  if (bypass) {
    ctx.choice_headers.emplace_back("x-aisbf-cache", "bypass");
    co_return co_await next(job, ctx, resolved);
  }
  auto canonical = cache::canonical_request(request.body());
  if (!canonical || !cache::cacheable(*canonical, ctx.config->response_cache.cache_nondeterministic)) {
    co_return co_await next(job, ctx, resolved);
  }
  Lookup lookup{cache, {}, target_of(resolved)};
  // An Anthropic client's version and beta flags reach the upstream
  // (chat_attempt.cpp) and can change the answer: they are part of the key.
  std::string protocol;
  if (ctx.format == IngressFormat::anthropic_messages) {
    ((protocol += request["anthropic-version"]) += '\n') += request["anthropic-beta"];
  }
  lookup.key = cache::cache_key(
      {ctx.namespace_user, lookup.target.key, format_name(ctx.format), canonical->text, protocol});
  canonical.reset();  // the text can be large: not kept across the attempts
  std::optional<ChatResponse> response = co_await look_up(lookup, ctx);
  if (response) co_return co_await serve_hit(job, ctx, lookup, *response);
  std::unique_ptr<ResponseFlights::Lead> lead;
  const bool followed = co_await follow_flight(job, ctx, lookup, lead);
  if (followed) co_return;
  cache.count_miss();
  ctx.choice_headers.emplace_back("x-aisbf-cache", "miss");
  // The answer is recorded in the flight as the client gets it; followers
  // read it there as it grows (or none can join: a recording alone).
  if (!lead) lead = cache.flights().alone(streams_usage(job));
  FlightSink tee(*job.io.sink, *lead, ctx);
  ResponseSink* client = job.io.sink;
  job.io.sink = &tee;
  co_await next(job, ctx, resolved);
  job.io.sink = client;
  lead->close();
  const bool kept = co_await keep_answer(lead->recorded(), ctx, lookup, resolved, autoselect);
  // Followers still waiting read the entry, or (not kept) try on their own.
  lead->settle(kept ? ResponseFlights::Settled::kept : ResponseFlights::Settled::dropped);
}

}  // namespace aisbf

#include "pipeline/cache_step.hpp"

#include <chrono>
#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "cache/cache_key.hpp"
#include "cache/cache_policy.hpp"
#include "cache/entry.hpp"
#include "cache/key_memo.hpp"
#include "core/log_text.hpp"
#include "core/response_fold.hpp"
#include "pipeline/cache_answer.hpp"
#include "pipeline/cache_follow.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/response_cache.hpp"
#include "pipeline/translate.hpp"
#include "pipeline/usage_capture.hpp"
#include "pipeline/response_flights.hpp"

namespace aisbf {

namespace {

std::string_view format_name(IngressFormat format) {
  return format == IngressFormat::anthropic_messages ? "anthropic_messages" : "openai_chat";
}

// A failed get or put of the store: a warning, at most one per interval
// (ResponseCache::store_warnings), the others at debug.
void warn_store_failure(ResponseCache& cache, const RequestContext& ctx, std::string_view what,
                        const GatewayError& error) {
  const auto held = cache.store_warnings().admit(WarningGate::Clock::now());
  if (!held) {
    spdlog::debug("{} response cache: {}: {}", ctx.request_id, what, log_text(error.message));
  } else if (*held == 0) {
    spdlog::warn("{} response cache: {}: {}", ctx.request_id, what, log_text(error.message));
  } else {
    spdlog::warn("{} response cache: {}: {} ({} more failures since the last warning)", ctx.request_id, what,
                 log_text(error.message), *held);
  }
}

// What may serve the request: the key's target and the entry's labels.
struct Target {
  std::string key;            // "provider/model" or "rotation:<id>"
  std::string_view provider;  // into the snapshot; empty for a rotation until it answers
  std::string_view model;
  std::string_view rotation;  // the rotation's id; empty for a provider's model
  bool own = false;           // a user's own (its ids are internal: "~alice/…", in the user's view)
};

Target target_of(const routing::Resolution& resolved) {
  if (resolved.rotation != nullptr) {
    return {"rotation:" + resolved.rotation->id, {}, {}, resolved.rotation->id, resolved.in_user_view};
  }
  const auto& t = resolved.target;
  return {t.provider->id + "/" + t.upstream_model, t.provider->id, t.upstream_model, {}, resolved.in_user_view};
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

// A hit's usage row: the tokens the answer cost when it was made (the
// tokens saved) and what made it (for a rotation, the candidate the entry
// names, when known: the key names neither), no attempt, no cost.
void note_hit_usage(RequestContext& ctx, const Target& target, std::string_view provider_id, std::string_view model,
                    const ScannedUsage& usage) {
  UsageTap& tap = ctx.usage;
  tap.rotation = target.rotation;
  tap.provider = target.provider;
  tap.set_model_copy(target.model);
  if (target.provider.empty()) {
    // The usage row holds the provider as a view into the snapshot (the
    // entry's labels are views into its bytes): one gone since the answer
    // was kept is not named.
    const Config& where = target.own && ctx.user_view != nullptr ? ctx.user_view->config() : *ctx.config;
    const ProviderConfig* provider = provider_id.empty() ? nullptr : where.find_provider(provider_id);
    tap.provider = provider != nullptr ? std::string_view(provider->id) : std::string_view{};
    tap.set_model_copy(model);
  }
  tap.attempts = 0;
  tap.prices = routing::ModelPrices{0.0, 0.0, {}, {}, {}, {}};
  tap.usage = usage;
}

void note_hit_usage(RequestContext& ctx, const Target& target, const cache::StoredAnswer& answer) {
  note_hit_usage(ctx, target, answer.provider, answer.model, answer.usage);
}

// Whether the client's answer must carry usage: a whole answer and an
// Anthropic stream always do, an OpenAI stream when asked. An entry
// without usage (an OpenAI stream that did not ask) serves only clients
// that need none; for the others it is a miss, and their answer, which has
// usage, replaces it.
bool needs_usage(const ChatJob& job, const RequestContext& ctx) {
  return !job.stream || ctx.format == IngressFormat::anthropic_messages || job.include_usage;
}

// A hit in the shape the entry holds (a stream for a stream, a body for a
// body, with usage where the client's stream asked for it): its bytes as
// they are, under an id of its own (ids are not shared between clients).
bool replays_as_stored(const ChatJob& job, const RequestContext& ctx, const cache::StoredAnswer& answer) {
  if (answer.streamed != job.stream || answer.asked != job.client_model) return false;
  // An OpenAI stream carries a usage chunk when its client asked for one;
  // a client that did not may not expect one.
  return !job.stream || ctx.format == IngressFormat::anthropic_messages || answer.usage.reported == job.include_usage;
}

boost::asio::awaitable<void> replay_stored(ChatJob& job, RequestContext& ctx, const cache::StoredAnswer& answer) {
  const std::string body = with_id(answer.body, answer.id, own_answer_id(job, ctx));
  ResponseSink& sink = *job.io.sink;
  const HeaderList headers = answer_headers(ctx, answer.streamed);
  if (!answer.streamed) {
    co_await sink.send(200, "application/json", body, headers);
    co_return;
  }
  const bool began = co_await sink.begin_stream(200, "text/event-stream", headers);
  if (!began) co_return;
  const bool wrote = co_await sink.write(body);
  if (!wrote) co_return;
  co_await sink.end();
}

// Another shape: the canonical answer, encoded for this client.
boost::asio::awaitable<void> answer_converted(ChatJob& job, RequestContext& ctx, ChatResponse& response) {
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

// The provider id and model an x-aisbf-target value names
// ("<provider>/<model>"; a user's own provider's id is "~<user>/<id>");
// both empty when it names none.
std::pair<std::string_view, std::string_view> split_target(std::string_view value) {
  auto slash = value.find('/');
  if (value.starts_with('~') && slash != std::string_view::npos) slash = value.find('/', slash + 1);
  if (slash == std::string_view::npos) return {};
  return {value.substr(0, slash), value.substr(slash + 1)};
}

// Whether a rotation's answer from the candidate `served_by` (an
// x-aisbf-target value) may be cached or shared: the candidate that
// answered has the last word (its enable_response_cache). Fills `target`
// with it. A provider's own model was judged before the lookup: true.
bool candidate_may_cache(const RequestContext& ctx, std::string_view served_by, const routing::Resolution& resolved,
                         const AutoselectConfig* autoselect, Target& target) {
  if (resolved.rotation == nullptr) return true;
  const auto [provider_id, model] = split_target(served_by);
  const ProviderConfig* provider = provider_id.empty() ? nullptr : ctx.config->find_provider(provider_id);
  if (provider == nullptr) return false;
  target.provider = provider->id;
  target.model = model;
  const cache::CacheScope scope{provider, model, resolved.rotation, autoselect};
  return cache::response_cache_enabled(*ctx.config, scope);
}

// The x-aisbf-target the attempts set on the response ("" when none).
std::string_view served_by_header(const RequestContext& ctx) {
  for (const auto& [name, value] : ctx.response_headers) {
    if (name == "x-aisbf-target") return value;
  }
  return {};
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
  const routing::Resolution& resolved;
  const AutoselectConfig* autoselect;  // the one that chose the target, if any
};

// A miss's answer as an entry, when it may be kept: complete, successful,
// with what a hit needs, from a candidate that allows it; else null.
std::shared_ptr<const std::string> entry_of(const RecordedResponse& recorded, const ChatJob& job,
                                            const RequestContext& ctx, Lookup& lookup) {
  if (!worth_keeping(recorded, ctx)) return nullptr;
  if (!candidate_may_cache(ctx, served_by_header(ctx), lookup.resolved, lookup.autoselect, lookup.target)) {
    return nullptr;
  }
  // Only a complete answer is kept. One without usage (an OpenAI stream
  // that did not ask for it) serves only clients that need none, and its
  // hits' usage rows are estimated like any answer without usage.
  const std::optional<AnswerFacts> facts = read_answer(recorded.body, recorded.streamed, ctx.format, ctx.usage.usage);
  if (!facts) {
    spdlog::debug("{} response cache: not a complete answer with usage, not kept", ctx.request_id);
    return nullptr;
  }
  const cache::StoredAnswer answer{recorded.streamed, facts->usage,     facts->id, lookup.target.provider,
                                   lookup.target.model, job.client_model, recorded.body};
  std::string value = cache::encode_entry(answer);
  if (value.empty()) return nullptr;
  return std::make_shared<const std::string>(std::move(value));
}

// True when the store took it.
boost::asio::awaitable<bool> keep_entry(const std::string& entry, RequestContext& ctx, Lookup& lookup) {
  const auto ttl =
      std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(ctx.config->response_cache.ttl * 1000)));
  const auto expires = cache::Clock::now() + ttl;
  const cache::EntryLabels labels{ctx.namespace_user, lookup.target.provider, lookup.target.model};
  auto kept = co_await lookup.cache.store().put(lookup.key, labels, entry, expires);
  if (!kept) warn_store_failure(lookup.cache, ctx, "not kept", kept.error());
  const bool stored = kept && *kept;
  co_return stored;
}

// The entry's bytes under the lookup's key; nullopt: a miss (absent,
// expired, or the store failed: a warning).
boost::asio::awaitable<std::optional<std::string>> look_up(Lookup& lookup, const RequestContext& ctx) {
  const auto now = cache::Clock::now();
  auto found = co_await lookup.cache.store().get(lookup.key, now);
  if (!found) {
    warn_store_failure(lookup.cache, ctx, "lookup failed", found.error());
    co_return std::nullopt;
  }
  co_return std::move(*found);
}

// Answers from the entry's bytes: a hit, or a follower served from its
// leader's entry, past the quota gate as a request that costs nothing
// (quota_gate.hpp, admit_hit: refused as a miss over a request count
// would be). False, nothing sent: the bytes are no entry this build reads
// (corrupt, foreign, older), or not in a shape it can turn into the one
// asked for: a miss.
boost::asio::awaitable<bool> serve_hit(ChatJob& job, RequestContext& ctx, Lookup& lookup, const std::string& bytes) {
  const std::optional<cache::StoredAnswer> answer = cache::decode_entry(bytes);
  if (!answer || (!answer->usage.reported && needs_usage(job, ctx))) co_return false;
  std::optional<ChatResponse> converted;
  if (!replays_as_stored(job, ctx, *answer)) {
    converted = decode_answer(answer->body, answer->streamed, ctx.format);
    if (!converted) co_return false;
  }
  if (auto refused = ctx.quota.admit_hit(ctx.principal)) {
    note_error(ctx.usage, *refused);
    co_await send_error(*job.io.sink, *refused, ctx);
    co_return true;
  }
  lookup.cache.count_hit();
  note_hit_usage(ctx, lookup.target, *answer);
  ctx.choice_headers.emplace_back("x-aisbf-cache", "hit");
  if (converted) {
    co_await answer_converted(job, ctx, *converted);
  } else {
    co_await replay_stored(job, ctx, *answer);
  }
  co_return true;
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
    // A rotation's answer is shared only when the candidate that gives it
    // allows caching, as it is kept only then.
    const std::function<bool(std::string_view)> may_share = [&](std::string_view served_by) {
      Target candidate;
      return candidate_may_cache(ctx, served_by, lookup.resolved, lookup.autoselect, candidate);
    };
    const LiveFollow live = co_await follow_live(job, ctx, flight, may_share);
    if (live.started) {
      // It shared the leader's call; a hit once it had the whole answer,
      // made by the candidate the leader's answer named (a rotation's).
      lookup.cache.count_coalesced();
      if (live.complete) lookup.cache.count_hit();
      ScannedUsage usage;
      if (live.usage) {
        const Usage& u = *live.usage;
        usage = ScannedUsage{u.prompt_tokens,      u.completion_tokens, u.total_tokens, u.cached_tokens,
                             u.cache_write_tokens, u.reasoning_tokens,  true};
      }
      const auto [provider_id, model] = split_target(live.served_by);
      note_hit_usage(ctx, lookup.target, provider_id, model, usage);
    }
    if (live.done) co_return true;
  }
  const std::optional<ResponseFlights::View> verdict =
      co_await ResponseFlights::next(flight, 0, false, ctx.deadline, ctx.cancel);
  if (!verdict) co_return ctx.cancel.cancelled();
  if (verdict->entry != nullptr) {
    // The leader's answer as it made an entry of it: no read of the store,
    // which may not have taken it (down, full).
    const bool served = co_await serve_hit(job, ctx, lookup, *verdict->entry);
    if (served) lookup.cache.count_coalesced();
    co_return served;
  }
  if (verdict->settled != ResponseFlights::Settled::kept) co_return ctx.cancel.cancelled();
  std::optional<std::string> kept = co_await look_up(lookup, ctx);
  if (!kept) co_return false;  // evicted meanwhile: on its own
  const bool served = co_await serve_hit(job, ctx, lookup, *kept);
  if (served) lookup.cache.count_coalesced();
  co_return served;
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
    std::optional<std::string> kept = co_await look_up(lookup, ctx);
    if (!kept) co_return false;
    const bool served = co_await serve_hit(job, ctx, lookup, *kept);
    if (served) lead->settle(ResponseFlights::Settled::kept);
    co_return served;
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
  Lookup lookup{cache, {}, target_of(resolved), resolved, autoselect};
  // An Anthropic client's version and beta flags reach the upstream
  // (chat_attempt.cpp) and can change the answer: they are part of the key.
  std::string protocol;
  if (ctx.format == IngressFormat::anthropic_messages) {
    ((protocol += request["anthropic-version"]) += '\n') += request["anthropic-beta"];
  }
  // The key of the canonical request (remembered for a body seen before).
  std::optional<cache::RequestKey> key =
      cache::request_key({ctx.namespace_user, lookup.target.key, format_name(ctx.format), request.body(), protocol});
  if (!key || !cache::cacheable(*key, ctx.config->response_cache.cache_nondeterministic)) {
    co_return co_await next(job, ctx, resolved);
  }
  lookup.key = std::move(key->key);
  std::optional<std::string> found = co_await look_up(lookup, ctx);
  if (found) {
    const bool served = co_await serve_hit(job, ctx, lookup, *found);
    if (served) co_return;
  }
  std::unique_ptr<ResponseFlights::Lead> lead;
  const bool followed = co_await follow_flight(job, ctx, lookup, lead);
  if (followed) co_return;
  cache.count_miss();
  ctx.choice_headers.emplace_back("x-aisbf-cache", "miss");
  // The answer is recorded in the flight as the client gets it (bounded by
  // what the store could keep: ResponseCache's flights); followers read it
  // there as it grows (or none can join: a recording alone).
  if (!lead) lead = cache.flights().alone(streams_usage(job));
  FlightSink tee(*job.io.sink, *lead, ctx);
  {
    // The client's sink comes back however `next` ends.
    struct Restore {
      ChatJob& job;
      ResponseSink* client;
      ~Restore() { job.io.sink = client; }
    } restore{job, job.io.sink};
    job.io.sink = &tee;
    co_await next(job, ctx, resolved);
  }
  lead->close();
  const std::shared_ptr<const std::string> entry = entry_of(lead->recorded(), job, ctx, lookup);
  bool stored = false;
  if (entry != nullptr) {
    // Followers are served from it at once, not after the store's answer.
    lead->publish(entry);
    stored = co_await keep_entry(*entry, ctx, lookup);
  }
  // Those still waiting without an entry try on their own.
  lead->settle(stored ? ResponseFlights::Settled::kept : ResponseFlights::Settled::dropped);
}

}  // namespace aisbf

#include "pipeline/autoselect_step.hpp"

#include <algorithm>
#include <optional>
#include <span>
#include <vector>

#include <boost/container/small_vector.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "config/autoselect.hpp"
#include "config/prompt_files.hpp"
#include "context/condense_text.hpp"
#include "context/token_count.hpp"
#include "context/tokenizer.hpp"
#include "core/log_text.hpp"
#include "pipeline/capability_error.hpp"
#include "pipeline/content_scan.hpp"
#include "pipeline/conversation_scan.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/ingress.hpp"
#include "pipeline/semantic_embeddings.hpp"
#include "pipeline/side_call.hpp"
#include "routing/autoselect_answer.hpp"
#include "routing/autoselect_cache.hpp"
#include "routing/autoselect_prompt.hpp"
#include "routing/content_class.hpp"
#include "routing/private_data.hpp"
#include "routing/resolve.hpp"
#include "routing/rotation.hpp"
#include "routing/semantic_select.hpp"
#include "routing/user_config.hpp"

namespace aisbf {

namespace {

// The answer is an id inside a tag; the room lets a model that reasons
// aloud first still reach it.
constexpr std::int64_t kSelectionMaxTokens = 256;
constexpr std::int64_t kClassifyMaxTokens = 64;
// The latest messages BM25 reads for semantic selection.
constexpr std::size_t kSemanticMessages = 3;
constexpr std::size_t kEmbeddingsQueryBytes = 8000;

// One candidate whose target resolves (its target: the Field's targets at `index`).
struct Usable {
  std::size_t index = 0;  // into autoselect.candidates
  routing::CandidateFlags flags;
};

// Where the autoselect's ids resolve: the global snapshot (a user's
// autoselect may name global rotations and providers), in the caller's namespace.
struct Where {
  const routing::RoutingTable& routes;
  routing::Namespace ns;
};

Where where_of(const RequestContext& ctx) {
  const auto& routes = ctx.global_routes ? *ctx.global_routes : *ctx.routes;
  return {routes, {ctx.namespace_user, ctx.user_view.get()}};
}

// Whether the target named by `model_id` can serve a request with `needs`
// (any of a rotation's candidates, for a rotation).
bool target_serves(const RequestContext& ctx, const Where& at, std::string_view model_id,
                   const routing::RequestNeeds& needs) {
  auto r = routing::resolve_chat(at.routes.config(), at.ns, {}, model_id);
  if (!r || r->autoselect != nullptr) return false;
  const routing::RoutingTable& routes = r->in_user_view && ctx.user_view ? *ctx.user_view->routes : at.routes;
  if (r->rotation != nullptr) {
    const auto* plan = routes.rotation(r->rotation->id);
    return plan != nullptr && std::any_of(plan->candidates.begin(), plan->candidates.end(),
                                          [&](const routing::Candidate& c) { return routing::can_serve(c, needs); });
  }
  std::optional<routing::Candidate> scratch;
  return routing::can_serve(routes.direct(r->target, scratch), needs);
}

// The autoselect's candidates and fallback resolved: in the global
// namespace the routing table's, worked out once per snapshot; in a user's
// (whose view may change what an id names) here, into `scratch`.
const routing::AutoselectTargets& targets_of(const RequestContext& ctx, const Where& at, const AutoselectConfig& a,
                                             std::optional<routing::AutoselectTargets>& scratch) {
  if (at.ns.is_global() && ctx.user_view == nullptr) {
    if (const auto* t = at.routes.autoselect_targets(a)) return *t;
  }
  const routing::RoutingTable* user_routes = ctx.user_view ? ctx.user_view->routes.get() : nullptr;
  return scratch.emplace(routing::resolve_autoselect_targets(at.routes, user_routes, at.ns, a));
}

// The candidates a request may be served by and the filter's verdict, in
// small vectors: an autoselect has a few candidates, and a cached decision
// allocates none of this.
template <class T>
using Few = boost::container::small_vector<T, 8>;
struct Field {
  std::optional<routing::AutoselectTargets> scratch;  // a user's namespace: resolved for this request
  const routing::AutoselectTargets* targets = nullptr;
  Few<Usable> usable;
  Few<routing::CandidateFlags> flags;  // of `usable`, for the filter
  routing::CandidateFilter filter;     // its indices are into `usable`
  Few<std::string> allowed;            // the ids the filter left, in candidates order
};

void fill_field(Field& f, const RequestContext& ctx, const Where& at, const AutoselectConfig& a,
                const routing::ContentNeeds& needs) {
  f.targets = &targets_of(ctx, at, a, f.scratch);
  for (std::size_t i = 0; i < a.candidates.size(); ++i) {
    const auto& c = a.candidates[i];
    const routing::AutoselectTarget& t = f.targets->candidates[i];
    if (!t.target || !t.serves) {
      spdlog::warn("{} autoselect {}: candidate '{}' names no rotation or provider model; skipped", ctx.request_id,
                   log_text(a.id), log_text(c.model_id));
      continue;
    }
    f.usable.push_back({i, {c.model_id, c.nsfw, c.privacy, needs.images && t.images, needs.tools && t.tools}});
    f.flags.push_back(f.usable.back().flags);
  }
  f.filter = routing::filter_candidates(std::span(f.flags.data(), f.flags.size()), needs, a.id);
  for (std::size_t i : f.filter.allowed) f.allowed.push_back(a.candidates[f.usable[i].index].model_id);
}

bool has_images(const ChatRequest& r) {
  for (const auto& m : r.messages) {
    for (const auto& b : m.content) {
      if (std::holds_alternative<ImageBlock>(b)) return true;
    }
  }
  return false;
}

// What BM25 reads: the text of the latest messages, not the system prompt
// (an agent's says the same whatever the turn asks). `window`: only the
// last that many messages are read (0: no limit).
std::string semantic_query(const ChatRequest& r, std::size_t window = 0) {
  std::string out;
  std::size_t taken = 0;
  const auto stop = window == 0 || window >= r.messages.size() ? r.messages.rend() : r.messages.rbegin() + window;
  for (auto m = r.messages.rbegin(); m != stop && taken < kSemanticMessages; ++m) {
    if (m->role == Role::system || m->role == Role::developer) continue;
    ++taken;
    for (const auto& b : m->content) {
      if (const auto* t = std::get_if<TextBlock>(&b)) (out += t->text) += '\n';
    }
  }
  return out;
}


// What the embeddings model reads: the semantic query, only from the
// messages the privacy classifier scanned (classify_window) when it runs,
// and cut to its head and tail within kEmbeddingsQueryBytes (a token is at
// least a byte, so within any embeddings model's input limit: 8192 tokens
// for OpenAI's; an agent's turns are often longer, and an input past the
// limit is an error that would leave BM25 alone).
std::string embeddings_query(const ChatRequest& r, const EffectiveAutoselect& eff) {
  const std::size_t window = eff.classify_privacy ? static_cast<std::size_t>(std::max(0, eff.classify_window)) : 0;
  std::string query = semantic_query(r, window);
  if (query.size() <= kEmbeddingsQueryBytes) return query;
  // Each half leaves room for head_and_tail's marker line.
  return context::head_and_tail(query, kEmbeddingsQueryBytes / 2 - 64, kEmbeddingsQueryBytes / 2 - 64);
}

std::string_view prompt_text(const std::string& loaded, std::string_view name) {
  return loaded.empty() ? default_prompt(name) : std::string_view(loaded);
}

std::chrono::milliseconds timeout_of(const EffectiveAutoselect& eff) { return eff.selection_timeout; }

// The classifier model's verdict (`classify_nsfw_model`); unknown answers
// and failures leave the word list's verdict standing.
boost::asio::awaitable<bool> nsfw_by_model(ChatJob& job, RequestContext& ctx, const Where& at,
                                           const AutoselectConfig& a, const EffectiveAutoselect& eff,
                                           const ChatRequest& request) {
  auto model = routing::autoselect_target_id(at.routes.config(), at.ns, a.classify_nsfw_model);
  if (!model) co_return false;
  ChatRequest ask;
  ask.model = *model;
  ask.temperature = 0;
  ask.max_tokens = kClassifyMaxTokens;
  const routing::ClassifyWindow window{static_cast<std::size_t>(std::max(0, eff.classify_window))};
  std::string text = routing::build_classify_prompt(
      prompt_text(at.routes.config().autoselect_prompts.classify_nsfw, "classify_nsfw"), request, window);
  ask.messages.push_back(Message{Role::user, {TextBlock{text}}, {}});
  const SideCall how{"classification", timeout_of(eff), true};
  auto answer = co_await side_call(ctx, job.io.pool, how, std::move(ask), text);
  if (!answer) {
    spdlog::info("{} autoselect {}: the NSFW classifier failed: {}", ctx.request_id, log_text(a.id),
                 log_text(answer.error().message));
    co_return false;
  }
  co_return routing::parse_classification(answer_text(*answer)) == routing::ContentVerdict::nsfw;
}

// The selection model's pick among `allowed` (ids), or nullopt; `trace`
// (a dry run's) gets who was asked, the answer and why it gave no pick.
boost::asio::awaitable<std::optional<std::string>> ask_selection_model(
    ChatJob& job, RequestContext& ctx, const Where& at, const AutoselectConfig& a, const EffectiveAutoselect& eff,
    const ChatRequest& request, std::span<const std::string> allowed, AutoselectTrace* trace) {
  auto model = routing::autoselect_target_id(at.routes.config(), at.ns, eff.selection_model);
  if (!model) {
    if (trace) trace->failure = fmt::format("the selection model '{}' names no model", eff.selection_model);
    co_return std::nullopt;
  }
  if (trace) trace->selection_model = *model;
  // Without the tokenizer's rank files the window is cut by an estimate:
  // the selection model must still see the conversation it chooses for.
  auto tokenizer = context::tokenizer_for(context::Encoding::cl100k_base);
  std::optional<context::ChatTokenCounter> exact;
  const context::EstimatingTokenCounter estimate;
  if (tokenizer) exact.emplace(**tokenizer);
  const context::TokenCounter& counter = exact ? static_cast<const context::TokenCounter&>(*exact) : estimate;
  const std::string conversation = routing::render_conversation(
      request, {static_cast<std::size_t>(std::max(0, eff.history_messages)), eff.history_tokens}, counter);
  std::vector<routing::AutoselectChoice> choices;
  for (const auto& id : allowed) {
    const auto it = std::find_if(a.candidates.begin(), a.candidates.end(),
                                 [&](const AutoselectCandidate& c) { return c.model_id == id; });
    choices.push_back({id, it != a.candidates.end() ? std::string_view(it->description) : std::string_view{}});
  }
  std::string text = routing::build_autoselect_prompt(
      {prompt_text(at.routes.config().autoselect_prompts.selection, "autoselect"), conversation, choices, a.fallback});
  ChatRequest ask;
  ask.model = *model;
  ask.temperature = 0;
  ask.max_tokens = kSelectionMaxTokens;
  ask.messages.push_back(Message{Role::user, {TextBlock{text}}, {}});
  const SideCall how{"autoselect", timeout_of(eff), true};
  auto answer = co_await side_call(ctx, job.io.pool, how, std::move(ask), text);
  if (!answer) {
    spdlog::info("{} autoselect {}: selection by {} failed: {}", ctx.request_id, log_text(a.id), log_text(*model),
                 log_text(answer.error().message));
    if (trace) trace->failure = selection_failure(answer.error(), trace->upstream_detail);
    co_return std::nullopt;
  }
  const std::string said = answer_text(*answer);
  if (trace) trace->answer = context::utf8_prefix(said, AutoselectTrace::kMaxAnswerBytes);
  auto picked = routing::parse_autoselect_answer(said, allowed);
  if (!picked) {
    spdlog::info("{} autoselect {}: {} named no candidate", ctx.request_id, log_text(a.id), log_text(*model));
    if (trace) trace->failure = "the answer names no candidate";
  }
  co_return picked;
}

GatewayError no_candidate(std::string message) {
  auto e = make_error(ErrorKind::forbidden, std::move(message));
  e.code = "no_allowed_model";
  e.param = "model";
  return e;
}

// Why no candidate may serve a request the filter left none for. When the
// capabilities alone rule every candidate out and the content (personal
// data, NSFW) alone would not, the request is one no candidate can take
// whatever it says: a 400 as a rotation answers. Otherwise the 403 names
// the kinds of data (the content had its part in it).
GatewayError no_candidate_left(std::span<const routing::CandidateFlags> flags, const routing::ContentNeeds& needs,
                               const routing::CandidateFilter& filter, std::string_view autoselect_id) {
  const routing::ContentNeeds capabilities{.images = needs.images, .tools = needs.tools};
  const routing::ContentNeeds content{.private_data = needs.private_data, .nsfw = needs.nsfw};
  const bool sensitive = !needs.private_data.empty() || needs.nsfw;
  const bool by_capability = (needs.images || needs.tools) &&
                             routing::filter_candidates(flags, capabilities, autoselect_id).allowed.empty();
  if (by_capability &&
      (!sensitive || !routing::filter_candidates(flags, content, autoselect_id).allowed.empty())) {
    return unsupported_capability(fmt::format("candidate of autoselect '{}'", autoselect_id),
                                  {.tools = needs.tools, .images = needs.images});
  }
  return no_candidate(filter.reason);
}

// Why the body could not be classified: the decoder's own error (a 400 in
// the client's format), asked again on this error path only.
GatewayError undecodable(ChatJob& job, const RequestContext& ctx) {
  if (job.io.client != nullptr) {
    auto decoded = ingress_codec(ctx.format).decode_request(job.io.client->body());
    if (!decoded) return decoded.take_error();
  }
  return make_error(ErrorKind::invalid_request, "the request could not be read to classify its content");
}

// What the selection reads of the request.
struct RequestFacts {
  routing::ContentNeeds needs;
  // The conversation's key in the decision cache; nullopt: the body reads as
  // no conversation (the codec rejects it).
  std::optional<routing::PrefixHash> prefix;
  const ChatRequest* request = nullptr;  // decoded, when it had to be (null: not yet, or undecodable)
};

// The request's needs and its conversation's key: from the raw body when
// the scan reads it and it holds no image (conversation_scan.hpp: a cached
// decision decodes nothing), else from the decoded request (the same key).
// A body the scan reads but the decoder would reject (a malformed tool
// call, say) is then keyed like any other: its conversation's cached
// choice, not the fallback, forwards it, and the upstream judges it. Tools as a rotation reads them
// (request_needs, chat_loop.cpp): the envelope's, what the upstream is sent.
// The scan's prefix folded into the decision cache's key.
struct HashedPrefix final : PrefixTexts {
  explicit HashedPrefix(routing::PrefixHasher h) : hasher(h) {}
  void add(Role role, bool first, std::string_view text) override { hasher.add(role, first, text); }
  routing::PrefixHasher hasher;
};

RequestFacts read_request(ChatJob& job, const RequestContext& ctx, const routing::AutoselectDecisionCache& cache) {
  RequestFacts f;
  if (job.envelope != nullptr && job.io.client != nullptr) {
    HashedPrefix prefix(cache.hasher());
    auto scan = scan_conversation(job.io.client->body(), ctx.format, prefix);
    // A conversation without images is read from the scan alone. With an
    // image (or one the scan cannot rule out) the decoder reads it: an image
    // it rejects makes the body one that goes to the fallback.
    if (scan && scan->images == false) {
      f.needs.tools = job.envelope->has_tools;
      f.prefix = prefix.hasher.result();
      return f;
    }
  }
  f.request = decoded_request(job, ctx);
  if (f.request == nullptr) return f;  // needs nothing: the upstream will judge the body
  f.needs.images = has_images(*f.request);
  f.needs.tools = job.envelope != nullptr ? job.envelope->has_tools : !f.request->tools.empty();
  f.prefix = cache.prefix_hash(*f.request);
  return f;
}

// Everything one choice is made with.
struct Choosing {
  RequestContext& ctx;
  const Where& at;
  const AutoselectConfig& a;
  const EffectiveAutoselect& eff;
  const routing::ContentNeeds& needs;
  const Field& field;
};

bool sensitive(const routing::ContentNeeds& needs) { return !needs.private_data.empty() || needs.nsfw; }

Expected<AutoselectChoice> chosen(const Choosing& c, std::string_view id, std::string_view by) {
  for (const auto& u : c.field.usable) {
    if (c.a.candidates[u.index].model_id != id) continue;
    const routing::AutoselectTarget& t = c.field.targets->candidates[u.index];
    // The table's resolution lives as long as the snapshot; a scratch one
    // dies with this choice's frame.
    const routing::Resolution* resolved = !c.field.scratch && t.resolved ? &*t.resolved : nullptr;
    return AutoselectChoice{std::string(id), *t.target, by, resolved};
  }
  // The fallback need not be a candidate (AISBF's is often a rotation of its own).
  auto target = routing::autoselect_target_id(c.at.routes.config(), c.at.ns, id);
  if (!target) {
    auto e = make_error(ErrorKind::unavailable,
                        fmt::format("autoselect '{}' could not choose a model and its fallback '{}' names none",
                                    c.a.id, id));
    e.code = "autoselect_unavailable";
    return e;
  }
  return AutoselectChoice{std::string(id), std::move(*target), by};
}

// The fallback, when the filter left it; else the first candidate left.
Expected<AutoselectChoice> fallback_choice(const Choosing& c) {
  const auto& allowed = c.field.allowed;
  const bool fallback_allowed = std::find(allowed.begin(), allowed.end(), c.a.fallback) != allowed.end();
  // A fallback outside the candidates serves unless the content is
  // sensitive, when it can take the request's images and tools.
  auto fallback_serves = [&] {
    auto t = routing::autoselect_target_id(c.at.routes.config(), c.at.ns, c.a.fallback);
    return t && target_serves(c.ctx, c.at, *t, {c.needs.tools, c.needs.images});
  };
  if (fallback_allowed || (!sensitive(c.needs) && !c.a.fallback.empty() && fallback_serves())) {
    return chosen(c, c.a.fallback, "fallback");
  }
  return chosen(c, allowed.front(), "fallback");
}

// The conversation's key: the snapshot the candidates resolved in (the
// global one and, for a user, their view: an edit of their autoselect makes
// a new one), and per user namespace, in the global one per credential: a
// `by=cache` never tells one caller what another asked. `space` holds the
// key's namespace text and must outlive it.
routing::DecisionKey decision_key(const Choosing& c, const routing::PrefixHash& prefix, std::string& space) {
  const RequestContext& ctx = c.ctx;
  const std::uint64_t generation =
      c.at.routes.generation() * 0x9e3779b97f4a7c15ull + (ctx.user_view ? ctx.user_view->routes->generation() : 0);
  space.assign(ctx.namespace_user.empty() ? "t:" : "u:");
  space.append(ctx.namespace_user.empty() ? ctx.principal.token_id : ctx.namespace_user);
  return {c.a.id, space, generation, prefix};
}

// The choice when it needs no call: a refusal, the fallback (nothing to
// choose among, a body that reads as no conversation), the one candidate
// left, or the conversation's cached decision. nullopt: the selection asks.
std::optional<Expected<AutoselectChoice>> settle(const Choosing& c, const std::optional<routing::PrefixHash>& prefix,
                                                 std::chrono::steady_clock::time_point now) {
  const Field& f = c.field;
  const routing::ContentNeeds& needs = c.needs;
  if (f.allowed.empty()) {
    const bool filtered = sensitive(needs) || needs.images || needs.tools;
    if (filtered && !f.usable.empty())
      return no_candidate_left(std::span(f.flags.data(), f.flags.size()), needs, f.filter, c.a.id);
    // Private or NSFW content never goes to an unflagged fallback, even
    // when no candidate resolved.
    if (sensitive(needs)) {
      return no_candidate(!f.filter.reason.empty()
                              ? f.filter.reason
                              : fmt::format("autoselect {} has no usable candidate for content classified "
                                            "private or NSFW", c.a.id));
    }
    // Nothing to choose among: the fallback serves (or says why it cannot).
    return chosen(c, c.a.fallback, "fallback");
  }
  // Not classified (else refused earlier): the body's error is the attempt's to report.
  if (!prefix) return fallback_choice(c);
  if (f.allowed.size() == 1) return chosen(c, f.allowed.front(), "only");  // nothing to ask about
  if (c.eff.cache_ttl.count() > 0) {
    thread_local std::string space;  // no suspension until the key is dropped
    const auto& cache = *c.ctx.state->autoselect_decisions;
    if (auto hit = cache.find(decision_key(c, *prefix, space), std::span(f.allowed.data(), f.allowed.size()), now))
      return chosen(c, f.allowed[hit->index], "cache");
  }
  return std::nullopt;
}

}  // namespace


std::optional<routing::ModelPrices> autoselect_highest_prices(const RequestContext& ctx, const AutoselectConfig& a) {
  std::optional<routing::AutoselectTargets> scratch;
  return targets_of(ctx, where_of(ctx), a, scratch).highest_prices;
}

std::string selection_failure(const GatewayError& error, bool upstream_detail) {
  if (upstream_detail) return std::string(context::utf8_prefix(error.message, AutoselectTrace::kMaxAnswerBytes));
  return fmt::format("the call failed ({}, status {})", error_kind_name(error.kind), error.status);
}

std::optional<routing::ModelPrices> autoselect_call_prices(const RequestContext& ctx, const AutoselectConfig& a) {
  const Where at = where_of(ctx);
  const EffectiveAutoselect eff = effective_autoselect(a, at.routes.config().autoselect_defaults);
  const routing::RoutingTable* user_routes = ctx.user_view ? ctx.user_view->routes.get() : nullptr;
  std::optional<routing::ModelPrices> prices;
  auto add = [&](std::string_view id) {
    if (!id.empty()) routing::raise_prices(prices, routing::target_prices(at.routes, user_routes, at.ns, id));
  };
  add(eff.selection_model);
  if (eff.classify_nsfw) add(a.classify_nsfw_model);
  if (eff.mode == SelectionMode::semantic) add(a.semantic.embeddings_model);
  return prices;
}

std::optional<Expected<AutoselectChoice>> autoselect_choice_without_calls(ChatJob& job, RequestContext& ctx,
                                                                          const AutoselectConfig& a) {
  const Where at = where_of(ctx);
  const EffectiveAutoselect eff = effective_autoselect(a, at.routes.config().autoselect_defaults);
  if (eff.classify_privacy || eff.classify_nsfw) return std::nullopt;  // the classifier model may be asked
  const RequestFacts facts = read_request(job, ctx, *ctx.state->autoselect_decisions);
  Field field;
  fill_field(field, ctx, at, a, facts.needs);
  const Choosing choosing{ctx, at, a, eff, facts.needs, field};
  if (auto settled = settle(choosing, facts.prefix, std::chrono::steady_clock::now())) return settled;
  // No selection to ask: the fallback serves.
  if (eff.mode != SelectionMode::semantic && eff.selection_model.empty()) return fallback_choice(choosing);
  return std::nullopt;
}

boost::asio::awaitable<Expected<AutoselectChoice>> choose_autoselect_target(ChatJob& job, RequestContext& ctx,
                                                                            const AutoselectConfig& a,
                                                                            AutoselectTrace* trace) {
  const Where at = where_of(ctx);
  const EffectiveAutoselect eff = effective_autoselect(a, at.routes.config().autoselect_defaults);
  auto& cache = *ctx.state->autoselect_decisions;
  RequestFacts facts = read_request(job, ctx, cache);
  routing::ContentNeeds& needs = facts.needs;
  if (eff.classify_privacy || eff.classify_nsfw) {
    // Content that cannot be read cannot be classified: it is not sent to a
    // candidate the classification would have ruled out.
    if (facts.request == nullptr) facts.request = decoded_request(job, ctx);
    if (facts.request == nullptr) co_return undecodable(job, ctx);
    std::string text =
        routing::classification_text(*facts.request, static_cast<std::size_t>(std::max(0, eff.classify_window)));
    // A large text is scanned on the count pool (content_scan.hpp). The
    // arguments are named: no temporaries in a full-expression that suspends (GCC 12).
    const ContentScanAsk ask{eff.classify_privacy, eff.classify_nsfw};
    auto table = ctx.global_routes ? ctx.global_routes : ctx.routes;
    ContentScan scan = co_await scan_content(ctx, std::move(table), std::move(text), ask);
    needs.private_data = std::move(scan.private_data);
    // Personal data is not shown to the classifier model (nor, below, to
    // the selection model): neither is a privacy candidate.
    needs.nsfw = scan.nsfw_words;
    if (eff.classify_nsfw && !needs.nsfw && needs.private_data.empty() && !a.classify_nsfw_model.empty()) {
      needs.nsfw = co_await nsfw_by_model(job, ctx, at, a, eff, *facts.request);
    }
  }
  Field field;
  fill_field(field, ctx, at, a, needs);
  if (trace) {
    trace->allowed.assign(field.allowed.begin(), field.allowed.end());
    for (auto kind : needs.private_data) trace->private_data.emplace_back(routing::private_data_kind_name(kind));
    trace->nsfw = needs.nsfw;
  }
  const Choosing choosing{ctx, at, a, eff, needs, field};
  const auto now = std::chrono::steady_clock::now();
  if (auto settled = settle(choosing, facts.prefix, now)) co_return std::move(*settled);

  // A miss: the selection reads the decoded request.
  if (facts.request == nullptr) facts.request = decoded_request(job, ctx);
  if (facts.request == nullptr) co_return fallback_choice(choosing);  // the body's error is the attempt's to report
  const ChatRequest& request = *facts.request;
  const std::span<const std::string> allowed(field.allowed.data(), field.allowed.size());
  std::string space;  // the key's, in this frame: the key lives across suspensions
  const routing::DecisionKey key = decision_key(choosing, *facts.prefix, space);
  auto remember = [&](const std::string& id, routing::DecisionSource by) {
    if (eff.cache_ttl.count() > 0 && trace == nullptr) cache.store(key, id, by, now, eff.cache_ttl);
  };
  if (eff.mode == SelectionMode::semantic) {
    // A user's autoselect is indexed in their view's table.
    const routing::Bm25Index* index = ctx.user_view ? ctx.user_view->routes->autoselect_index(a.id) : nullptr;
    if (index == nullptr) index = at.routes.autoselect_index(a.id);
    if (index != nullptr && index->size() == a.candidates.size()) {
      const std::string query = semantic_query(request);
      const std::vector<double> all = index->score(query);
      std::vector<double> scores;
      for (std::size_t i : field.filter.allowed) scores.push_back(all[field.usable[i].index]);
      // Hybrid with the embeddings model when there is one; any failure
      // leaves `cosines` empty: BM25 alone. Personal data is never shown
      // to it (as to the selection model below).
      std::vector<double> cosines;
      const auto embeddings_model =
          a.semantic.embeddings_model.empty() || !needs.private_data.empty()
              ? std::nullopt
              : routing::autoselect_target_id(at.routes.config(), at.ns, a.semantic.embeddings_model);
      if (embeddings_model) {
        std::vector<std::string_view> descriptions;
        for (std::size_t i : field.filter.allowed)
          descriptions.push_back(a.candidates[field.usable[i].index].description);
        const SemanticEmbeddings how{*embeddings_model, a.id, timeout_of(eff)};
        const std::string embedded = embeddings_query(request, eff);
        if (auto c = co_await semantic_cosines(ctx, job.io.pool, how, descriptions, embedded)) cosines = std::move(*c);
      }
      const auto pick = routing::pick_semantic(scores, cosines, {a.semantic.weight, a.semantic.margin});
      if (trace) {
        for (std::size_t i = 0; i < allowed.size() && i < scores.size(); ++i)
          trace->semantic.emplace_back(allowed[i], scores[i]);
      }
      if (pick.chosen) {
        remember(allowed[*pick.chosen], routing::DecisionSource::semantic);
        co_return chosen(choosing, allowed[*pick.chosen], "semantic");
      }
    }
  }
  if (!eff.selection_model.empty() && needs.private_data.empty()) {
    if (auto picked = co_await ask_selection_model(job, ctx, at, a, eff, request, allowed, trace)) {
      remember(*picked, routing::DecisionSource::llm);
      co_return chosen(choosing, *picked, "llm");
    }
  }
  co_return fallback_choice(choosing);
}

}  // namespace aisbf

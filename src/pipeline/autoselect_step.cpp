#include "pipeline/autoselect_step.hpp"

#include <algorithm>
#include <optional>
#include <span>
#include <vector>

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
#include "pipeline/gateway_state.hpp"
#include "pipeline/ingress.hpp"
#include "pipeline/semantic_embeddings.hpp"
#include "pipeline/side_call.hpp"
#include "routing/autoselect_answer.hpp"
#include "routing/autoselect_cache.hpp"
#include "routing/autoselect_prompt.hpp"
#include "routing/content_class.hpp"
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

// One candidate whose target resolves.
struct Usable {
  std::size_t index = 0;  // into autoselect.candidates
  std::string target;     // the model id it is served as
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

std::vector<Usable> usable_candidates(const RequestContext& ctx, const Where& at, const AutoselectConfig& a,
                                      const routing::ContentNeeds& needs) {
  std::optional<routing::AutoselectTargets> scratch;
  const routing::AutoselectTargets& targets = targets_of(ctx, at, a, scratch);
  std::vector<Usable> out;
  for (std::size_t i = 0; i < a.candidates.size(); ++i) {
    const auto& c = a.candidates[i];
    const routing::AutoselectTarget& t = targets.candidates[i];
    if (!t.target || !t.serves) {
      spdlog::warn("{} autoselect {}: candidate '{}' names no rotation or provider model; skipped", ctx.request_id,
                   log_text(a.id), log_text(c.model_id));
      continue;
    }
    out.push_back({i, *t.target, {c.model_id, c.nsfw, c.privacy, needs.images && t.images, needs.tools && t.tools}});
  }
  return out;
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

// The selection model's pick among `allowed` (ids), or nullopt.
boost::asio::awaitable<std::optional<std::string>> ask_selection_model(ChatJob& job, RequestContext& ctx,
                                                                       const Where& at, const AutoselectConfig& a,
                                                                       const EffectiveAutoselect& eff,
                                                                       const ChatRequest& request,
                                                                       const std::vector<std::string>& allowed) {
  auto model = routing::autoselect_target_id(at.routes.config(), at.ns, eff.selection_model);
  if (!model) co_return std::nullopt;
  auto tokenizer = context::tokenizer_for(context::Encoding::cl100k_base);
  std::string conversation;
  if (tokenizer) {
    const context::ChatTokenCounter counter(**tokenizer);
    conversation = routing::render_conversation(
        request, {static_cast<std::size_t>(std::max(0, eff.history_messages)), eff.history_tokens}, counter);
  }
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
    co_return std::nullopt;
  }
  auto picked = routing::parse_autoselect_answer(answer_text(*answer), allowed);
  if (!picked) {
    spdlog::info("{} autoselect {}: {} named no candidate", ctx.request_id, log_text(a.id), log_text(*model));
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

}  // namespace

std::optional<routing::ModelPrices> autoselect_highest_prices(const RequestContext& ctx, const AutoselectConfig& a) {
  std::optional<routing::AutoselectTargets> scratch;
  return targets_of(ctx, where_of(ctx), a, scratch).highest_prices;
}

boost::asio::awaitable<Expected<AutoselectChoice>> choose_autoselect_target(ChatJob& job, RequestContext& ctx,
                                                                           const AutoselectConfig& a) {
  const Where at = where_of(ctx);
  const EffectiveAutoselect eff = effective_autoselect(a, at.routes.config().autoselect_defaults);
  const ChatRequest* request = decoded_request(job, ctx);
  // Content that cannot be read cannot be classified: it is not sent to a
  // candidate the classification would have ruled out.
  if (request == nullptr && (eff.classify_privacy || eff.classify_nsfw)) co_return undecodable(job, ctx);
  routing::ContentNeeds needs;
  if (request != nullptr) {
    needs.images = has_images(*request);
    needs.tools = !request->tools.empty();
    if (eff.classify_privacy || eff.classify_nsfw) {
      std::string text =
          routing::classification_text(*request, static_cast<std::size_t>(std::max(0, eff.classify_window)));
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
        needs.nsfw = co_await nsfw_by_model(job, ctx, at, a, eff, *request);
      }
    }
  }
  const std::vector<Usable> usable = usable_candidates(ctx, at, a, needs);
  std::vector<routing::CandidateFlags> flags;
  for (const auto& u : usable) flags.push_back(u.flags);
  const routing::CandidateFilter filter = routing::filter_candidates(flags, needs, a.id);
  const bool filtered = !needs.private_data.empty() || needs.nsfw || needs.images || needs.tools;
  std::vector<std::string> allowed;
  for (std::size_t i : filter.allowed) allowed.push_back(a.candidates[usable[i].index].model_id);
  auto chosen = [&](std::string_view id, std::string_view by) -> Expected<AutoselectChoice> {
    for (const auto& u : usable) {
      if (a.candidates[u.index].model_id == id) return AutoselectChoice{std::string(id), u.target, by};
    }
    // The fallback need not be a candidate (AISBF's is often a rotation of its own).
    auto target = routing::autoselect_target_id(at.routes.config(), at.ns, id);
    if (!target) {
      auto e = make_error(ErrorKind::unavailable,
                          fmt::format("autoselect '{}' could not choose a model and its fallback '{}' names none",
                                      a.id, id));
      e.code = "autoselect_unavailable";
      return e;
    }
    return AutoselectChoice{std::string(id), std::move(*target), by};
  };
  const bool sensitive = !needs.private_data.empty() || needs.nsfw;
  if (allowed.empty()) {
    if (filtered && !usable.empty()) co_return no_candidate_left(flags, needs, filter, a.id);
    // Private or NSFW content never goes to an unflagged fallback, even
    // when no candidate resolved.
    if (sensitive) {
      co_return no_candidate(!filter.reason.empty()
                                 ? filter.reason
                                 : fmt::format("autoselect {} has no usable candidate for content classified "
                                               "private or NSFW", a.id));
    }
    // Nothing to choose among: the fallback serves (or says why it cannot).
    co_return chosen(a.fallback, "fallback");
  }
  // The fallback, when the filter left it; else the first candidate left.
  auto fallback = [&]() -> Expected<AutoselectChoice> {
    const bool fallback_allowed = std::find(allowed.begin(), allowed.end(), a.fallback) != allowed.end();
    // A fallback outside the candidates serves unless the content is
    // sensitive, when it can take the request's images and tools.
    auto fallback_serves = [&] {
      auto t = routing::autoselect_target_id(at.routes.config(), at.ns, a.fallback);
      return t && target_serves(ctx, at, *t, {needs.tools, needs.images});
    };
    if (fallback_allowed || (!sensitive && !a.fallback.empty() && fallback_serves())) {
      return chosen(a.fallback, "fallback");
    }
    return chosen(allowed.front(), "fallback");
  };
  // Not classified (else answered above): the body's error is the attempt's to report.
  if (request == nullptr) co_return fallback();
  if (allowed.size() == 1) co_return chosen(allowed.front(), "only");  // nothing to ask about

  auto& cache = *ctx.state->autoselect_decisions;
  const auto now = std::chrono::steady_clock::now();
  // The snapshot the candidates resolved in: the global one and, for a
  // user, their view (an edit of their autoselect makes a new one).
  const std::uint64_t generation =
      at.routes.generation() * 0x9e3779b97f4a7c15ull + (ctx.user_view ? ctx.user_view->routes->generation() : 0);
  // Per user namespace, and in the global one per credential: a `by=cache`
  // never tells one caller what another asked.
  const std::string space =
      ctx.namespace_user.empty() ? "t:" + ctx.principal.token_id : "u:" + ctx.namespace_user;
  const routing::DecisionKey key{a.id, space, generation, cache.prefix_hash(*request)};
  if (eff.cache_ttl.count() > 0) {
    if (auto hit = cache.find(key, allowed, now)) co_return chosen(allowed[hit->index], "cache");
  }
  auto remember = [&](const std::string& id, routing::DecisionSource by) {
    if (eff.cache_ttl.count() > 0) cache.store(key, id, by, now, eff.cache_ttl);
  };
  if (eff.mode == SelectionMode::semantic) {
    // A user's autoselect is indexed in their view's table.
    const routing::Bm25Index* index = ctx.user_view ? ctx.user_view->routes->autoselect_index(a.id) : nullptr;
    if (index == nullptr) index = at.routes.autoselect_index(a.id);
    if (index != nullptr && index->size() == a.candidates.size()) {
      const std::string query = semantic_query(*request);
      const std::vector<double> all = index->score(query);
      std::vector<double> scores;
      for (std::size_t i : filter.allowed) scores.push_back(all[usable[i].index]);
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
        for (std::size_t i : filter.allowed) descriptions.push_back(a.candidates[usable[i].index].description);
        const SemanticEmbeddings how{*embeddings_model, a.id, timeout_of(eff)};
        const std::string embedded = embeddings_query(*request, eff);
        if (auto c = co_await semantic_cosines(ctx, job.io.pool, how, descriptions, embedded)) cosines = std::move(*c);
      }
      const auto pick = routing::pick_semantic(scores, cosines, {a.semantic.weight, a.semantic.margin});
      if (pick.chosen) {
        remember(allowed[*pick.chosen], routing::DecisionSource::semantic);
        co_return chosen(allowed[*pick.chosen], "semantic");
      }
    }
  }
  if (!eff.selection_model.empty() && needs.private_data.empty()) {
    if (auto picked = co_await ask_selection_model(job, ctx, at, a, eff, *request, allowed)) {
      remember(*picked, routing::DecisionSource::llm);
      co_return chosen(*picked, "llm");
    }
  }
  co_return fallback();
}

}  // namespace aisbf

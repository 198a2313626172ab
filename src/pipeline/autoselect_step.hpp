// Autoselect on the request path (issue 11): which of an autoselect's
// candidates serves this request. In order:
//   1. the candidates that may serve it: those whose target resolves, then
//      the content filter (routing/content_class.hpp): personal data found
//      (classify_privacy) → `privacy: true` candidates only, NSFW
//      (classify_nsfw: the word list, then the classifier model when one is
//      configured) → `nsfw: true` only, images → vision-capable, tools →
//      tool-capable. None left: a 403 naming why, nothing sent;
//   2. the decision cache (the conversation's stable prefix: later turns of
//      one conversation reuse the first turn's choice, `by=cache`);
//   3. semantic selection (BM25 over the descriptions) when the autoselect
//      asks for it and one candidate stands clear, `by=semantic`;
//   4. the selection model, asked with AISBF's prompt (side_call.hpp,
//      recorded as route `autoselect`) within selection_timeout, its answer
//      read robustly (routing/autoselect_answer.hpp), `by=llm`;
//   (one candidate left after step 1: it serves, `by=only`, nothing asked);
//   5. otherwise the fallback (when the filter left it; else the first
//      candidate left), `by=fallback`: a timeout, an error or garbage never
//      fails a request the fallback can serve.
// Choices by llm and semantic are cached; a fallback is not (it would pin
// the conversation to the fallback after one failed selection).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "config/config.hpp"
#include "core/expected.hpp"
#include "pipeline/chat_job.hpp"
#include "routing/pricing.hpp"
#include "routing/resolve.hpp"

namespace aisbf {

struct AutoselectChoice {
  std::string candidate;  // the candidate's model_id as configured
  std::string target;     // the model id served (routing::autoselect_target_id)
  std::string_view by;    // "llm", "semantic", "cache", "fallback" or "only"
  // `target` resolved by the routing table's snapshot (the global
  // namespace's candidates, worked out once per snapshot): served without
  // resolving it again. Null: serve_choice resolves `target`.
  const routing::Resolution* resolved = nullptr;
};

// How a choice was reached, for a dry run (POST …/autoselects/{id}/try,
// autoselect_try.hpp). Given to choose_autoselect_target, the choice is
// made as for a request (the classifiers and the selection model asked,
// the decision cache read) but no decision is stored: a try never pins a
// conversation to its choice.
struct AutoselectTrace {
  // The model's answer is kept up to this many bytes (its reasoning may be long).
  static constexpr std::size_t kMaxAnswerBytes = 4096;
  std::vector<std::string> allowed;       // the candidates the content filter left, in order
  std::vector<std::string> private_data;  // the kinds of personal data found (classify_privacy)
  bool nsfw = false;                      // classified NSFW (classify_nsfw)
  // Semantic selection's BM25 scores over `allowed`, when it ran.
  std::vector<std::pair<std::string, double>> semantic;
  std::string selection_model;  // the model asked, as a client names it; empty: nobody was asked
  std::string answer;           // its answer as given, cut at kMaxAnswerBytes
  std::string failure;          // why asking it gave no choice (an error, or an answer naming no candidate)
  // Set by the caller: `failure` may carry the upstream's error text (cut
  // at kMaxAnswerBytes), for the operator; else it only names the kind.
  bool upstream_detail = false;
};

// Why asking the selection model failed, as a dry run shows it: with
// `upstream_detail` (the operator, who runs the gateway's models) the
// error's text cut at kMaxAnswerBytes; else only its kind and status, never
// the upstream's words. Pure.
std::string selection_failure(const GatewayError& error, bool upstream_detail);

// The dearest prices among the targets the autoselect may choose (its
// candidates and fallback): what its quota reservation is priced at.
std::optional<routing::ModelPrices> autoselect_highest_prices(const RequestContext& ctx,
                                                              const AutoselectConfig& autoselect);
// The dearest prices among the models choosing may call (the selection
// model, the NSFW classifier model, semantic selection's embeddings model),
// as the caller's namespace resolves them: what a dry run reserves at.
std::optional<routing::ModelPrices> autoselect_call_prices(const RequestContext& ctx,
                                                           const AutoselectConfig& autoselect);

// The choice when no call is needed to make it (steps 1, 2 and 5 without
// classification: a refusal, the only candidate left, the conversation's
// cached decision, the fallback when there is no selection to ask), made
// without a coroutine, a watch of the client or a decode of the body
// (conversation_scan.hpp); nullopt: choose_autoselect_target makes it.
std::optional<Expected<AutoselectChoice>> autoselect_choice_without_calls(ChatJob& job, RequestContext& ctx,
                                                                          const AutoselectConfig& autoselect);

// The choice, through every step (the classifiers and the selection may be asked).
// With `trace`: a dry run (see AutoselectTrace).
boost::asio::awaitable<Expected<AutoselectChoice>> choose_autoselect_target(ChatJob& job, RequestContext& ctx,
                                                                            const AutoselectConfig& autoselect,
                                                                            AutoselectTrace* trace = nullptr);

}  // namespace aisbf

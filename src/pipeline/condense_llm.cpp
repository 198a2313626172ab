#include "pipeline/condense_llm.hpp"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>
#include <boost/json/object.hpp>

#include "config/condensation.hpp"
#include "config/prompt_files.hpp"
#include "context/token_count.hpp"
#include "context/tokenizer.hpp"
#include "core/log_text.hpp"
#include "pipeline/condense_splice.hpp"
#include "pipeline/side_call.hpp"
#include "routing/rotation.hpp"

namespace aisbf {

namespace {

using context::CondenseMethod;
namespace json = boost::json;

// The summary's budget (the call's max_tokens): the room the goal leaves
// beside what is kept, within sane bounds.
constexpr std::int64_t kMinSummaryTokens = 256;
constexpr std::int64_t kMaxSummaryTokens = 4096;
// How much of the current request `semantic` quotes to the model.
constexpr std::size_t kMaxQueryBytes = 4096;

std::string_view prompt_name(CondenseMethod method) {
  return method == CondenseMethod::semantic ? "condensation_semantic" : "condensation_conversational";
}

// The model id a client would name: the `condensation` block's rotation or
// provider/model when it is enabled and names one, else the candidate's own.
std::string condensation_model(const CondensationConfig& c, std::string_view own_model) {
  if (!has_condensation_target(c)) return std::string(own_model);
  return c.rotation_id.empty() ? c.provider_id + "/" + c.model : c.rotation_id;
}

std::chrono::milliseconds condensation_timeout(const json::object& aisbf) {
  double seconds = kDefaultCondensationTimeoutSeconds;
  const auto* controls = aisbf.if_contains("feature_controls");
  const auto* section = controls != nullptr && controls->is_object()
                            ? controls->as_object().if_contains("context_condensation")
                            : nullptr;
  const auto* value =
      section != nullptr && section->is_object() ? section->as_object().if_contains("timeout_seconds") : nullptr;
  if (value != nullptr && value->is_number()) {
    const double v = value->to_number<double>();
    if (v > 0 && v <= 3600) seconds = v;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

// The older turns the model reads: the newest that fit the condensation
// model's `max_context` (when set) beside the prompt and the summary; the
// oldest beyond it are dropped with the rest (the summary replaces them all).
std::vector<std::size_t> transcript_indices(const ChatRequest& request, const SummarySplit& split,
                                            const ModelCondensation& what, std::optional<std::int64_t> max_context,
                                            std::int64_t fixed) {
  std::vector<std::size_t> indices = split.summarised;
  if (!max_context) return indices;
  std::int64_t total = fixed;
  for (auto i : indices) total += what.count.message(request.messages[i]);
  std::size_t drop = 0;
  while (drop + 1 < indices.size() && total > *max_context)
    total -= what.count.message(request.messages[indices[drop++]]);
  indices.erase(indices.begin(), indices.begin() + static_cast<std::ptrdiff_t>(drop));
  return indices;
}

std::int64_t summary_budget(const ChatRequest& request, const SummarySplit& split, const ModelCondensation& what) {
  std::int64_t kept = 0;
  for (auto i : split.kept) kept += what.count.message(request.messages[i]);
  for (auto i = split.tail_begin; i < request.messages.size(); ++i) kept += what.count.message(request.messages[i]);
  return std::clamp(what.goal.max_prompt_tokens - kept, kMinSummaryTokens, kMaxSummaryTokens);
}

// System: the prompt file. User: the older turns. User: the task, short, last
// (for `semantic` with the current request quoted).
ChatRequest condensation_request(std::string model, std::string prompt, std::string transcript, CondenseMethod method,
                                 const ChatRequest& request, std::int64_t budget) {
  ChatRequest ask;
  ask.model = std::move(model);
  ask.max_tokens = budget;
  ask.messages.push_back(Message{Role::system, {TextBlock{std::move(prompt)}}, {}});
  ask.messages.push_back(
      Message{Role::user, {TextBlock{"<conversation>\n" + std::move(transcript) + "\n</conversation>"}}, {}});
  std::string task =
      method == CondenseMethod::semantic
          ? "The current request:\n<request>\n" + last_user_text(request, kMaxQueryBytes) +
                "\n</request>\n\nFrom the conversation above, keep only what this request needs, as your "
                "instructions say. Answer with that text only."
          : std::string(
                "Condense the conversation above as your instructions say. Answer with the condensed "
                "text only.");
  ask.messages.push_back(Message{Role::user, {TextBlock{std::move(task)}}, {}});
  return ask;
}

}  // namespace

boost::asio::awaitable<std::optional<ChatRequest>> condense_with_model(ModelCondensation what,
                                                                       const ChatRequest& request, RequestContext& ctx,
                                                                       http::UpstreamPool& pool) {
  const auto& settings = ctx.config->condensation;
  std::string model = condensation_model(settings, what.own_model);
  auto split = split_for_summary(request);
  if (model.empty() || !split) co_return std::nullopt;
  const auto name = prompt_name(what.method);
  const std::string& loaded =
      what.method == CondenseMethod::semantic ? settings.semantic_prompt : settings.conversational_prompt;
  std::string prompt = loaded.empty() ? std::string(default_prompt(name)) : loaded;
  const std::int64_t budget = summary_budget(request, *split, what);
  const auto indices = transcript_indices(request, *split, what, settings.max_context,
                                          budget + what.count.message(Message{Role::system, {TextBlock{prompt}}, {}}));
  std::string transcript = condensation_transcript(request, indices);
  const SideCall how{"condensation", condensation_timeout(ctx.config->aisbf), has_condensation_target(settings)};
  auto answer = co_await side_call(
      ctx, pool, how, condensation_request(model, std::move(prompt), transcript, what.method, request, budget),
      transcript);
  if (!answer) {
    spdlog::info("{} condensation ({}) by {} failed: {}", ctx.request_id, context::condense_method_name(what.method),
                 log_text(model), log_text(answer.error().message));
    co_return std::nullopt;
  }
  const std::string summary = answer_text(*answer);
  if (summary.empty()) co_return std::nullopt;
  const std::string_view heading = what.method == CondenseMethod::semantic
                                       ? "[What the earlier conversation holds for the current request, condensed "
                                         "by aisbf]"
                                       : "[Summary of the earlier conversation, condensed by aisbf]";
  co_return splice_summary(request, *split, heading, summary);
}

}  // namespace aisbf

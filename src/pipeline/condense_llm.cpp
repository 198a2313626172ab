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
#include "pipeline/chat_call.hpp"
#include "pipeline/condense_splice.hpp"
#include "pipeline/sent_prompt.hpp"
#include "pipeline/usage_capture.hpp"
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

std::string answer_text(const ChatResponse& response) {
  std::string out;
  for (const auto& block : response.message.content) {
    if (const auto* t = std::get_if<TextBlock>(&block)) out += t->text;
  }
  return out;
}

// The call's own context: the same state and caller (its usage row is the
// caller's), its own deadline, no quota of its own (the request it serves
// holds the caller's). The `condensation` block's target is the operator's,
// so it resolves in the global snapshot even for a request served from a
// user's view (whose config holds only the user's entries and the global
// providers their rotations name); without a target the candidate's own
// model is asked, which lives where the request was resolved.
void prepare_call_context(RequestContext& call, const RequestContext& ctx, bool global_target) {
  call.routes = global_target && ctx.global_routes ? ctx.global_routes : ctx.routes;
  call.config = call.routes ? call.routes->config_ptr() : ctx.config;
  call.state = ctx.state;
  call.request_id = ctx.request_id + "-condense";
  call.started = std::chrono::steady_clock::now();
  const auto timeout = condensation_timeout(ctx.config->aisbf);
  call.deadline = ctx.deadline == std::chrono::steady_clock::time_point{}
                      ? call.started + timeout
                      : std::min(call.started + timeout, ctx.deadline);
  call.principal = ctx.principal;
  call.user_views = ctx.user_views;
  call.usage.recorder = ctx.usage.recorder;
  call.usage.route = "condensation";
  call.usage.quota_held = ctx.usage.quota_held;  // its usage is noted for the caller's quota, recording on or off
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
  const std::size_t transcript_bytes = transcript.size();
  if (ctx.cancel.cancelled()) co_return std::nullopt;  // the client left before: its signal has fired already
  RequestContext call;
  prepare_call_context(call, ctx, has_condensation_target(settings));
  ctx.cancel.connect([&call] { call.cancel.emit(); });  // the client leaving stops the call
  InProcessChat door{pool, {}, nullptr};
  door.condensable = false;  // never condensed itself
  auto answer = co_await chat_in_process(
      condensation_request(model, std::move(prompt), transcript, what.method, request, budget), call, door);
  ctx.cancel.disconnect();
  call.usage.status = answer ? 200 : answer.error().status;
  if (!answer) note_error(call.usage, answer.error());
  // Counted only when the upstream reported no usage: the transcript, in
  // the encoding of the model that answered (off the event loop when large).
  const bool estimate = !call.usage.usage.reported && call.usage.attempts > 0;
  const std::int64_t transcript_tokens =
      estimate ? co_await count_text_off_loop(ctx, transcript,
                                              context::encoding_for_model(call.usage.model).encoding)
               : 0;
  auto count_transcript = [&](std::string_view upstream_model) -> std::int64_t {
    if (estimate && upstream_model == call.usage.model) return transcript_tokens;
    auto tokenizer = context::tokenizer_for(context::encoding_for_model(upstream_model).encoding);
    return tokenizer ? static_cast<std::int64_t>((*tokenizer)->count(transcript)) : 0;
  };
  record_usage(call, model, {transcript_bytes, count_transcript}, call.cancel.cancelled());
  // The caller's quotas pay for it (its usage row is the caller's too);
  // without reported usage, the transcript as counted is the prompt.
  ScannedUsage spent = call.usage.usage;
  if (estimate) spent.prompt_tokens = transcript_tokens;
  ctx.quota.add_side_call(spent, call.usage.prices);
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

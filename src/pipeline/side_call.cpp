#include "pipeline/side_call.hpp"

#include <algorithm>

#include "context/token_count.hpp"
#include "context/tokenizer.hpp"
#include "pipeline/chat_call.hpp"
#include "pipeline/sent_prompt.hpp"
#include "pipeline/usage_capture.hpp"

namespace aisbf {

namespace {

// The call's own context: the same state and caller (its usage row is the
// caller's), its own deadline, no quota of its own (the request it serves
// holds the caller's). An operator's model resolves in the global snapshot;
// otherwise where the request was resolved.
void prepare_call_context(RequestContext& call, const RequestContext& ctx, const SideCall& how) {
  call.routes = how.operator_model && ctx.global_routes ? ctx.global_routes : ctx.routes;
  call.config = call.routes ? call.routes->config_ptr() : ctx.config;
  call.state = ctx.state;
  call.request_id = ctx.request_id + "-" + std::string(how.route);
  call.started = std::chrono::steady_clock::now();
  call.deadline = ctx.deadline == std::chrono::steady_clock::time_point{}
                      ? call.started + how.timeout
                      : std::min(call.started + how.timeout, ctx.deadline);
  call.principal = ctx.principal;
  call.namespace_user = ctx.namespace_user;  // a user's own ids resolve in their namespace
  call.user_view = ctx.user_view;
  call.user_views = ctx.user_views;
  call.usage.recorder = ctx.usage.recorder;
  call.usage.route = how.route;
  call.usage.quota_held = ctx.usage.quota_held;  // its usage is noted for the caller's quota, recording on or off
}

}  // namespace

boost::asio::awaitable<Expected<ChatResponse>> side_call(RequestContext& ctx, http::UpstreamPool& pool,
                                                         const SideCall& how, ChatRequest ask,
                                                         std::string_view estimate_text) {
  if (ctx.cancel.cancelled()) {  // the client left before: its signal has fired already
    co_return make_error(ErrorKind::internal, "the client left");
  }
  const std::string requested = ask.model;
  RequestContext call;
  prepare_call_context(call, ctx, how);
  ctx.cancel.connect([&call] { call.cancel.emit(); });  // the client leaving stops the call
  InProcessChat door{pool, {}, nullptr};
  door.condensable = how.condensable;
  auto answer = co_await chat_in_process(std::move(ask), call, door);
  ctx.cancel.disconnect();
  // A call the client's leaving cancelled got no status of its own (0, as
  // a request left before its head); its error kind still says how it ended.
  const bool left = call.cancel.cancelled();
  call.usage.status = answer ? 200 : left ? 0 : answer.error().status;
  if (!answer) note_error(call.usage, answer.error());
  // Counted only when the upstream reported no usage, in the encoding of
  // the model that answered.
  const bool estimate = !call.usage.usage.reported && call.usage.attempts > 0;
  const std::int64_t estimated =
      estimate ? co_await count_text_off_loop(ctx, std::string(estimate_text),
                                              context::encoding_for_model(call.usage.model).encoding)
               : 0;
  auto count_text = [&](std::string_view upstream_model) -> std::int64_t {
    if (estimate && upstream_model == call.usage.model) return estimated;
    auto tokenizer = context::tokenizer_for(context::encoding_for_model(upstream_model).encoding);
    return tokenizer ? static_cast<std::int64_t>((*tokenizer)->count(estimate_text)) : 0;
  };
  record_usage(call, requested, {estimate_text.size(), count_text}, left);
  ScannedUsage spent = call.usage.usage;
  if (estimate) spent.prompt_tokens = estimated;
  ctx.quota.add_side_call(spent, call.usage.prices);
  co_return answer;
}

std::string answer_text(const ChatResponse& response) {
  std::string out;
  for (const auto& block : response.message.content) {
    if (const auto* t = std::get_if<TextBlock>(&block)) out += t->text;
  }
  return out;
}

}  // namespace aisbf

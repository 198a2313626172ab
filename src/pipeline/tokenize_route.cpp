#include "pipeline/tokenize_route.hpp"

#include "api/openai/tokenize_request.hpp"
#include "context/token_count.hpp"
#include "pipeline/prompt_tokens.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/user_views.hpp"
#include "routing/resolve.hpp"
#include "routing/rotation.hpp"
#include "routing/user_config.hpp"

namespace aisbf {

namespace {

// Whether an id that resolved to nothing still says it means a gateway
// target (rotation/…, autoselect/…, user-…/…, or a configured provider's
// prefix): a typo there is the chat routes' 404, not a bare upstream name.
bool names_gateway_target(const Config& config, std::string_view model) {
  const auto slash = model.find('/');
  if (slash == std::string_view::npos) return false;
  const auto prefix = model.substr(0, slash);
  return prefix == "rotation" || prefix == "autoselect" || prefix.starts_with("user-") ||
         config.find_provider(prefix) != nullptr;
}

// The upstream model name whose encoding counts `model`, or the error to
// answer (a user's targets that cannot be loaded: 503).
Expected<std::string> upstream_model_of(RequestContext& ctx, std::string_view model) {
  auto resolved = routing::resolve_chat(*ctx.config, {ctx.namespace_user, ctx.user_view.get()}, {}, model);
  if (!resolved) {
    const auto& e = resolved.error();
    if (e.kind == ErrorKind::not_found && !names_gateway_target(*ctx.config, model)) {
      return std::string(model);  // a bare upstream model name
    }
    return resolved.take_error();
  }
  // An autoselect picks its target per request: no one model to follow.
  if (resolved->autoselect != nullptr) return std::string{};
  if (resolved->rotation == nullptr) return resolved->target.upstream_model;
  const auto& routes = resolved->in_user_view ? ctx.user_view->routes : ctx.routes;
  const auto* plan = routes->rotation(resolved->rotation->id);
  if (plan == nullptr || plan->candidates.empty()) return std::string{};
  return plan->candidates.front().upstream_model;
}

}  // namespace

boost::asio::awaitable<void> serve_tokenize(http::Exchange& ex, RequestContext& ctx) {
  ctx.format = IngressFormat::openai_chat;
  if (auto too_large = counted_body_too_large(ex.request().body().size()))
    co_return co_await send_error(ex, *too_large, ctx);
  auto request = api::decode_tokenize_request(ex.request().body());
  if (!request) co_return co_await send_error(ex, request.error(), ctx);
  if (names_user_target(ctx, {}, request->model)) co_await ensure_user_view(ctx);
  auto upstream = upstream_model_of(ctx, request->model);
  if (!upstream) co_return co_await send_error(ex, upstream.error(), ctx);
  const auto choice = context::encoding_for_model(*upstream);
  auto tokenizer = chat_tokenizer(choice.encoding);
  if (!tokenizer) co_return co_await send_error(ex, tokenizer.error(), ctx);
  const auto count = api::count_tokenize_request(*request, **tokenizer, choice.exact);
  co_await send_json(ex, 200, api::tokenize_response_json(count), ctx.request_id);
}

}  // namespace aisbf

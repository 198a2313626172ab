#include "pipeline/responses_routes.hpp"

#include <spdlog/spdlog.h>

#include "api/openai/responses_history.hpp"
#include "pipeline/chat_envelope.hpp"
#include "pipeline/chat_pipeline.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/response_capture.hpp"
#include "pipeline/stored_responses.hpp"
#include "pipeline/user_routes.hpp"

namespace aisbf {

namespace {

StoredResponses* stored_of(const RequestContext& ctx) {
  return ctx.state != nullptr ? ctx.state->stored_responses.get() : nullptr;
}

GatewayError expansion_busy() {
  auto e = make_error(ErrorKind::unavailable,
                      "too many long conversations are being continued at once; retry previous_response_id shortly");
  e.retryable = true;
  e.retry_after = "1";
  return e;
}

// The stored conversation spliced into the request body, in place: the
// pipeline then decodes (or forwards) it as any other request. The error
// to answer otherwise.
boost::asio::awaitable<std::optional<GatewayError>> continue_conversation(http::Exchange& ex, RequestContext& ctx,
                                                                          const std::string& previous_id) {
  StoredResponses* stored = stored_of(ctx);
  if (stored == nullptr) co_return api::previous_response_not_found(previous_id);
  auto found = co_await stored->find(ctx.namespace_user, previous_id);
  if (!found) co_return found.take_error();
  if (!*found) co_return api::previous_response_not_found(previous_id);
  const store::StoredResponse& row = **found;
  const std::size_t max_bytes = ctx.config->server.max_body_bytes;
  // Its stored input items alone (all in the expanded body, as they were
  // serialised) pass the limit: the 413 without a parse.
  if (row.input_json.size() > max_bytes)
    co_return api::continuation_too_large(previous_id, row.input_json.size(), max_bytes);
  // The parse and serialisation run on this event loop: bounded across all of them.
  auto lease = stored->reserve_expansion(row.input_json.size() + row.response_json.size());
  if (!lease) co_return expansion_busy();
  auto expanded = api::expand_previous_response(ex.request().body(), {row.input_json, row.response_json}, max_bytes);
  if (!expanded) co_return expanded.take_error();
  ex.request().body() = std::move(*expanded);
  co_return std::nullopt;
}

}  // namespace

boost::asio::awaitable<void> serve_responses(http::Exchange& ex, RequestContext& ctx, std::string_view scope) {
  ctx.format = IngressFormat::openai_responses;
  // Scanned once here for the stored state, and handed on; a body it
  // refuses is refused by the pipeline, which scans it again.
  auto envelope = scan_chat_envelope(ex.request().body(), ctx.format);
  const bool store = !envelope || envelope->store;
  const ChatEnvelope* scanned = envelope ? &*envelope : nullptr;
  if (scanned != nullptr && scanned->previous_response_id) {
    auto refusal = co_await continue_conversation(ex, ctx, *scanned->previous_response_id);
    if (refusal) co_return co_await send_error(ex, *refusal, ctx);
    scanned = nullptr;  // the body is the expanded one now
  }
  ExchangeSink client(ex);
  StoredResponses* stored = stored_of(ctx);
  if (!store || stored == nullptr) {
    const HttpChat io{ex.request(), ex.upstream_pool(), client, &ex, scanned};
    co_return co_await serve_chat_with(io, ctx, scope);
  }
  const ResponsesStoreConfig settings = responses_store_config(*ctx.config);
  const std::size_t max_row = max_stored_row_bytes(ctx.config->server.max_body_bytes);
  StoredResponses::PendingHandle pending;
  // Whatever ends this frame (an exception too) withdraws an announced
  // answer nobody settled: it must not stay findable, nor hold its bytes.
  struct WithdrawOnExit {
    StoredResponses& stored;
    StoredResponses::PendingHandle& pending;
    ~WithdrawOnExit() {
      if (pending) stored.settle(std::move(pending), false);
    }
  } withdraw_on_exit{*stored, pending};
  // Published before the client gets the final bytes, so that it can
  // continue, fetch or delete the response the moment it has it.
  auto announce = [&](const CapturedResponse& response) {
    stored->settle(std::move(pending), false);
    pending = stored->announce(ctx.namespace_user, ex.request().body(), response, settings, max_row);
  };
  ResponseCaptureSink capture(client, max_row, announce);
  const HttpChat io{ex.request(), ex.upstream_pool(), capture, &ex, scanned};
  co_await serve_chat_with(io, ctx, scope);
  const bool delivered = capture.take().has_value();
  stored->settle(std::move(pending), delivered);
  if (!delivered && capture.overflowed()) {
    spdlog::warn("stored responses: an answer past {} bytes was not kept (request {})", max_row, ctx.request_id);
  }
}

namespace responses_routes {

namespace {

enum class Action { get, remove, input_items };

// GCC 12: no temporaries inside a co_await full-expression, hence the locals.
awaitable<void> answer(http::Exchange& ex, RequestContext& ctx, std::string_view id, Action action) {
  StoredResponses* stored = stored_of(ctx);
  const GatewayError not_found = api::response_not_found(id);
  if (stored == nullptr) co_return co_await send_error(ex, not_found, ctx);
  const std::string key(id);
  if (action == Action::remove) {
    auto removed = co_await stored->remove(ctx.namespace_user, key);
    if (!removed) co_return co_await send_error(ex, removed.error(), ctx);
    if (!*removed) co_return co_await send_error(ex, not_found, ctx);
    const std::string deleted = api::deleted_response_json(id);
    co_return co_await send_json(ex, 200, deleted, ctx.request_id);
  }
  std::optional<api::InputItemsQuery> query;
  if (action == Action::input_items) {
    auto parsed = api::parse_input_items_query(std::string_view(ex.request().target()));
    if (!parsed) co_return co_await send_error(ex, parsed.error(), ctx);
    query = std::move(*parsed);
  }
  auto found = co_await stored->find(ctx.namespace_user, key);
  if (!found) co_return co_await send_error(ex, found.error(), ctx);
  if (!*found) co_return co_await send_error(ex, not_found, ctx);
  if (query) {
    const std::string page = api::input_items_page((*found)->input_json, *query);
    co_return co_await send_json(ex, 200, page, ctx.request_id);
  }
  co_await send_json(ex, 200, (*found)->response_json, ctx.request_id);
}

awaitable<void> in_user_namespace(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m,
                                  Action action) {
  if (auto e = co_await user_routes::enter_namespace(app, ctx, m, false)) co_return co_await send_error(ex, *e, ctx);
  co_await answer(ex, ctx, m.param("id"), action);
}

}  // namespace

awaitable<void> get(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  return answer(ex, ctx, m.param("id"), Action::get);
}
awaitable<void> remove(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  return answer(ex, ctx, m.param("id"), Action::remove);
}
awaitable<void> input_items(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  return answer(ex, ctx, m.param("id"), Action::input_items);
}
awaitable<void> user_get(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  return in_user_namespace(app, ex, ctx, m, Action::get);
}
awaitable<void> user_remove(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  return in_user_namespace(app, ex, ctx, m, Action::remove);
}
awaitable<void> user_input_items(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  return in_user_namespace(app, ex, ctx, m, Action::input_items);
}

}  // namespace responses_routes
}  // namespace aisbf

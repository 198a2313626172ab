#include "pipeline/autoselect_try.hpp"

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "pipeline/app.hpp"
#include "pipeline/chat_job.hpp"
#include "pipeline/request_deadline.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/user_routes.hpp"
#include "routing/user_config.hpp"

namespace aisbf::autoselect_try {

namespace json = boost::json;

namespace {

GatewayError bad_prompt(std::string message) {
  return make_error(ErrorKind::invalid_request, std::move(message), "invalid_body", "prompt");
}

GatewayError no_autoselect(std::string message) {
  return make_error(ErrorKind::not_found, std::move(message), "not_found");
}

// The operator (a global token, an admin, anyone with auth off) runs the
// gateway's models and may read their upstreams' error text.
bool operator_asks(const RequestContext& ctx) {
  const auth::Principal& p = ctx.principal;
  return !ctx.config->auth.enabled || p.kind == auth::PrincipalKind::global_token || p.role == auth::Role::admin;
}

// The choice for `prompt`, answered. `client_model` is how a client names
// the autoselect (its requests' `model`). The strings are the callers'
// named locals: no temporaries or copied strings in a coroutine's
// parameters (GCC 12).
boost::asio::awaitable<void> run_try(http::Exchange& ex, RequestContext& ctx, const AutoselectConfig& autoselect,
                                     const std::string& shown_id, const std::string& client_model,
                                     std::string& prompt) {
  arm_deadline(ctx);
  ChatJob job{ChatIo(ex.upstream_pool())};
  ChatRequest request;
  request.model = client_model;
  request.messages.push_back(Message{Role::user, {TextBlock{std::move(prompt)}}, {}});
  job.canonical = std::move(request);
  job.client_model = job.canonical->model;
  // Reserved as serve_autoselect does, so that the selection and
  // classification calls are charged to the caller (and refused with a
  // caller over quota), but priced at the dearest of the models choosing
  // may call: a try never calls the target it chooses.
  const std::string_view body = ex.request().body();
  if (auto refused = ctx.quota.reserve(
          ctx.principal, body, [&] { return job_prompt_tokens(job, ctx, {}); }, autoselect_call_prices(ctx, autoselect),
          ctx.usage)) {
    co_return co_await send_error(ex, *refused, ctx);
  }
  AutoselectTrace trace;
  trace.upstream_detail = operator_asks(ctx);
  ex.watch_disconnect([&ctx] { ctx.cancel.emit(); });  // a client that leaves stops the selection calls
  auto choice = co_await choose_autoselect_target(job, ctx, autoselect, &trace);
  ex.stop_watch();
  co_await send_json(ex, 200, answer_json(shown_id, choice, trace), ctx.request_id);
}

}  // namespace

Expected<std::string> read_prompt(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* prompt = o != nullptr ? o->if_contains("prompt") : nullptr;
  if (prompt == nullptr || !prompt->is_string()) return bad_prompt(R"(the body must be {"prompt": "<text>"})");
  const json::string& text = prompt->get_string();
  if (text.empty()) return bad_prompt("prompt: write the message to choose a model for");
  if (text.size() > kMaxTryPromptBytes) {
    return bad_prompt(fmt::format("prompt: at most {} bytes ({} KiB)", kMaxTryPromptBytes, kMaxTryPromptBytes / 1024));
  }
  return std::string(text);
}

std::string answer_json(std::string_view id, const Expected<AutoselectChoice>& choice, const AutoselectTrace& trace) {
  json::object out;
  out["autoselect"] = id;
  if (choice) {
    out["chosen"] = json::object{{"candidate", choice->candidate}, {"target", choice->target}, {"by", choice->by}};
    out["refusal"] = nullptr;
  } else {
    const GatewayError& e = choice.error();
    out["chosen"] = nullptr;
    out["refusal"] = json::object{{"status", e.status}, {"code", e.code}, {"message", e.message}};
  }
  json::array allowed;
  for (const auto& a : trace.allowed) allowed.emplace_back(a);
  out["allowed"] = std::move(allowed);
  json::array kinds;
  for (const auto& k : trace.private_data) kinds.emplace_back(k);
  out["classification"] = json::object{{"private_data", std::move(kinds)}, {"nsfw", trace.nsfw}};
  json::array semantic;
  for (const auto& [model_id, score] : trace.semantic)
    semantic.emplace_back(json::object{{"model_id", model_id}, {"score", score}});
  out["semantic"] = std::move(semantic);
  if (trace.selection_model.empty() && trace.failure.empty()) {
    out["selection"] = nullptr;
  } else {
    out["selection"] =
        json::object{{"model", trace.selection_model},
                     {"answer", trace.answer},
                     {"failure", trace.failure.empty() ? json::value(nullptr) : json::value(trace.failure)}};
  }
  return json::serialize(out);
}

namespace {

// Both doors: the prompt read, the autoselect found (the gateway's, or with
// `own` the caller's, in their namespace's view), its choice answered.
boost::asio::awaitable<void> serve_try(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m,
                                       bool own) {
  auto prompt = read_prompt(ex.request().body());
  if (!prompt) co_return co_await send_error(ex, prompt.error(), ctx);
  // The caller's own namespace and its view (read on the DB pool).
  if (own) {
    if (auto e = co_await user_routes::enter_namespace(app, ctx, m, true)) co_return co_await send_error(ex, *e, ctx);
  } else {
    // The gateway's autoselect as a global token meets it: an admin's
    // session would resolve ids, and key its decisions, in the admin's own
    // namespace (u:<admin>) and never see the choices the gateway made.
    ctx.namespace_user.clear();
    ctx.user_view.reset();
  }
  const std::string id(m.param("id"));
  const AutoselectConfig* autoselect = own ? ctx.user_view->autoselect(id) : ctx.config->find_autoselect(id);
  if (autoselect == nullptr) {
    const GatewayError missing = no_autoselect(own ? fmt::format("you have no autoselect named '{}'", id)
                                                   : fmt::format("no autoselect '{}'", id));
    co_return co_await send_error(ex, missing, ctx);
  }
  const std::string model = (own ? "user-autoselect/" : "autoselect/") + id;
  co_await run_try(ex, ctx, *autoselect, id, model, *prompt);
}

}  // namespace

// Not coroutines: serve_try's awaitable, no frame of their own.
boost::asio::awaitable<void> admin(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m) {
  return serve_try(app, ex, ctx, m, false);
}

boost::asio::awaitable<void> user(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m) {
  return serve_try(app, ex, ctx, m, true);
}

}  // namespace aisbf::autoselect_try

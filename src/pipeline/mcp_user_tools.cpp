// MCP's user tools (a user's token or session only: ToolSpec::users_only):
// the caller's own namespace, never another's nor the global files. The
// writes are the user routes' own (user_routes::save_doc, remove_doc): the
// same validation, private-endpoint rule, sealed keys and store writes on
// the DB pool; reads mask every key.
#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "api/models_json.hpp"
#include "api/user_json.hpp"
#include "pipeline/app.hpp"
#include "pipeline/mcp_tools.hpp"
#include "pipeline/user_routes.hpp"
#include "pipeline/user_views.hpp"

namespace aisbf::mcp_user {

namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using Result = std::optional<json::object>;
using store::DocKind;

Result refused(const GatewayError& e) {
  if (e.param.empty()) return mcp::error_result(e.message);
  return mcp::error_result(fmt::format("{} (at {})", e.message, e.param));
}

// The caller's own namespace, whatever the request's context said.
RequestContext& own_namespace(McpToolCall& call) {
  call.ctx.namespace_user = call.caller.namespace_user;
  return call.ctx;
}

std::string id_of(const json::object& args) { return std::string(args.at("id").as_string()); }

awaitable<Result> set_doc(McpToolCall& call, json::object args, DocKind kind) {
  const RequestContext& ctx = own_namespace(call);
  std::string id = id_of(args);
  json::object answer{{"id", id}};
  json::object value = args.at("config").as_object();
  auto saved = co_await user_routes::save_doc(call.app, call.pool, ctx, kind, std::move(id), std::move(value));
  if (!saved) co_return refused(saved.error());
  answer["created"] = saved->created;
  answer["config"] = json::parse(saved->json);  // masked
  co_return mcp::structured_result(std::move(answer));
}

awaitable<Result> delete_doc(McpToolCall& call, json::object args, DocKind kind) {
  const RequestContext& ctx = own_namespace(call);
  std::string id = id_of(args);
  json::object deleted{{"deleted", id}};
  if (auto e = co_await user_routes::remove_doc(call.app, ctx, kind, std::move(id))) co_return refused(*e);
  co_return mcp::structured_result(std::move(deleted));
}

}  // namespace

awaitable<Result> list_user_models(McpToolCall& call, json::object) {
  const RequestContext& ctx = own_namespace(call);
  auto view = co_await call.app.user_views().get(ctx.config, ctx.namespace_user);
  if (!view) co_return refused(view.error());
  co_return mcp_json_result(api::model_list_json(api::user_model_entries(**view, std::nullopt)));
}

awaitable<Result> get_user_config(McpToolCall& call, json::object) {
  const RequestContext& ctx = own_namespace(call);
  auto view = co_await call.app.user_views().get(ctx.config, ctx.namespace_user);
  if (!view) co_return refused(view.error());
  json::object all;
  for (const DocKind kind : {DocKind::provider, DocKind::rotation, DocKind::autoselect}) {
    json::value one = json::parse(api::user_docs_json(**view, kind));
    for (auto& [plural, docs] : one.as_object()) all[plural] = std::move(docs);
  }
  co_return mcp::structured_result(std::move(all));
}

// Thin: g++ 12 miscompiles string literals in templated coroutines.
template <DocKind K>
awaitable<Result> set_user_doc(McpToolCall& call, json::object args) {
  return set_doc(call, std::move(args), K);
}
template <DocKind K>
awaitable<Result> delete_user_doc(McpToolCall& call, json::object args) {
  return delete_doc(call, std::move(args), K);
}

#define AISBF_INSTANTIATE(K)                                              \
  template awaitable<Result> set_user_doc<K>(McpToolCall&, json::object); \
  template awaitable<Result> delete_user_doc<K>(McpToolCall&, json::object);
AISBF_INSTANTIATE(DocKind::provider)
AISBF_INSTANTIATE(DocKind::rotation)
AISBF_INSTANTIATE(DocKind::autoselect)
#undef AISBF_INSTANTIATE

}  // namespace aisbf::mcp_user

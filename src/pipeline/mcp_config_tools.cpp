// MCP's configuration tools (full config level): the global providers,
// rotations and autoselects one entry at a time, aisbf.json's settings and
// a reload, through the admin config API's own functions
// (routes_admin_config.hpp): the same validation as a reload, atomic
// writes, secrets masked on read (a masked value sent back keeps the
// stored secret), the snapshot swapped at once.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "api/admin_config_json.hpp"
#include "pipeline/app.hpp"
#include "pipeline/mcp_tools.hpp"
#include "pipeline/routes_admin_config.hpp"

namespace aisbf::mcp_config {

namespace {

namespace json = boost::json;
using Result = std::optional<json::object>;

// An error's message with where it points; a refused configuration's
// diagnostics one per line.
std::string refusal_text(const admin_config::Answer& a) {
  if (a.error) return a.error->param.empty() ? a.error->message : fmt::format("{} (at {})", a.error->message, a.error->param);
  boost::system::error_code ec;
  const json::value v = json::parse(a.body, ec);
  const json::object* obj = ec ? nullptr : v.if_object();
  const json::value* diagnostics = obj != nullptr ? obj->if_contains("diagnostics") : nullptr;
  if (diagnostics == nullptr || !diagnostics->is_array()) return a.body;
  std::string text = "the configuration would have errors; nothing was changed:";
  for (const auto& d : diagnostics->as_array()) {
    if (!d.is_object()) continue;
    const auto& o = d.as_object();
    auto field = [&](std::string_view k) -> std::string {
      const json::value* f = o.if_contains(k);
      return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string{};
    };
    text += fmt::format("\n{}: {}: {}: {}", field("severity"), field("file"), field("path"), field("message"));
  }
  return text;
}

Result from_answer(const admin_config::Answer& a, json::object when_empty = {}) {
  if (a.error || a.status >= 400) return mcp::error_result(refusal_text(a));
  if (a.body.empty()) return mcp::structured_result(std::move(when_empty));
  boost::system::error_code ec;
  json::value v = json::parse(a.body, ec);
  if (ec || !v.is_object()) return mcp::error_result("internal error: the answer could not be read");
  return mcp::structured_result(std::move(v.as_object()));
}

std::string id_of(const json::object& args) { return std::string(args.at("id").as_string()); }

}  // namespace

template <EntryKind K>
boost::asio::awaitable<Result> get_entry(McpToolCall& call, json::object args) {
  co_return from_answer(admin_config::read_entry(*call.ctx.config, K, id_of(args)));
}

template <EntryKind K>
boost::asio::awaitable<Result> set_entry(McpToolCall& call, json::object args) {
  std::string id = id_of(args);
  json::object entry = args.at("config").as_object();
  const admin_config::Answer answer = co_await admin_config::write_entry(call.app, K, std::move(id), std::move(entry));
  co_return from_answer(answer);
}

template <EntryKind K>
boost::asio::awaitable<Result> delete_entry(McpToolCall& call, json::object args) {
  std::string id = id_of(args);
  json::object deleted{{"deleted", id}};
  const admin_config::Answer answer = co_await admin_config::remove_entry(call.app, K, std::move(id));
  co_return from_answer(answer, std::move(deleted));
}

#define AISBF_INSTANTIATE(K)                                                       \
  template boost::asio::awaitable<Result> get_entry<K>(McpToolCall&, json::object); \
  template boost::asio::awaitable<Result> set_entry<K>(McpToolCall&, json::object); \
  template boost::asio::awaitable<Result> delete_entry<K>(McpToolCall&, json::object);
AISBF_INSTANTIATE(EntryKind::provider)
AISBF_INSTANTIATE(EntryKind::rotation)
AISBF_INSTANTIATE(EntryKind::autoselect)
#undef AISBF_INSTANTIATE

boost::asio::awaitable<Result> get_server_config(McpToolCall& call, json::object) {
  co_return from_answer({200, admin_config::settings_body(call.app, *call.ctx.config), std::nullopt});
}

boost::asio::awaitable<Result> set_server_config(McpToolCall& call, json::object args) {
  json::object settings = args.at("settings").as_object();
  if (call.caller.mcp_token) {
    // An MCP token opens /mcp and nothing else: writing the sections that
    // say who may call the gateway would mint itself more.
    for (std::string_view section : {"auth", "mcp", "dashboard"}) {
      if (settings.contains(section)) {
        co_return mcp::error_result(fmt::format("an MCP token cannot change the \"{}\" section: it decides who may call "
                                         "the gateway; change it as a gateway admin (PUT /api/admin/settings)",
                                         section));
      }
    }
  }
  const admin_config::Answer answer = co_await admin_config::write_settings(call.app, std::move(settings));
  co_return from_answer(answer);
}

boost::asio::awaitable<Result> reload_config(McpToolCall& call, json::object) {
  const ReloadOutcome outcome = co_await call.app.reload_in_background();
  co_return from_answer({outcome.ok ? 200 : 400, reload_json(outcome), std::nullopt});
}

}  // namespace aisbf::mcp_config

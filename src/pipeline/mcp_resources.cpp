// MCP's resources and prompt, so that clients that browse them see
// something real: aisbf://models (the caller's model list, as list_models)
// and aisbf://rotations (as list_rotations) for every level, and the
// summarise_usage prompt for full config (it asks for get_usage_stats).
#include <boost/json/array.hpp>
#include <fmt/format.h>

#include "api/admin_json.hpp"
#include "pipeline/mcp_dispatch.hpp"

namespace aisbf {

namespace {

namespace json = boost::json;
using boost::asio::awaitable;

// MCP's "resource not found" (the spec's own code, outside JSON-RPC's).
constexpr int kResourceNotFound = -32002;

struct Resource {
  std::string_view uri, name, title, description;
};
constexpr Resource kResources[] = {
    {"aisbf://models", "models", "Models",
     "Every model id the caller may use, as GET /api/v1/models lists them (the list_models tool's answer)"},
    {"aisbf://rotations", "rotations", "Rotations", "The rotations with their candidates and weights"},
};

json::object summarise_usage(const json::object& arguments) {
  std::string period = "day";
  if (const json::value* p = arguments.if_contains("period"); p != nullptr && p->is_string())
    period = std::string(p->as_string());
  const std::string text = fmt::format(
      "Summarise how the aisbf gateway was used over the last {0}. Call get_usage_stats with from set to the "
      "start of that {0} and group_by=model, then again with group_by=provider (and with bucket=hour for a "
      "day, bucket=day for longer), and get_provider_health. Report the requests, tokens and cost in total and "
      "for the busiest models and providers, how they changed over the period, and any provider that is "
      "failing or cooling down.",
      period);
  return json::object{
      {"description", fmt::format("A summary of the gateway's usage over the last {}", period)},
      {"messages", json::array{json::object{{"role", "user"},
                                            {"content", json::object{{"type", "text"}, {"text", text}}}}}},
  };
}

}  // namespace

awaitable<json::object> resources_list(McpExchange& x, const mcp::Message& m) {
  json::array resources;
  if (x.caller.level != mcp::Level::none) {
    for (const auto& r : kResources) {
      resources.push_back(json::object{{"uri", r.uri},
                                       {"name", r.name},
                                       {"title", r.title},
                                       {"description", r.description},
                                       {"mimeType", "application/json"}});
    }
  }
  co_return mcp::result_message(m.id, json::object{{"resources", std::move(resources)}});
}

awaitable<json::object> resources_read(McpExchange& x, const mcp::Message& m) {
  const json::value* uri = m.params.if_contains("uri");
  if (uri == nullptr || !uri->is_string())
    co_return mcp::error_message(m.id, mcp::kInvalidParams, "resources/read needs \"uri\"");
  const std::string_view asked = uri->as_string();
  std::string text;
  if (x.caller.level != mcp::Level::none && asked == kResources[0].uri) {
    text = co_await caller_models_json(x.app, x.ctx);
  } else if (x.caller.level != mcp::Level::none && asked == kResources[1].uri) {
    text = api::rotations_list_json(*x.ctx.routes);
  } else {
    co_return mcp::error_message(m.id, kResourceNotFound,
                                 fmt::format("no resource '{}': resources/list gives them", asked));
  }
  json::object content{{"uri", asked}, {"mimeType", "application/json"}, {"text", std::move(text)}};
  co_return mcp::result_message(m.id, json::object{{"contents", json::array{std::move(content)}}});
}

awaitable<json::object> prompts_list(McpExchange& x, const mcp::Message& m) {
  json::array prompts;
  if (x.caller.level == mcp::Level::fullconfig) {
    json::array arguments{json::object{{"name", "period"},
                                       {"description", "day (the default), week or month"},
                                       {"required", false}}};
    prompts.push_back(json::object{{"name", "summarise_usage"},
                                   {"title", "Summarise usage"},
                                   {"description", "Asks for a summary of the gateway's usage and health"},
                                   {"arguments", std::move(arguments)}});
  }
  co_return mcp::result_message(m.id, json::object{{"prompts", std::move(prompts)}});
}

awaitable<json::object> prompts_get(McpExchange& x, const mcp::Message& m) {
  const json::value* name = m.params.if_contains("name");
  if (name == nullptr || !name->is_string() || name->as_string() != "summarise_usage" ||
      x.caller.level != mcp::Level::fullconfig) {
    co_return mcp::error_message(m.id, mcp::kInvalidParams, "unknown prompt: prompts/list gives the prompts");
  }
  static const json::object kNone;
  const json::value* args = m.params.if_contains("arguments");
  co_return mcp::result_message(m.id, summarise_usage(args != nullptr && args->is_object() ? args->as_object() : kNone));
}

}  // namespace aisbf

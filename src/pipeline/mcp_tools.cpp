#include "pipeline/mcp_tools.hpp"

#include <cctype>

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "api/admin_json.hpp"
#include "api/models_json.hpp"
#include "pipeline/app.hpp"
#include "pipeline/route_table.hpp"
#include "pipeline/routes_cache.hpp"
#include "pipeline/usage_routes.hpp"
#include "pipeline/user_routes.hpp"

namespace aisbf {

namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using Result = std::optional<json::object>;
using Handler = awaitable<Result> (*)(McpToolCall& call, json::object args);
using mcp::Level;

// A list answer of the HTTP routes ({"object":"list","data":[…]}) as a result.
Result list_result(std::string_view text) { return mcp_json_result(text); }

awaitable<Result> list_models(McpToolCall& call, json::object) {
  const std::string list = co_await caller_models_json(call.app, call.ctx);
  co_return list_result(list);
}

awaitable<Result> list_rotations(McpToolCall& call, json::object) {
  co_return list_result(api::rotations_list_json(*call.ctx.routes));
}

awaitable<Result> list_autoselect(McpToolCall& call, json::object) {
  co_return list_result(api::autoselects_list_json(*call.ctx.config));
}

awaitable<Result> get_model_info(McpToolCall& call, json::object args) {
  const std::string id(args.at("model").as_string());
  auto entry = co_await user_routes::model_entry(call.app, call.ctx, id);
  if (!entry) {
    if (entry.error().status == 404)
      co_return mcp::error_result(fmt::format("model '{}' does not exist: list_models gives the ids", id));
    co_return mcp::error_result(entry.error().message);
  }
  co_return list_result(*entry);
}

awaitable<Result> get_cache_stats(McpToolCall& call, json::object) {
  auto stats = co_await cache_routes::stats_json(call.app, call.ctx);
  co_return mcp::structured_result(std::move(stats));
}

awaitable<Result> get_provider_health(McpToolCall& call, json::object) {
  co_return list_result(health_report_json(call.app));
}

// Unreserved characters pass; everything else is %-escaped (a time's ':' and '+').
std::string query_escaped(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// The arguments as GET /api/admin/usage's query: the same parsing and checks.
awaitable<Result> get_usage_stats(McpToolCall& call, json::object args) {
  std::string target = "/api/admin/usage?format=json";
  for (const auto& [key, value] : args) {
    if (!value.is_string()) continue;  // the schema allows strings only
    target += fmt::format("&{}={}", std::string_view(key), query_escaped(value.as_string()));
  }
  auto report = co_await usage_report_for(call.app, target);
  if (!report) co_return mcp::error_result(report.error().message);
  co_return list_result(*report);
}

// The onion service's state: the same object as GET /api/admin/tor.
awaitable<Result> get_tor_status(McpToolCall& call, json::object) {
  co_return mcp::structured_result(api::tor_status(call.ctx.config->tor, call.app.tor_state()));
}

constexpr std::string_view kNoArguments = R"({"type":"object","properties":{},"additionalProperties":false})";

constexpr std::string_view kListOutput = R"({
  "type": "object",
  "properties": {
    "object": {"type": "string"},
    "data": {"type": "array", "items": {"type": "object"}}
  },
  "required": ["data"]
})";

constexpr std::string_view kModelInput = R"({
  "type": "object",
  "properties": {"model": {"type": "string", "description": "a model id as list_models shows it: provider/model, rotation/<id> or autoselect/<id>"}},
  "required": ["model"],
  "additionalProperties": false
})";

constexpr std::string_view kModelOutput = R"({
  "type": "object",
  "properties": {"id": {"type": "string"}, "object": {"type": "string"}},
  "required": ["id"]
})";

constexpr std::string_view kChatInput = R"({
  "type": "object",
  "properties": {
    "model": {"type": "string", "description": "any model id list_models shows: provider/model, rotation/<id> or autoselect/<id>"},
    "messages": {
      "type": "array", "minItems": 1,
      "description": "the conversation, as OpenAI's chat completions take it: [{\"role\": \"user\", \"content\": \"…\"}]",
      "items": {"type": "object", "properties": {"role": {"type": "string"}, "content": {}}, "required": ["role"]}
    },
    "temperature": {"type": "number"},
    "top_p": {"type": "number"},
    "max_tokens": {"type": "integer"},
    "stop": {"type": ["string", "array"]},
    "seed": {"type": "integer"},
    "presence_penalty": {"type": "number"},
    "frequency_penalty": {"type": "number"},
    "response_format": {"type": "object"}
  },
  "required": ["model", "messages"],
  "additionalProperties": false
})";

constexpr std::string_view kChatOutput = R"({
  "type": "object",
  "properties": {
    "id": {"type": "string"},
    "model": {"type": "string"},
    "content": {"type": "string"},
    "finish_reason": {"type": ["string", "null"]},
    "usage": {"type": "object"}
  },
  "required": ["model", "content"]
})";

constexpr std::string_view kCacheOutput = R"({
  "type": "object",
  "properties": {
    "backend": {"type": "string"}, "enabled": {"type": "boolean"},
    "hits": {"type": "integer"}, "misses": {"type": "integer"}, "hit_rate": {"type": "number"},
    "evictions": {"type": "integer"}, "bytes": {"type": "integer"}, "entries": {"type": "integer"},
    "coalesced": {"type": "integer"}
  },
  "required": ["backend", "hits", "misses"]
})";

constexpr std::string_view kUsageInput = R"j({
  "type": "object",
  "properties": {
    "from": {"type": "string", "description": "start: ISO 8601 (2026-12-01 or 2026-12-01T10:00:00Z) or unix seconds; default 24 h before `to` (with bucket minute: 1 h before)"},
    "to": {"type": "string", "description": "end, in the same forms; default now"},
    "bucket": {"enum": ["minute", "hour", "day"], "description": "a time series in these steps (minute: at most 6 hours)"},
    "group_by": {"enum": ["user", "provider", "model", "rotation", "token"], "description": "totals per key"},
    "user": {"type": "string"}, "provider": {"type": "string"}, "model": {"type": "string"},
    "rotation": {"type": "string"}, "token": {"type": "string"}
  },
  "additionalProperties": false
})j";

constexpr std::string_view kUsageOutput = R"({"type": "object", "properties": {"totals": {"type": "object"}}, "required": ["totals"]})";
constexpr std::string_view kHealthOutput = R"({"type": "object"})";
constexpr std::string_view kTorOutput = R"({
  "type": "object",
  "properties": {"enabled": {"type": "boolean"}, "configured": {"type": "boolean"},
                 "state": {"enum": ["disabled", "starting", "running", "error"]},
                 "hidden_service": {"type": ["string", "null"]}, "port": {"type": "integer"},
                 "target": {"type": ["string", "null"]}, "persistent": {"type": "boolean"},
                 "last_error": {"type": ["string", "null"]}, "message": {"type": "string"}},
  "required": ["enabled", "state", "message"]
})";

constexpr std::string_view kIdInput = R"j({
  "type": "object",
  "properties": {"id": {"type": "string", "description": "the entry's id"}},
  "required": ["id"],
  "additionalProperties": false
})j";

constexpr std::string_view kSetEntryInput = R"j({
  "type": "object",
  "properties": {
    "id": {"type": "string", "description": "the entry's id (created when new, replaced otherwise)"},
    "config": {"type": "object", "description": "the whole entry as the config file holds it; a masked secret sent back as read keeps the stored one"}
  },
  "required": ["id", "config"],
  "additionalProperties": false
})j";

constexpr std::string_view kEntryOutput = R"({"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]})";
constexpr std::string_view kDeletedOutput = R"({"type": "object", "properties": {"deleted": {"type": "string"}}, "required": ["deleted"]})";

constexpr std::string_view kSettingsInput = R"j({
  "type": "object",
  "properties": {"settings": {"type": "object", "description": "aisbf.json sections to replace, each whole (as get_server_config shows them)"}},
  "required": ["settings"],
  "additionalProperties": false
})j";

constexpr std::string_view kSettingsOutput = R"({"type": "object", "properties": {"settings": {"type": "object"}}, "required": ["settings"]})";
constexpr std::string_view kReloadOutput = R"({"type": "object", "properties": {"reloaded": {"type": "boolean"}, "warnings": {"type": "array"}}})";

constexpr std::string_view kUserConfigOutput = R"({
  "type": "object",
  "properties": {"providers": {"type": "object"}, "rotations": {"type": "object"}, "autoselects": {"type": "object"}},
  "required": ["providers", "rotations", "autoselects"]
})";

constexpr std::string_view kUserEntryOutput = R"({
  "type": "object",
  "properties": {"id": {"type": "string"}, "created": {"type": "boolean"}, "config": {"type": "object"}},
  "required": ["id", "created", "config"]
})";

struct Tool {
  mcp::ToolSpec spec;
  Handler handler;
};

constexpr auto kFull = Level::fullconfig;
constexpr auto kProvider = EntryKind::provider;
constexpr auto kRotation = EntryKind::rotation;
constexpr auto kAutoselect = EntryKind::autoselect;
using namespace mcp_config;
using namespace mcp_user;
constexpr auto kUserProvider = store::DocKind::provider;
constexpr auto kUserRotation = store::DocKind::rotation;
constexpr auto kUserAutoselect = store::DocKind::autoselect;
constexpr auto kAuto = Level::autoselect;

// A user's own tool (users_only): listed and callable for user tokens and sessions.
constexpr mcp::ToolSpec user_tool(std::string_view name, std::string_view title, std::string_view description,
                                  std::string_view input, std::string_view output, bool read_only, bool destructive) {
  return {name, title, description, input, output, read_only, destructive, false, kAuto, true};
}

// Phase 1 of issue 13: the model tools (autoselect tokens and up), chat,
// and the cache stats (full config).
const Tool kTools[] = {
    {{"list_models", "List models",
      "Every model id the caller may use: providers' models, rotations (rotation/<id>) and autoselects "
      "(autoselect/<id>), as GET /api/v1/models lists them.",
      kNoArguments, kListOutput},
     &list_models},
    {{"list_rotations", "List rotations", "The rotations with their candidate models and weights.", kNoArguments,
      kListOutput},
     &list_rotations},
    {{"list_autoselect", "List autoselects", "The autoselects with the models each chooses among.", kNoArguments,
      kListOutput},
     &list_autoselect},
    {{"get_model_info", "Model information", "One model by its id, as GET /api/v1/models/{id} shows it.", kModelInput,
      kModelOutput},
     &get_model_info},
    {{"chat_completion", "Chat completion",
      "Sends a conversation to any model id through the gateway (rotations, autoselect, caching and usage "
      "accounting apply) and returns the answer. With a progressToken, the text so far comes as progress "
      "notifications.",
      kChatInput, kChatOutput, false, false, true},
     &mcp_chat_completion},
    {{"get_cache_stats", "Response cache statistics",
      "The response cache's backend, hits, misses, hit rate, evictions, bytes and entries.", kNoArguments, kCacheOutput,
      true, false, false, Level::fullconfig},
     &get_cache_stats},
    {{"get_usage_stats", "Usage statistics",
      "Requests, errors, tokens, cost and latency p50/p95 over a time range (default the last 24 h), in totals, per "
      "minute, hour or day, and per user, provider, model, rotation or token; as GET /api/admin/usage reports them.",
      kUsageInput, kUsageOutput, true, false, false, kFull},
     &get_usage_stats},
    {{"get_provider_health", "Provider health",
      "Each provider/model's health (failures, cooldowns), learned rate limits, request spacing and token "
      "windows, as GET /api/admin/health shows them.",
      kNoArguments, kHealthOutput, true, false, false, kFull},
     &get_provider_health},
    {{"get_tor_status", "TOR status",
      "The TOR hidden service: its state (disabled, starting, running, error), its onion address and port "
      "mapping, persistent or ephemeral, and the last error (as GET /api/admin/tor).",
      kNoArguments, kTorOutput, true, false, false, kFull},
     &get_tor_status},
    // Configuration (mcp_config_tools.cpp): the admin config API's validation and atomic writes.
    {{"get_provider_config", "Provider configuration", "One provider of providers.json, secrets masked.", kIdInput,
      kEntryOutput, true, false, false, kFull},
     &get_entry<kProvider>},
    {{"set_provider_config", "Set a provider",
      "Creates or replaces one provider of providers.json, checked as a reload would check it (nothing is written "
      "when it has errors), written atomically and served at once.",
      kSetEntryInput, kEntryOutput, false, true, false, kFull},
     &set_entry<kProvider>},
    {{"delete_provider_config", "Delete a provider",
      "Removes one provider (refused while a rotation or autoselect uses it).", kIdInput, kDeletedOutput, false, true,
      false, kFull},
     &delete_entry<kProvider>},
    {{"get_rotation_config", "Rotation configuration", "One rotation of rotations.json, secrets masked.", kIdInput,
      kEntryOutput, true, false, false, kFull},
     &get_entry<kRotation>},
    {{"set_rotation_config", "Set a rotation", "Creates or replaces one rotation, checked as a reload would check it.",
      kSetEntryInput, kEntryOutput, false, true, false, kFull},
     &set_entry<kRotation>},
    {{"delete_rotation_config", "Delete a rotation", "Removes one rotation (refused while an autoselect uses it).",
      kIdInput, kDeletedOutput, false, true, false, kFull},
     &delete_entry<kRotation>},
    {{"get_autoselect_config", "Autoselect configuration", "One autoselect of autoselect.json.", kIdInput, kEntryOutput,
      true, false, false, kFull},
     &get_entry<kAutoselect>},
    {{"set_autoselect_config", "Set an autoselect",
      "Creates or replaces one autoselect, checked as a reload would check it.", kSetEntryInput, kEntryOutput, false,
      true, false, kFull},
     &set_entry<kAutoselect>},
    {{"delete_autoselect_config", "Delete an autoselect", "Removes one autoselect.", kIdInput, kDeletedOutput, false,
      true, false, kFull},
     &delete_entry<kAutoselect>},
    {{"get_server_config", "Server configuration", "aisbf.json's sections, secrets masked.", kNoArguments,
      kSettingsOutput, true, false, false, kFull},
     &get_server_config},
    {{"set_server_config", "Set server configuration",
      "Replaces the given aisbf.json sections, each whole, checked as a reload would check them; the answer lists "
      "the settings that take effect only at the next start.",
      kSettingsInput, kSettingsOutput, false, true, false, kFull},
     &set_server_config},
    {{"reload_config", "Reload the configuration",
      "Reads the four config files again (as SIGHUP); with errors the running configuration stays and the "
      "diagnostics say what to fix.",
      kNoArguments, kReloadOutput, false, false, false, kFull},
     &reload_config},
    // A user's own namespace (mcp_user_tools.cpp): the user routes' validation and writes.
    {user_tool("list_user_models", "List your models",
               "Your own model ids (user-provider/<provider>/<model>, user-rotation/<id>, user-autoselect/<id>), as "
               "GET /api/user/models lists them after the global ones.",
               kNoArguments, kListOutput, true, false),
     &list_user_models},
    {user_tool("get_user_config", "Your configuration", "Your providers, rotations and autoselects, keys masked.",
               kNoArguments, kUserConfigOutput, true, false),
     &get_user_config},
    {user_tool("set_user_provider", "Set one of your providers",
               "Creates or replaces a provider in your namespace, checked as PUT /api/user/providers/{id} checks it "
               "(a private endpoint is refused unless an admin allowed it); usable at once as "
               "user-provider/<id>/<model>.",
               kSetEntryInput, kUserEntryOutput, false, true),
     &set_user_doc<kUserProvider>},
    {user_tool("delete_user_provider", "Delete one of your providers",
               "Removes a provider of yours (refused while a rotation or autoselect of yours uses it).", kIdInput,
               kDeletedOutput, false, true),
     &delete_user_doc<kUserProvider>},
    {user_tool("set_user_rotation", "Set one of your rotations",
               "Creates or replaces a rotation in your namespace (over your providers and the global ones).",
               kSetEntryInput, kUserEntryOutput, false, true),
     &set_user_doc<kUserRotation>},
    {user_tool("delete_user_rotation", "Delete one of your rotations",
               "Removes a rotation of yours (refused while an autoselect of yours uses it).", kIdInput, kDeletedOutput,
               false, true),
     &delete_user_doc<kUserRotation>},
    {user_tool("set_user_autoselect", "Set one of your autoselects",
               "Creates or replaces an autoselect in your namespace.", kSetEntryInput, kUserEntryOutput, false, true),
     &set_user_doc<kUserAutoselect>},
    {user_tool("delete_user_autoselect", "Delete one of your autoselects", "Removes an autoselect of yours.", kIdInput,
               kDeletedOutput, false, true),
     &delete_user_doc<kUserAutoselect>},
};

std::vector<mcp::ToolSpec> specs_of_tools() {
  std::vector<mcp::ToolSpec> specs;
  for (const auto& t : kTools) specs.push_back(t.spec);
  return specs;
}

}  // namespace

std::optional<json::object> mcp_json_result(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return mcp::error_result("internal error: the answer could not be built");
  return mcp::structured_result(std::move(v.as_object()));
}

awaitable<std::string> caller_models_json(App& app, const RequestContext& ctx) {
  std::string list = api::models_list_json(*ctx.config, {}, app.catalog().snapshot().get());
  if (!ctx.namespace_user.empty()) list = co_await user_routes::namespace_models(app, ctx, std::move(list));
  co_return list;
}

const mcp::ToolRegistry& mcp_tool_registry() {
  static const std::vector<mcp::ToolSpec> specs = specs_of_tools();
  static const mcp::ToolRegistry registry(specs);
  return registry;
}

awaitable<std::optional<json::object>> run_mcp_tool(std::size_t index, McpToolCall& call, json::object args) {
  return kTools[index].handler(call, std::move(args));
}

}  // namespace aisbf

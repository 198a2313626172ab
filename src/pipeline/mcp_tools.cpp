#include "pipeline/mcp_tools.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "api/admin_json.hpp"
#include "api/models_json.hpp"
#include "pipeline/app.hpp"
#include "pipeline/routes_cache.hpp"
#include "pipeline/user_routes.hpp"

namespace aisbf {

namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using Result = std::optional<json::object>;
using Handler = awaitable<Result> (*)(McpToolCall& call, json::object args);
using mcp::Level;

// A list answer of the HTTP routes ({"object":"list","data":[…]}) as a result.
Result list_result(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return mcp::error_result("internal error: the list could not be built");
  return mcp::structured_result(std::move(v.as_object()));
}

awaitable<Result> list_models(McpToolCall& call, json::object) {
  auto& ctx = call.ctx;
  std::string list = api::models_list_json(*ctx.config, {}, call.app.catalog().snapshot().get());
  if (!ctx.namespace_user.empty()) list = co_await user_routes::namespace_models(call.app, ctx, std::move(list));
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

struct Tool {
  mcp::ToolSpec spec;
  Handler handler;
};

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
    {{"get_model_info", "Model information", "One model by its id, as GET /api/v1/models/{id} shows it.",
      kModelInput, kModelOutput},
     &get_model_info},
    {{"chat_completion", "Chat completion",
      "Sends a conversation to any model id through the gateway (rotations, autoselect, caching and usage "
      "accounting apply) and returns the answer. With a progressToken, the text so far comes as progress "
      "notifications.",
      kChatInput, kChatOutput, false, false, true},
     &mcp_chat_completion},
    {{"get_cache_stats", "Response cache statistics",
      "The response cache's backend, hits, misses, hit rate, evictions, bytes and entries.", kNoArguments,
      kCacheOutput, true, false, false, Level::fullconfig},
     &get_cache_stats},
};

std::vector<mcp::ToolSpec> specs_of_tools() {
  std::vector<mcp::ToolSpec> specs;
  for (const auto& t : kTools) specs.push_back(t.spec);
  return specs;
}

}  // namespace

const mcp::ToolRegistry& mcp_tool_registry() {
  static const std::vector<mcp::ToolSpec> specs = specs_of_tools();
  static const mcp::ToolRegistry registry(specs);
  return registry;
}

awaitable<std::optional<json::object>> run_mcp_tool(std::size_t index, McpToolCall& call, json::object args) {
  return kTools[index].handler(call, std::move(args));
}

}  // namespace aisbf

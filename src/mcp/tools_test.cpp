#include "mcp/tools.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "mcp/access.hpp"

namespace aisbf::mcp {
namespace {

namespace json = boost::json;

constexpr ToolSpec kSpecs[] = {
    {"look", "Look", "reads", R"({"type":"object","properties":{}})", R"({"type":"object"})"},
    {"change", "", "writes", R"({"type":"object","properties":{"id":{"type":"string"}},"required":["id"]})", "",
     false, true, false, Level::fullconfig},
    {"mine", "", "a user's own", R"({"type":"object","properties":{}})", "", true, false, false, Level::autoselect,
     true},
};

std::vector<std::string> names(const json::array& tools) {
  std::vector<std::string> out;
  for (const auto& t : tools) out.emplace_back(t.at("name").as_string());
  return out;
}

TEST(McpTools, ListShowsOnlyWhatTheLevelMayCall) {
  ToolRegistry registry(kSpecs);
  EXPECT_TRUE(registry.list(Level::none).empty());
  EXPECT_EQ(names(registry.list(Level::autoselect)), std::vector<std::string>{"look"});
  EXPECT_EQ(names(registry.list(Level::fullconfig)), (std::vector<std::string>{"look", "change"}));
  EXPECT_TRUE(registry.find("look", Level::autoselect));
  EXPECT_FALSE(registry.find("change", Level::autoselect));
  EXPECT_EQ(registry.find("change", Level::fullconfig), 1u);
  EXPECT_FALSE(registry.find("nope", Level::fullconfig));
}

TEST(McpTools, UsersOnlyToolsAreForCallersWithANamespace) {
  ToolRegistry registry(kSpecs);
  EXPECT_EQ(names(registry.list(Level::autoselect, true)), (std::vector<std::string>{"look", "mine"}));
  EXPECT_EQ(names(registry.list(Level::fullconfig, true)), (std::vector<std::string>{"look", "change", "mine"}));
  EXPECT_FALSE(registry.find("mine", Level::fullconfig));
  EXPECT_EQ(registry.find("mine", Level::autoselect, true), 2u);
  EXPECT_TRUE(registry.contains("mine"));
  EXPECT_FALSE(registry.contains("nope"));
}

TEST(McpTools, ListedToolsCarrySchemasAndAnnotations) {
  ToolRegistry registry(kSpecs);
  const auto tools = registry.list(Level::fullconfig);
  const auto& look = tools[0].as_object();
  EXPECT_EQ(look.at("title").as_string(), "Look");
  EXPECT_EQ(look.at("inputSchema").at("type").as_string(), "object");
  EXPECT_TRUE(look.at("outputSchema").is_object());
  EXPECT_TRUE(look.at("annotations").at("readOnlyHint").as_bool());
  const auto& change = tools[1].as_object();
  EXPECT_FALSE(change.contains("outputSchema"));
  EXPECT_FALSE(change.at("annotations").at("readOnlyHint").as_bool());
  EXPECT_TRUE(change.at("annotations").at("destructiveHint").as_bool());
}

TEST(McpTools, ABadSchemaIsABugSeenAtStart) {
  constexpr ToolSpec bad[] = {{"x", "", "", "not json", ""}};
  EXPECT_THROW(ToolRegistry{bad}, std::invalid_argument);
}

TEST(McpTools, ArgumentsAreCheckedAgainstTheSchemaSayingWhatToFix) {
  const auto schema = json::parse(R"({"type":"object",
    "properties":{"model":{"type":"string"},"n":{"type":"integer"},"t":{"type":"number"},
                  "stop":{"type":["string","array"]},"mode":{"enum":["a","b"]},
                  "messages":{"type":"array","minItems":1}},
    "required":["model"],"additionalProperties":false})").as_object();
  auto check = [&](const char* args) { return check_arguments(schema, json::parse(args).as_object()); };
  EXPECT_FALSE(check(R"({"model":"m"})"));
  EXPECT_FALSE(check(R"({"model":"m","n":3,"t":0.5,"stop":["x"],"mode":"b","messages":[{}]})"));
  EXPECT_FALSE(check(R"({"model":"m","t":1})"));  // an integer is a number
  EXPECT_EQ(*check("{}"), "missing required argument 'model'");
  EXPECT_EQ(*check(R"({"model":1})"), "argument 'model' must be string (got an integer)");
  EXPECT_EQ(*check(R"({"model":"m","n":1.5})"), "argument 'n' must be integer (got a number)");
  EXPECT_EQ(*check(R"({"model":"m","stop":3})"), "argument 'stop' must be string or array (got an integer)");
  EXPECT_EQ(*check(R"({"model":"m","mode":"c"})"), R"(argument 'mode' must be one of ["a","b"])");
  EXPECT_EQ(*check(R"({"model":"m","messages":[]})"), "argument 'messages' needs at least 1 item(s)");
  EXPECT_EQ(*check(R"({"model":"m","extra":1})"), "unknown argument 'extra'");
}

TEST(McpTools, ResultsCarryTextAndStructuredContent) {
  const auto ok = structured_result(json::object{{"a", 1}});
  EXPECT_EQ(ok.at("content").at(0).at("type").as_string(), "text");
  EXPECT_EQ(ok.at("content").at(0).at("text").as_string(), R"({"a":1})");
  EXPECT_EQ(ok.at("structuredContent").at("a").as_int64(), 1);
  EXPECT_FALSE(ok.at("isError").as_bool());
  const auto bad = error_result("fix it");
  EXPECT_TRUE(bad.at("isError").as_bool());
  EXPECT_EQ(bad.at("content").at(0).at("text").as_string(), "fix it");
  EXPECT_FALSE(bad.contains("structuredContent"));
}

TEST(McpAccess, LevelsFollowAisbfTokensAndTheGatewaysPrincipal) {
  Config config;
  config.mcp.autoselect_tokens = {"auto-1"};
  config.mcp.fullconfig_tokens = {"full-1", "both"};
  config.mcp.autoselect_tokens.push_back("both");
  EXPECT_EQ(token_level(config.mcp, "auto-1"), Level::autoselect);
  EXPECT_EQ(token_level(config.mcp, "full-1"), Level::fullconfig);
  EXPECT_EQ(token_level(config.mcp, "both"), Level::fullconfig);
  EXPECT_EQ(token_level(config.mcp, "auto-"), Level::none);
  EXPECT_EQ(token_level(config.mcp, ""), Level::none);

  auth::Principal anonymous;
  config.auth.enabled = true;
  EXPECT_EQ(caller_of(config, "auto-1", anonymous).level, Level::autoselect);
  EXPECT_EQ(caller_of(config, "nope", anonymous).level, Level::none);
  config.auth.enabled = false;
  EXPECT_EQ(caller_of(config, "", anonymous).level, Level::fullconfig);  // the operator on loopback

  auth::Principal global;
  global.kind = auth::PrincipalKind::global_token;
  global.token_id = "auth.tokens[0]";
  EXPECT_EQ(caller_of(config, "gw", global).level, Level::fullconfig);

  auth::Principal user;
  user.kind = auth::PrincipalKind::user_token;
  user.role = auth::Role::user;
  user.user_id = "alice";
  const auto alice = caller_of(config, "aisbf_x", user);
  EXPECT_EQ(alice.level, Level::autoselect);
  EXPECT_EQ(alice.namespace_user, "alice");
  user.role = auth::Role::admin;
  EXPECT_EQ(caller_of(config, "aisbf_x", user).level, Level::fullconfig);

  // Owners differ per credential and never hold the token itself.
  EXPECT_NE(caller_of(config, "auto-1", anonymous).owner, caller_of(config, "full-1", anonymous).owner);
  EXPECT_EQ(caller_of(config, "auto-1", anonymous).owner.find("auto-1"), std::string::npos);
}

}  // namespace
}  // namespace aisbf::mcp

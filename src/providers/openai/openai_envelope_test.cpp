// The envelope the passthrough reads from a chat request without a DOM.
#include <gtest/gtest.h>

#include "providers/openai/openai_wire.hpp"

namespace aisbf::openai {
namespace {

ChatEnvelope scan(std::string_view body) {
  auto env = scan_chat_request(body);
  EXPECT_TRUE(env) << body;
  return env ? *env : ChatEnvelope{};
}

TEST(OpenAiEnvelope, ToolsOnlyWhenATopLevelArrayHoldsSomething) {
  constexpr std::string_view kTool = R"({"type":"function","function":{"name":"f"}})";
  EXPECT_TRUE(scan(std::string(R"({"model":"m","messages":[],"tools":[)") + std::string(kTool) + "]}").has_tools);
  EXPECT_TRUE(scan(std::string(R"({"tools": [ )") + std::string(kTool) + R"( ],"model":"m","messages":[]})").has_tools);
  EXPECT_FALSE(scan(R"({"model":"m","messages":[],"tools":[]})").has_tools);
  EXPECT_FALSE(scan(R"({"model":"m","messages":[],"tools":[ ]})").has_tools);
  EXPECT_FALSE(scan(R"({"model":"m","messages":[],"tools":null})").has_tools);
  // A `tools` key below the top level (a message, a schema) is not the request's tools.
  EXPECT_FALSE(scan(R"({"model":"m","messages":[{"role":"user","content":"x","tools":[1]}]})").has_tools);
  EXPECT_FALSE(scan(R"({"model":"m","messages":[{"role":"user","content":"\"tools\": [1]"}]})").has_tools);
}

TEST(OpenAiEnvelope, ReadsModelStreamAndIncludeUsage) {
  auto env = scan(R"({"model":"p/m","messages":[],"stream":true,"stream_options":{"include_usage":true}})");
  EXPECT_EQ(env.model, "p/m");
  EXPECT_TRUE(env.stream);
  EXPECT_TRUE(env.include_usage);
  EXPECT_FALSE(scan(R"({"model":"m","messages":[],"stream":false,"stream_options":{"include_usage":true}})")
                   .include_usage);
}

}  // namespace
}  // namespace aisbf::openai

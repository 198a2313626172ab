// count_plain_prompt (the scanner's count of a plain OpenAI chat body) is
// the codec's: decode, then count_prompt, in both encodings; anything not
// plain is left to the codec.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline/ingress.hpp"
#include "pipeline/prompt_tokens.hpp"

namespace aisbf {
namespace {

std::int64_t decoded_count(context::Encoding encoding, const std::string& body) {
  auto decoded = ingress_codec(IngressFormat::openai_chat).decode_request(body);
  EXPECT_TRUE(decoded.has_value()) << body;
  return decoded ? count_prompt(encoding, &*decoded, body) : -1;
}

TEST(PlainChatCount, EqualsTheDecodedCount) {
  const std::vector<std::string> bodies = {
      R"({"model":"m","messages":[{"role":"user","content":"Hello from the aisbf benchmark"}]})",
      R"({"model":"m","stream":true,"max_tokens":5,"messages":[{"role":"system","content":"Be brief."},)"
      R"({"role":"user","name":"alice","content":"Hi"},{"role":"assistant","content":""},)"
      R"({"role":"developer","content":"x"},{"content":"role last","role":"user"}]})",
      // Escapes, non-ASCII as UTF-8 and as a BMP escape, whitespace around everything.
      "{ \"messages\" : [ { \"role\" : \"user\" , \"content\" : \"a\\\"b\\\\c\\n\\t\\u00e9 東京 👩‍👩‍👧 1234567\" } "
      "] ,"
      " \"model\" : \"m\" }",
      R"({"model":"m","messages":[{"role":"user","content":"{\"nested\": [1, {\"a\": \"]\"}]}"}],"temperature":0.2})",
      R"({"model":"m","messages":[{"role":"user","content":"  leading and trailing spaces   \r\n"}]})",
  };
  for (const auto encoding : {context::Encoding::cl100k_base, context::Encoding::o200k_base}) {
    for (const auto& body : bodies) {
      const auto plain = count_plain_prompt(encoding, body);
      ASSERT_TRUE(plain.has_value()) << body;
      EXPECT_EQ(*plain, decoded_count(encoding, body)) << body;
    }
  }
}

TEST(PlainChatCount, AnythingElseIsLeftToTheCodec) {
  const std::vector<std::string> bodies = {
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"parts"}]}]})",
      R"({"model":"m","messages":[{"role":"tool","tool_call_id":"c","content":"r"}]})",
      R"({"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[]}]})",
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[]})",
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"functions":[]})",
      R"({"model":"m","messages":[{"role":"user","content":"x","content":"y"}]})",
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"messages":[]})",
      R"({"model":"m","messages":[{"role":"user"}]})",
      R"({"model":"m","messages":[{"role":"user","content":"\ud83d\ude00"}]})",
      R"({"model":"m","messages":[{"role":"user","content":"\udc00 lone"}]})",
      R"({"model":"m","mess\u0061ges":[{"role":"user","content":"x"}]})",
      R"({"model":"m","messages":[{"role":"user","cont\u0065nt":"x"}]})",
      R"({"model":"m","messages":[]})",
      R"({"model":"m","messages":{}})",
      R"({"model":"m","messages":["x"]})",
      R"({"model":"m","messages":[{"role":"user","content":"x"}])",
      R"({"model":"m"})",
      "",
  };
  for (const auto& body : bodies) EXPECT_FALSE(count_plain_prompt(context::Encoding::cl100k_base, body)) << body;
}

}  // namespace
}  // namespace aisbf

// count_plain_prompt (the scanner's count of a plain OpenAI chat or
// Responses body) is the codec's: decode, then count_prompt, in both
// encodings; anything not plain is left to the codec.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline/ingress.hpp"
#include "pipeline/prompt_tokens.hpp"

namespace aisbf {
namespace {

std::int64_t decoded_count(context::Encoding encoding, const std::string& body,
                           IngressFormat format = IngressFormat::openai_chat) {
  auto decoded = ingress_codec(format).decode_request(body);
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
      const auto plain = count_plain_prompt(encoding, IngressFormat::openai_chat, body);
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
  for (const auto& body : bodies)
    EXPECT_FALSE(count_plain_prompt(context::Encoding::cl100k_base, IngressFormat::openai_chat, body)) << body;
}

TEST(PlainResponsesCount, EqualsTheDecodedCount) {
  const std::vector<std::string> bodies = {
      R"({"model":"m","input":"Hello from the aisbf benchmark"})",
      R"({"model":"m","input":[{"role":"user","content":"hello world"}]})",
      R"({"model":"m","instructions":"Be brief.","store":false,"stream":true,"input":"Hi"})",
      R"({"model":"m","instructions":"","input":"no instructions message"})",
      R"({"model":"m","instructions":null,"input":"null instructions"})",
      // Parts, typed items, ids and statuses; assistant items in a row are one message.
      R"({"model":"m","input":[{"type":"message","role":"developer","content":[{"type":"input_text","text":"a"},)"
      R"({"type":"input_text","text":"b c"}]},{"role":"user","content":"q"},)"
      R"({"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text",)"
      R"("text":"first","annotations":[],"logprobs":[]}]},{"role":"assistant","content":"second"},)"
      R"({"role":"user","content":[]},{"role":"system","content":"s"},{"role":"assistant","content":"third"}]})",
      // Escapes, non-ASCII as UTF-8 and as a BMP escape, whitespace around everything.
      "{ \"input\" : [ { \"content\" : \"a\\\"b\\\\c\\n\\u00e9 東京 👩‍👩‍👧\" , \"role\" : \"user\" } ] , \"model\" "
      ": \"m\" }",
  };
  for (const auto encoding : {context::Encoding::cl100k_base, context::Encoding::o200k_base}) {
    for (const auto& body : bodies) {
      const auto plain = count_plain_prompt(encoding, IngressFormat::openai_responses, body);
      ASSERT_TRUE(plain.has_value()) << body;
      EXPECT_EQ(*plain, decoded_count(encoding, body, IngressFormat::openai_responses)) << body;
    }
  }
}

TEST(PlainResponsesCount, AnythingElseIsLeftToTheCodec) {
  const std::vector<std::string> bodies = {
      R"({"model":"m","input":"x","tools":[]})",
      R"({"model":"m","input":"x","input":"y"})",
      R"({"model":"m","instructions":"a","input":"x","instructions":"b"})",
      R"({"model":"m","instructions":["a"],"input":"x"})",
      R"({"model":"m","inp\u0075t":"x"})",
      R"({"model":"m","input":[]})",
      R"({"model":"m","input":{}})",
      R"({"model":"m","input":null})",
      R"({"model":"m","input":["x"]})",
      R"({"model":"m","input":[{"role":"tool","content":"x"}]})",
      R"({"model":"m","input":[{"type":"reasoning","role":"assistant","content":"x"}]})",
      R"({"model":"m","input":[{"type":"function_call_output","call_id":"c","output":"x"}]})",
      R"({"model":"m","input":[{"type":"function_call","call_id":"c","name":"f","arguments":"{}"}]})",
      R"({"model":"m","input":[{"role":"user","content":[{"type":"input_image","image_url":"data:,"}]}]})",
      R"({"model":"m","input":[{"role":"user","content":[{"type":"input_text","text":"a","text":"b"}]}]})",
      R"({"model":"m","input":[{"role":"user","content":[{"type":"refusal","refusal":"no"}]}]})",
      R"({"model":"m","input":[{"role":"user","content":"x","name":"n"}]})",
      R"({"model":"m","input":[{"role":"user"}]})",
      R"({"model":"m","input":"\ud83d\ude00"})",
      R"({"model":"m","input":"x")",
      R"({"model":"m"})",
      "",
  };
  for (const auto& body : bodies)
    EXPECT_FALSE(count_plain_prompt(context::Encoding::cl100k_base, IngressFormat::openai_responses, body)) << body;
  // Other formats are never read as plain.
  EXPECT_FALSE(count_plain_prompt(context::Encoding::cl100k_base, IngressFormat::anthropic_messages,
                                  R"({"model":"m","messages":[{"role":"user","content":"x"}]})"));
}

}  // namespace
}  // namespace aisbf

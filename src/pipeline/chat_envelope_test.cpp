// The envelope scan of a Responses body (what passthrough and the stored
// responses read without decoding it) and with_model, which rewrites only the model's bytes.
#include "pipeline/chat_envelope.hpp"

#include <gtest/gtest.h>

namespace aisbf {
namespace {

TEST(ResponsesEnvelope, ReadsModelStreamToolsAndRoom) {
  const std::string body =
      R"({"model":"resp/o4-mini","input":[{"role":"user","content":"hi"}],"stream":true,)"
      R"("tools":[{"type":"web_search"}],"max_output_tokens":300,"store":false})";
  auto env = scan_chat_envelope(body, IngressFormat::openai_responses);
  ASSERT_TRUE(env) << env.error().message;
  EXPECT_EQ(env->model, "resp/o4-mini");
  EXPECT_TRUE(env->stream);
  EXPECT_TRUE(env->include_usage);  // response.completed always carries usage
  EXPECT_TRUE(env->has_tools);
  EXPECT_EQ(env->max_tokens, 300);
  EXPECT_TRUE(env->has_room);
  EXPECT_FALSE(env->foreign_reasoning);
  EXPECT_EQ(with_model(body, *env, "o4-mini"),
            R"({"model":"o4-mini","input":[{"role":"user","content":"hi"}],"stream":true,)"
            R"("tools":[{"type":"web_search"}],"max_output_tokens":300,"store":false})");

  auto plain = scan_chat_envelope(R"({"model":"m","input":"x","tools":[]})", IngressFormat::openai_responses);
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->stream);
  EXPECT_FALSE(plain->include_usage);
  EXPECT_FALSE(plain->has_tools);
  EXPECT_FALSE(plain->max_tokens);
  EXPECT_FALSE(plain->has_room);
}

// Another provider's signature, as aisbf hands it to a Responses client,
// must not reach OpenAI: the scan flags it and the body is translated.
TEST(ResponsesEnvelope, FlagsAnotherProvidersSignature) {
  auto env = scan_chat_envelope(
      R"({"model":"m","input":[{"type":"reasoning","summary":[],"encrypted_content":"aisbf-signature:anthropic:c2ln"}]})",
      IngressFormat::openai_responses);
  ASSERT_TRUE(env);
  EXPECT_TRUE(env->foreign_reasoning);
  auto own = scan_chat_envelope(
      R"({"model":"m","input":[{"type":"reasoning","summary":[],"encrypted_content":"gAAAAB"}],"x":"aisbf-signature"})",
      IngressFormat::openai_responses);
  ASSERT_TRUE(own);
  EXPECT_FALSE(own->foreign_reasoning);
}

// The stored state is read in the same pass: store:false, and a string
// previous_response_id (decoded; null is none); escaped keys are decoded.
TEST(ResponsesEnvelope, ReadsTheStoredState) {
  auto env = scan_chat_envelope(R"({"model":"m","input":"x"})", IngressFormat::openai_responses);
  ASSERT_TRUE(env);
  EXPECT_TRUE(env->store);
  EXPECT_FALSE(env->previous_response_id);
  env = scan_chat_envelope(R"({"model":"m","previous_response_id":"resp_\u0031","store":false,"input":"x"})",
                           IngressFormat::openai_responses);
  ASSERT_TRUE(env);
  EXPECT_EQ(env->previous_response_id, "resp_1");
  EXPECT_FALSE(env->store);
  env =
      scan_chat_envelope(R"({"model":"m","store":true,"previous_response_id":null})", IngressFormat::openai_responses);
  ASSERT_TRUE(env);
  EXPECT_TRUE(env->store);
  EXPECT_FALSE(env->previous_response_id);
  env = scan_chat_envelope(R"({"model":"m","st\u006fre":false,"previous\u005fresponse_id":"r"})",
                           IngressFormat::openai_responses);
  ASSERT_TRUE(env);
  EXPECT_FALSE(env->store);
  EXPECT_EQ(env->previous_response_id, "r");
  env = scan_chat_envelope(R"({"model":"m","metadata":{"store":false,"previous_response_id":"r"}})",
                           IngressFormat::openai_responses);
  ASSERT_TRUE(env);  // nested members are not the request's
  EXPECT_TRUE(env->store);
  EXPECT_FALSE(env->previous_response_id);
  // A body that is no valid object is refused before anything is looked up.
  EXPECT_FALSE(scan_chat_envelope(R"({"model":"m","previous_response_id":"resp_1","input":[1,}})",
                                  IngressFormat::openai_responses));
}

TEST(ResponsesEnvelope, ErrorsNameTheField) {
  struct Case {
    const char* body;
    const char* param;
    const char* code;
  };
  for (const Case& c : {Case{R"({"input":"x"})", "model", "missing_field"},
                        Case{R"({"model":null,"input":"x"})", "model", "missing_field"},
                        Case{R"({"model":3,"input":"x"})", "model", "invalid_type"},
                        Case{R"({"model":"","input":"x"})", "model", "invalid_value"},
                        Case{R"({"model":"m",)", "", "invalid_json"}}) {
    auto env = scan_chat_envelope(c.body, IngressFormat::openai_responses);
    ASSERT_FALSE(env) << c.body;
    EXPECT_EQ(env.error().status, 400) << c.body;
    EXPECT_EQ(env.error().param, c.param) << c.body;
    EXPECT_EQ(env.error().code, c.code) << c.body;
  }
}

}  // namespace
}  // namespace aisbf

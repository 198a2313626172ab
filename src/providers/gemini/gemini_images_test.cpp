#include "providers/gemini/gemini_images.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace aisbf::gemini {
namespace {

namespace json = boost::json;

TEST(GeminiImages, AspectRatiosGeminiTakes) {
  EXPECT_EQ(image_aspect_ratio("1024x1024"), "1:1");
  EXPECT_EQ(image_aspect_ratio("1536x1024"), "3:2");
  EXPECT_EQ(image_aspect_ratio("1024x1536"), "2:3");
  EXPECT_EQ(image_aspect_ratio("1920x1080"), "16:9");
  EXPECT_EQ(image_aspect_ratio("1792x1024"), std::nullopt);  // 7:4
  EXPECT_EQ(image_aspect_ratio("auto"), std::nullopt);
  EXPECT_EQ(image_aspect_ratio(""), std::nullopt);
  EXPECT_EQ(image_aspect_ratio("0x10"), std::nullopt);
  EXPECT_EQ(image_aspect_ratio("10x"), std::nullopt);
}

TEST(GeminiImages, RequestAsksForTheImageModality) {
  const json::value body = json::parse(encode_image_generation("a \"fox\"", "1024x1024"));
  EXPECT_EQ(body, json::parse(R"({"contents":[{"role":"user","parts":[{"text":"a \"fox\""}]}],
    "generationConfig":{"responseModalities":["TEXT","IMAGE"],"imageConfig":{"aspectRatio":"1:1"}}})"));
  const json::value plain = json::parse(encode_image_generation("x", "auto"));
  EXPECT_FALSE(plain.at("generationConfig").as_object().contains("imageConfig"));
}

TEST(GeminiImages, DecodesInlineDataAndUsage) {
  auto r = decode_image_generation(R"({"candidates":[{"content":{"parts":[{"text":"Here"},
    {"inlineData":{"mimeType":"image/png","data":"iVBOR"}},{"inline_data":{"mime_type":"image/jpeg","data":"/9j/"}}],
    "role":"model"},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":17,"candidatesTokenCount":1290}})");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->images.size(), 2u);
  EXPECT_EQ(r->images[0].mime_type, "image/png");
  EXPECT_EQ(r->images[0].b64, "iVBOR");
  EXPECT_EQ(r->images[1].mime_type, "image/jpeg");
  EXPECT_EQ(r->prompt_tokens, 17);
  EXPECT_EQ(r->output_tokens, 1290);
}

TEST(GeminiImages, NoImageIsAnErrorNamingTheReason) {
  auto blocked = decode_image_generation(R"({"promptFeedback":{"blockReason":"SAFETY"}})");
  ASSERT_FALSE(blocked);
  EXPECT_NE(blocked.error().message.find("SAFETY"), std::string::npos);
  auto text =
      decode_image_generation(R"({"candidates":[{"content":{"parts":[{"text":"no"}]},"finishReason":"STOP"}]})");
  ASSERT_FALSE(text);
  EXPECT_NE(text.error().message.find("STOP"), std::string::npos);
  EXPECT_FALSE(decode_image_generation("not json"));
  EXPECT_FALSE(decode_image_generation(R"({"candidates":[1,{"content":7}]})"));
}

}  // namespace
}  // namespace aisbf::gemini

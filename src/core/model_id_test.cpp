#include "core/model_id.hpp"

#include <gtest/gtest.h>

#include <string>

namespace aisbf {
namespace {

using namespace std::string_view_literals;

void expect_id(std::string_view text, ModelIdKind kind, std::string_view id, std::string_view model) {
  const auto parsed = parse_model_id(text);
  ASSERT_TRUE(parsed.has_value()) << text;
  EXPECT_EQ(parsed->kind, kind) << text;
  EXPECT_EQ(parsed->id, id) << text;
  EXPECT_EQ(parsed->model, model) << text;
}

TEST(ModelId, ProviderModel) {
  expect_id("openai/gpt-4o", ModelIdKind::provider, "openai", "gpt-4o");
  expect_id("p/m/x", ModelIdKind::provider, "p", "m/x");
  expect_id("openrouter/meta-llama/llama-3-8b", ModelIdKind::provider, "openrouter", "meta-llama/llama-3-8b");
  expect_id("ollama/llama3.1:8b-instruct-q4_K_M", ModelIdKind::provider, "ollama", "llama3.1:8b-instruct-q4_K_M");
  expect_id("rotations/x", ModelIdKind::provider, "rotations", "x");  // only the exact prefixes are kinds
  expect_id("Rotation/x", ModelIdKind::provider, "Rotation", "x");
}

TEST(ModelId, RotationAndAutoselect) {
  expect_id("rotation/r", ModelIdKind::rotation, "r", "");
  expect_id("autoselect/a", ModelIdKind::autoselect, "a", "");
  expect_id("rotation/coding-fast", ModelIdKind::rotation, "coding-fast", "");
  expect_id("rotation/team/r", ModelIdKind::rotation, "team/r", "");
}

TEST(ModelId, UserNamespace) {
  expect_id("user-provider/mine/gpt-4o", ModelIdKind::user_provider, "mine", "gpt-4o");
  expect_id("user-provider/mine/org/model", ModelIdKind::user_provider, "mine", "org/model");
  expect_id("user-rotation/r", ModelIdKind::user_rotation, "r", "");
  expect_id("user-autoselect/a", ModelIdKind::user_autoselect, "a", "");
  expect_id("user-providers/x", ModelIdKind::provider, "user-providers", "x");
  for (std::string_view text : {"user-provider/"sv, "user-provider/p"sv, "user-provider/p/"sv, "user-provider//m"sv,
                                "user-rotation/"sv, "user-autoselect/"sv}) {
    EXPECT_FALSE(parse_model_id(text).has_value()) << text;
  }
}

TEST(ModelId, ViewsPointIntoTheText) {
  const std::string text = "openai/gpt-4o";
  const auto parsed = parse_model_id(text);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->id.data(), text.data());
  EXPECT_EQ(parsed->model.data(), text.data() + 7);
}

TEST(ModelId, Rejected) {
  for (std::string_view text : {""sv, "gpt-4o"sv, "/"sv, "/gpt-4o"sv, "openai/"sv, "openai//gpt"sv, "openai/gpt/"sv,
                                "rotation/"sv, "autoselect/"sv, "rotation//r"sv, "rotation"sv, "autoselect"sv}) {
    EXPECT_FALSE(parse_model_id(text).has_value()) << text;
  }
}

TEST(ModelId, PercentDecode) {
  bool ok = false;
  EXPECT_EQ(percent_decode("mock%2Fmodel", &ok), "mock/model");
  EXPECT_TRUE(ok);
  EXPECT_EQ(percent_decode("mock%2fmodel", &ok), "mock/model");
  EXPECT_TRUE(ok);
  EXPECT_EQ(percent_decode("plain", &ok), "plain");
  EXPECT_TRUE(ok);
  EXPECT_EQ(percent_decode("", &ok), "");
  EXPECT_TRUE(ok);
  EXPECT_EQ(percent_decode("a+b%20c", &ok), "a+b c");  // '+' is not a space in a path
  EXPECT_TRUE(ok);
  EXPECT_EQ(percent_decode("caf%C3%A9", &ok), "caf\xC3\xA9");
  EXPECT_TRUE(ok);
  EXPECT_EQ(percent_decode("%25%32%46", &ok), "%2F");  // decoded once only
  EXPECT_TRUE(ok);
  EXPECT_EQ(percent_decode("a%00b", &ok), std::string("a\0b", 3));
  EXPECT_TRUE(ok);
  for (std::string_view bad : {"%"sv, "%2"sv, "a%"sv, "%zz"sv, "%2G"sv, "%G2"sv, "100%"sv}) {
    ok = true;
    EXPECT_EQ(percent_decode(bad, &ok), bad) << bad;  // invalid escapes are kept as written
    EXPECT_FALSE(ok) << bad;
  }
  EXPECT_EQ(percent_decode("%2Fok%zz%41", &ok), "/ok%zzA");
  EXPECT_FALSE(ok);
  EXPECT_EQ(percent_decode("no-ok-pointer%2"), "no-ok-pointer%2");
}

TEST(ModelId, UpstreamModelNames) {
  for (std::string_view good : {"gpt-4o"sv, "meta-llama/llama-3-8b"sv, "llama3.1:8b"sv, "models/gemini-2.5-pro"sv,
                                "caf\xC3\xA9"sv, "\xE6\xA8\xA1\xE5\x9E\x8B"sv, "a"sv}) {
    EXPECT_TRUE(is_valid_upstream_model_name(good)) << good;
  }
  EXPECT_TRUE(is_valid_upstream_model_name(std::string(256, 'm')));
  EXPECT_FALSE(is_valid_upstream_model_name(std::string(257, 'm')));
  for (std::string_view bad : {""sv, "gpt 4o"sv, "gpt-4o\n"sv, "\tgpt"sv, "a\rb"sv, "a\0b"sv, "a\x7F"sv,
                               "a\xC2\x85"sv,      // NEL (C1 control)
                               "a\xC2\xA0"sv,      // no-break space
                               "a\xE3\x80\x80"sv,  // ideographic space
                               "a\xE2\x80\xA8"sv,  // line separator
                               "a\xEF\xBB\xBF"sv,  // BOM / zero-width no-break space
                               "a\xFF"sv, "a\xC3"sv, "\xED\xA0\x80"sv}) {
    EXPECT_FALSE(is_valid_upstream_model_name(bad)) << bad;
  }
}

}  // namespace
}  // namespace aisbf

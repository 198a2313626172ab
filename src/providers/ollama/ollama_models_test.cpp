// Ollama model list: the documented `/api/tags` sample (PROTOCOLS.md §4.3,
// docs/api.md "List Local Models"), from tests/fixtures/ollama/models_tags.json.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "providers/ollama/ollama_adapter.hpp"

#ifndef AISBF_SOURCE_DIR
#define AISBF_SOURCE_DIR "."
#endif

namespace aisbf::ollama {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(AISBF_SOURCE_DIR) + "/tests/fixtures/ollama/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(OllamaModels, PathFollowsTheChatPathRule) {
  UpstreamTarget t;
  for (const char* endpoint : {"http://localhost:11434", "http://h:11434/", "https://proxy/ollama"}) {
    t.endpoint = endpoint;
    EXPECT_EQ(OllamaAdapter{}.models_path(t), "/api/tags") << endpoint;
  }
  for (const char* endpoint : {"http://h:11434/api", "http://h/api/", "https://proxy/ollama/api"}) {
    t.endpoint = endpoint;
    EXPECT_EQ(OllamaAdapter{}.models_path(t), "/tags") << endpoint;
  }
}

TEST(OllamaModels, DecodesTheDocumentedList) {
  auto r = OllamaAdapter{}.decode_models(fixture("models_tags.json"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].id, "llama3.2:latest");
  EXPECT_EQ((*r)[1].id, "nomic-embed-text:latest");
  for (const auto& m : *r) {  // /api/tags says nothing about limits or capabilities
    EXPECT_EQ(m.display_name, "");
    EXPECT_FALSE(m.context_size);
    EXPECT_FALSE(m.max_output_tokens);
    EXPECT_TRUE(m.capabilities.empty());
  }
}

TEST(OllamaModels, EmptyListsAndOddEntries) {
  for (const char* body : {R"({"models":[]})", R"({"models":null})"}) {
    auto r = OllamaAdapter{}.decode_models(body);
    ASSERT_TRUE(r) << body;
    EXPECT_TRUE(r->empty()) << body;
  }
  auto r = OllamaAdapter{}.decode_models(R"({"models":[{"model":"only-model:7b"},{"name":""},{"size":1},"x"]})");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].id, "only-model:7b");
}

TEST(OllamaModels, MalformedBodiesAreProtocolErrors) {
  for (const char* body : {"", "Ollama is running", "[]", "{}", R"({"models":{}})", R"({"models":[)",
                           R"({"error":"unauthorized"})"}) {
    auto r = OllamaAdapter{}.decode_models(body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().kind, ErrorKind::upstream_protocol) << body;
  }
}

}  // namespace
}  // namespace aisbf::ollama

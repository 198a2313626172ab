// Ollama NDJSON stream decoding against recorded samples in
// tests/fixtures/ollama/codec_stream_*: fed line by line, and framed by the
// pipeline's NDJSON splitter from every split of the bytes.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "http/ndjson_splitter.hpp"
#include "providers/ollama/ollama_adapter.hpp"
#include "providers/ollama/ollama_test_util.hpp"

namespace aisbf::ollama {
namespace {

namespace json = boost::json;
using namespace ollama_test;

// A stream's events as text, to compare runs.
std::string describe(const StreamRun& run) {
  std::string out;
  for (const auto& event : run.events) {
    if (const auto* e = std::get_if<StreamStart>(&event))
      out += "start " + e->id + " " + e->model + " " + std::to_string(e->created);
    else if (const auto* e = std::get_if<TextDelta>(&event))
      out += "text " + e->text;
    else if (const auto* e = std::get_if<ReasoningDelta>(&event))
      out += "reasoning " + e->text;
    else if (const auto* e = std::get_if<ToolCallDelta>(&event))
      out += "call " + std::to_string(e->index) + " " + e->id + " " + e->name + " " + e->arguments;
    else if (const auto* e = std::get_if<FinishEvent>(&event))
      out += "finish " + std::to_string(static_cast<int>(e->reason));
    else if (const auto* e = std::get_if<UsageEvent>(&event))
      out += "usage " + std::to_string(e->usage.prompt_tokens) + " " + std::to_string(e->usage.completion_tokens);
    out += "\n";
  }
  if (run.error) out += "error " + run.error->message + "\n";
  return out;
}

// The bytes in `pieces`, framed as the pipeline does, then decoded.
StreamRun run_framed(const std::vector<std::string_view>& pieces) {
  ndjson::Splitter splitter(1 << 20);
  std::vector<std::string> framed;
  for (auto piece : pieces) {
    splitter.feed(piece);
    for (std::string_view line; splitter.next(line) == ndjson::Status::line;) framed.emplace_back(line);
  }
  if (auto tail = splitter.finish(); !tail.empty()) framed.emplace_back(tail);
  return run_stream(framed);
}

const char* const kStreams[] = {"codec_stream_text.ndjson",     "codec_stream_tool_call.ndjson",
                                "codec_stream_thinking.ndjson", "codec_stream_error.ndjson",
                                "codec_stream_legacy.ndjson",   "codec_stream_no_done.ndjson"};

// Bytes split anywhere (inside a line, inside a UTF-8 character) give the same events.
TEST(OllamaStream, EverySplitOfTheBytesGivesTheSameEvents) {
  for (const char* name : kStreams) {
    std::string bytes = fixture(name);
    std::string expected = describe(run_stream(lines(bytes)));
    ASSERT_NE(expected.find("start "), std::string::npos) << name;
    std::string_view all(bytes);
    for (std::size_t cut = 0; cut <= all.size(); ++cut)
      ASSERT_EQ(describe(run_framed({all.substr(0, cut), all.substr(cut)})), expected) << name << " cut " << cut;
    std::vector<std::string_view> single_bytes;
    for (std::size_t i = 0; i < all.size(); ++i) single_bytes.push_back(all.substr(i, 1));
    EXPECT_EQ(describe(run_framed(single_bytes)), expected) << name << " byte by byte";
    // A last line without its '\n' at EOF is still a line.
    if (!bytes.empty() && bytes.back() == '\n') {
      EXPECT_EQ(describe(run_framed({all.substr(0, all.size() - 1)})), expected) << name << " no final newline";
    }
  }
}

TEST(OllamaStream, DecodesText) {
  auto run = run_stream(lines(fixture("codec_stream_text.ndjson")));
  ASSERT_FALSE(run.error) << run.error->message;
  ASSERT_EQ(run.events.size(), 6u);
  const auto& start = std::get<StreamStart>(run.events[0]);
  EXPECT_EQ(start.id, "chatcmpl-ollama-2025070720221918");
  EXPECT_EQ(start.model, "llama3.2");
  EXPECT_EQ(start.created, 1751919739);
  EXPECT_EQ(std::get<TextDelta>(run.events[1]).text, "The");
  EXPECT_EQ(std::get<TextDelta>(run.events[2]).text, " sky");
  EXPECT_EQ(std::get<TextDelta>(run.events[3]).text, " — bleu ☀️");
  EXPECT_EQ(std::get<FinishEvent>(run.events[4]).reason, FinishReason::stop);
  const auto& usage = std::get<UsageEvent>(run.events[5]).usage;
  EXPECT_EQ(usage.prompt_tokens, 26);
  EXPECT_EQ(usage.completion_tokens, 282);
  EXPECT_EQ(usage.total_tokens, 308);
}

TEST(OllamaStream, DecodesWholeToolCalls) {
  auto run = run_stream(lines(fixture("codec_stream_tool_call.ndjson")));
  ASSERT_FALSE(run.error) << run.error->message;
  EXPECT_EQ(only<TextDelta>(run.events).at(0).text, "Let me check.");
  auto deltas = only<ToolCallDelta>(run.events);
  ASSERT_EQ(deltas.size(), 2u);
  EXPECT_EQ(deltas[0].index, 0);
  EXPECT_EQ(deltas[0].id, "call_k3x9a2m1");
  EXPECT_EQ(deltas[0].name, "get_weather");
  EXPECT_EQ(json::parse(deltas[0].arguments), json::parse(R"({"city":"Tokyo"})"));
  EXPECT_EQ(deltas[1].index, 1);
  EXPECT_EQ(deltas[1].id, "call_202510101200003_1");  // no upstream id: from created_at and the call's index
  EXPECT_EQ(deltas[1].name, "get_time");
  EXPECT_EQ(json::parse(deltas[1].arguments), json::parse(R"({"zone":"Asia/Tokyo","h24":true})"));
  EXPECT_EQ(only<FinishEvent>(run.events).at(0).reason, FinishReason::tool_calls);
  EXPECT_EQ(only<UsageEvent>(run.events).at(0).usage.prompt_tokens, 122);
}

TEST(OllamaStream, DecodesThinking) {
  auto run = run_stream(lines(fixture("codec_stream_thinking.ndjson")));
  ASSERT_FALSE(run.error) << run.error->message;
  auto reasoning = only<ReasoningDelta>(run.events);
  ASSERT_EQ(reasoning.size(), 2u);
  EXPECT_EQ(reasoning[0].text + reasoning[1].text, "17 × 23 = 391.");
  EXPECT_TRUE(std::holds_alternative<ReasoningDelta>(run.events[1]));
  EXPECT_EQ(only<TextDelta>(run.events).at(0).text, "391");
  EXPECT_EQ(only<FinishEvent>(run.events).at(0).reason, FinishReason::length);
  const Usage usage = only<UsageEvent>(run.events).at(0).usage;
  EXPECT_EQ(usage.prompt_tokens, 0);
  EXPECT_EQ(usage.completion_tokens, 12);
}

TEST(OllamaStream, ErrorLine) {
  auto run = run_stream(lines(fixture("codec_stream_error.ndjson")));
  ASSERT_TRUE(run.error);
  EXPECT_EQ(run.error->kind, ErrorKind::upstream_status);
  EXPECT_EQ(run.error->message, "an error was encountered while running the model");
  EXPECT_EQ(only<TextDelta>(run.events).size(), 2u);
  // After the error the decoder stays quiet, and on_end adds nothing.
  auto decoder = OllamaAdapter{}.make_stream_decoder();
  EXPECT_FALSE(decoder->on_event("", R"({"error":"boom"})"));
  EXPECT_TRUE(decoder->on_event("", R"({"message":{"content":"x"}})")->empty());
  EXPECT_TRUE(decoder->on_end());
  auto garbage = run_stream({R"({"message":)"});
  ASSERT_TRUE(garbage.error);
  EXPECT_EQ(garbage.error->kind, ErrorKind::upstream_protocol);
}

TEST(OllamaStream, MissingDoneIsAnError) {
  auto run = run_stream(lines(fixture("codec_stream_no_done.ndjson")));
  ASSERT_TRUE(run.error);
  EXPECT_EQ(run.error->kind, ErrorKind::upstream_protocol);
  EXPECT_EQ(only<TextDelta>(run.events).at(0).text, "Hel");
  EXPECT_TRUE(run_stream({}).error);
}

TEST(OllamaStream, LegacyFinalLineAndBlankLines) {
  auto input = lines(fixture("codec_stream_legacy.ndjson"));
  input.insert(input.begin() + 1, {"", "  \r"});               // empty lines are skipped
  input[0] += "\r";                                            // a CRLF line end
  input.push_back(R"({"message":{"content":"after done"}})");  // ignored
  auto run = run_stream(input);
  ASSERT_FALSE(run.error) << run.error->message;
  ASSERT_EQ(run.events.size(), 4u);
  EXPECT_EQ(std::get<StreamStart>(run.events[0]).created, 1691164339);
  EXPECT_EQ(std::get<TextDelta>(run.events[1]).text, "The");
  EXPECT_EQ(std::get<FinishEvent>(run.events[2]).reason, FinishReason::stop);
  EXPECT_EQ(std::get<UsageEvent>(run.events[3]).usage.completion_tokens, 282);
}

TEST(OllamaStream, TruncatedLinesNeverThrow) {
  for (const char* name : {"codec_stream_text.ndjson", "codec_stream_tool_call.ndjson", "codec_stream_error.ndjson"}) {
    for (const auto& line : lines(fixture(name))) {
      for (std::size_t n = 0; n < line.size(); ++n) {
        auto decoder = OllamaAdapter{}.make_stream_decoder();
        EXPECT_NO_THROW((void)decoder->on_event("", line.substr(0, n)));
        EXPECT_NO_THROW((void)decoder->on_end());
      }
    }
  }
}

}  // namespace
}  // namespace aisbf::ollama

#include "http/sse_parser.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/json_scan.hpp"

namespace aisbf::sse {
namespace {

using namespace std::string_view_literals;

struct Block {
  std::string event, data, id;
  bool has_data = false;
  bool operator==(const Block&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Block& b) {
  return os << "{event=" << b.event << " data=" << b.data << " id=" << b.id << " has_data=" << b.has_data << "}";
}

struct Outcome {
  std::vector<Block> blocks;
  std::vector<std::string> raws;
  std::string raw;       // all raws concatenated
  bool too_large = false;
  bool partial = false;  // has_partial() at the end
  std::string rest;      // partial() at the end
};

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(AISBF_SOURCE_DIR) + "/tests/fixtures/openai/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void drain(Parser& parser, Outcome& run) {
  Event ev;
  for (;;) {
    const Status s = parser.next(ev);
    if (s == Status::event) {
      // Copy at once: the views last only until the next call.
      run.blocks.push_back({std::string(ev.event), std::string(ev.data), std::string(ev.id), ev.has_data});
      run.raws.emplace_back(ev.raw);
      run.raw += ev.raw;
      continue;
    }
    if (s == Status::too_large) run.too_large = true;
    return;
  }
}

// Feeds input cut at the given increasing offsets, draining after every piece.
Outcome feed(std::string_view input, const std::vector<std::size_t>& cuts, std::size_t max = 1 << 20) {
  Parser parser(max);
  Outcome run;
  std::size_t prev = 0;
  for (std::size_t cut : cuts) {
    parser.feed(input.substr(prev, cut - prev));
    drain(parser, run);
    prev = cut;
  }
  parser.feed(input.substr(prev));
  drain(parser, run);
  run.partial = parser.has_partial();
  run.rest = std::string(parser.partial());
  return run;
}

Outcome feed_whole(std::string_view input, std::size_t max = 1 << 20) { return feed(input, {}, max); }

// ---- recorded OpenAI streams -------------------------------------------------

struct FixtureCase {
  const char* file;
  std::size_t blocks;       // every block, keep-alives included
  std::size_t data_blocks;  // blocks with has_data
  bool ends_with_done;
};

std::ostream& operator<<(std::ostream& os, const FixtureCase& c) { return os << c.file; }

class SseFixture : public ::testing::TestWithParam<FixtureCase> {
 protected:
  void SetUp() override {
    input_ = read_fixture(GetParam().file);
    ASSERT_FALSE(input_.empty());
    whole_ = feed_whole(input_);
  }
  void expect_same(const Outcome& run, const std::string& how) {
    ASSERT_EQ(run.blocks, whole_.blocks) << how;
    EXPECT_EQ(run.raw, input_) << how;
    EXPECT_FALSE(run.partial) << how;
    EXPECT_FALSE(run.too_large) << how;
  }
  std::string input_;
  Outcome whole_;
};

TEST_P(SseFixture, WholeInputGivesTheRecordedBlocks) {
  const FixtureCase& c = GetParam();
  EXPECT_FALSE(whole_.too_large);
  EXPECT_FALSE(whole_.partial);
  EXPECT_EQ(whole_.rest, "");
  EXPECT_EQ(whole_.raw, input_);
  ASSERT_EQ(whole_.blocks.size(), c.blocks);
  std::size_t with_data = 0;
  for (const Block& b : whole_.blocks) {
    if (!b.has_data) continue;
    ++with_data;
    if (b.data == "[DONE]" || b.data.empty()) continue;
    EXPECT_FALSE(json_scan::validate(b.data).has_value()) << b.data;
  }
  EXPECT_EQ(with_data, c.data_blocks);
  EXPECT_EQ(whole_.blocks.back().data == "[DONE]", c.ends_with_done);
}

TEST_P(SseFixture, EveryTwoPieceSplitMatches) {
  for (std::size_t i = 1; i < input_.size(); ++i) expect_same(feed(input_, {i}), "split at " + std::to_string(i));
}

TEST_P(SseFixture, ByteByByteMatches) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < input_.size(); ++i) cuts.push_back(i);
  const Outcome run = feed(input_, cuts);
  expect_same(run, "byte by byte");
  // One byte at a time, no block can be cut differently from the whole run.
  EXPECT_EQ(run.raws, whole_.raws);
}

TEST_P(SseFixture, SeededRandomPiecesMatch) {
  for (unsigned seed = 1; seed <= 100; ++seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::size_t> piece(1, seed % 2 ? 16 : 300);
    std::vector<std::size_t> cuts;
    for (std::size_t at = piece(rng); at < input_.size(); at += piece(rng)) cuts.push_back(at);
    expect_same(feed(input_, cuts), "seed " + std::to_string(seed));
  }
}

INSTANTIATE_TEST_SUITE_P(OpenAi, SseFixture,
                         ::testing::Values(FixtureCase{"stream_text.sse", 12, 12, true},
                                           FixtureCase{"stream_text_crlf.sse", 12, 12, true},
                                           FixtureCase{"stream_text_cr.sse", 12, 12, true},
                                           FixtureCase{"stream_tool_calls.sse", 11, 11, true},
                                           FixtureCase{"stream_include_usage.sse", 9, 9, true},
                                           FixtureCase{"stream_keepalive.sse", 10, 5, true},
                                           FixtureCase{"stream_multiline_data.sse", 6, 5, true},
                                           FixtureCase{"stream_midstream_error.sse", 4, 4, false},
                                           FixtureCase{"stream_error_event.sse", 3, 3, false},
                                           FixtureCase{"stream_utf8.sse", 10, 10, true}),
                         [](const auto& info) {
                           std::string name = info.param.file;
                           name = name.substr(0, name.find('.'));
                           for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

// Content and tool-call arguments put together from the decoded data.
std::string joined_content(const Outcome& run) {
  std::string out;
  for (const Block& b : run.blocks) {
    if (!b.has_data || b.data == "[DONE]" || b.data.empty()) continue;
    const boost::json::value v = boost::json::parse(b.data);
    const auto* choices = v.as_object().if_contains("choices");
    if (!choices || !choices->is_array() || choices->as_array().empty()) continue;
    const auto* content = choices->as_array()[0].as_object().at("delta").as_object().if_contains("content");
    if (content && content->is_string()) out += content->as_string();
  }
  return out;
}

TEST(SseFixtureContent, TextVariantsDecodeAlike) {
  const Outcome lf = feed_whole(read_fixture("stream_text.sse"));
  EXPECT_EQ(joined_content(lf), "Hello! How can I help you today?");
  EXPECT_EQ(feed_whole(read_fixture("stream_text_crlf.sse")).blocks, lf.blocks);
  EXPECT_EQ(feed_whole(read_fixture("stream_text_cr.sse")).blocks, lf.blocks);
}

TEST(SseFixtureContent, Utf8TextSurvivesEverySplit) {
  const std::string input = read_fixture("stream_utf8.sse");
  const std::string expected = "Café Straße — 日本語 costs 5 € 😀🚀𝄞 done";
  EXPECT_EQ(joined_content(feed_whole(input)), expected);
  for (std::size_t i = 1; i < input.size(); ++i) EXPECT_EQ(joined_content(feed(input, {i})), expected);
}

TEST(SseFixtureContent, ToolCallArgumentsJoinToJson) {
  const Outcome run = feed_whole(read_fixture("stream_tool_calls.sse"));
  std::string args[2];
  for (const Block& b : run.blocks) {
    if (b.data == "[DONE]") continue;
    const boost::json::value v = boost::json::parse(b.data);
    const auto& delta = v.at("choices").at(0).at("delta").as_object();
    if (const auto* calls = delta.if_contains("tool_calls")) {
      for (const auto& call : calls->as_array()) {
        args[call.at("index").to_number<int>()] += call.at("function").at("arguments").as_string();
      }
    }
  }
  EXPECT_EQ(args[0], R"({"city": "Paris", "unit": "celsius"})");
  EXPECT_EQ(args[1], R"({"tz": "Europe/Paris"})");
}

TEST(SseFixtureContent, MultiLineDataAndFields) {
  const Outcome run = feed_whole(read_fixture("stream_multiline_data.sse"));
  ASSERT_EQ(run.blocks.size(), 6u);
  EXPECT_FALSE(run.blocks[0].has_data);  // retry only
  EXPECT_EQ(run.blocks[1].id, "1");
  EXPECT_NE(run.blocks[1].data.find("\n \"object\": \"chat.completion.chunk\",\n"), std::string::npos);
  EXPECT_EQ(run.blocks[2].id, "2");
  EXPECT_EQ(run.blocks[2].data.substr(0, 2), "{\n");
  EXPECT_EQ(run.blocks[3].event, "message");
  EXPECT_EQ(run.blocks[3].id, "3");
  EXPECT_TRUE(run.blocks[4].has_data);  // "data" without a colon: an empty data line
  EXPECT_EQ(run.blocks[4].data, "");
  EXPECT_EQ(joined_content(run), "Line one\nline two more");
}

TEST(SseFixtureContent, ErrorEvents) {
  const Outcome mid = feed_whole(read_fixture("stream_midstream_error.sse"));
  EXPECT_EQ(mid.blocks.back().data.rfind("{\"error\":{", 0), 0u);
  const Outcome ev = feed_whole(read_fixture("stream_error_event.sse"));
  EXPECT_EQ(ev.blocks.back().event, "error");
  EXPECT_EQ(ev.blocks.back().data.rfind("{\"error\":{", 0), 0u);
}

TEST(SseFixtureContent, KeepAlivesAreReturnedWithoutData) {
  const Outcome run = feed_whole(read_fixture("stream_keepalive.sse"));
  EXPECT_EQ(run.raws[0], ": OPENROUTER PROCESSING\n\n");
  EXPECT_FALSE(run.blocks[0].has_data);
  EXPECT_EQ(run.raws[5], ":\n\n");
  EXPECT_EQ(joined_content(run), "Hi there");
}

// ---- framing rules -------------------------------------------------------------

TEST(SseParser, FieldParsing) {
  const Outcome run = feed_whole(
      "data:a\n\n"              // no space after the colon
      "data:  two\n\n"          // only one space is dropped
      "event:x\ndata\n\n"       // a field without colon: empty value
      "event: a\nevent: b\ndata: 1\n\n"  // the last event field wins
      "id: 7\ndata: 1\ndata: 2\ndata:\n\n"  // joined with '\n', empty line kept
      "id: a\0b\ndata: x\n\n"    // an id with NUL is ignored
      "retry: 10\nfoo: bar\nDATA: no\n: comment\n\n"  // ignored fields, names are case-sensitive
      "data: a:b: c\n\n"sv);
  ASSERT_EQ(run.blocks.size(), 8u);
  EXPECT_EQ(run.blocks[0], (Block{"", "a", "", true}));
  EXPECT_EQ(run.blocks[1], (Block{"", " two", "", true}));
  EXPECT_EQ(run.blocks[2], (Block{"x", "", "", true}));
  EXPECT_EQ(run.blocks[3], (Block{"b", "1", "", true}));
  EXPECT_EQ(run.blocks[4], (Block{"", "1\n2\n", "7", true}));
  EXPECT_EQ(run.blocks[5], (Block{"", "x", "", true}));
  EXPECT_EQ(run.blocks[6], (Block{"", "", "", false}));
  EXPECT_EQ(run.blocks[7], (Block{"", "a:b: c", "", true}));
}

TEST(SseParser, MixedLineEndingsInOneStream) {
  const std::string input = "data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r: x\n\n";
  const Outcome whole = feed_whole(input);
  ASSERT_EQ(whole.blocks.size(), 3u);
  EXPECT_EQ(whole.blocks[0].data, "a\nb\nc");
  EXPECT_EQ(whole.blocks[1].data, "d");
  EXPECT_FALSE(whole.blocks[2].has_data);
  for (std::size_t i = 1; i < input.size(); ++i) {
    const Outcome run = feed(input, {i});
    EXPECT_EQ(run.blocks, whole.blocks) << i;
    EXPECT_EQ(run.raw, input) << i;
  }
}

TEST(SseParser, EmptyLinesAreEmptyBlocks) {
  const Outcome run = feed_whole("\n\r\n\rdata: x\n\n");
  ASSERT_EQ(run.blocks.size(), 4u);
  EXPECT_EQ(run.raws[0], "\n");
  EXPECT_EQ(run.raws[1], "\r\n");
  EXPECT_EQ(run.raws[2], "\r");
  EXPECT_FALSE(run.blocks[0].has_data);
  EXPECT_EQ(run.blocks[3].data, "x");
}

TEST(SseParser, SingleDataLineIsAViewIntoTheBlock) {
  Parser parser(1024);
  parser.feed("data: {\"a\":1}\n\n");
  Event ev;
  ASSERT_EQ(parser.next(ev), Status::event);
  EXPECT_GE(ev.data.data(), ev.raw.data());
  EXPECT_LE(ev.data.data() + ev.data.size(), ev.raw.data() + ev.raw.size());
  EXPECT_EQ(parser.next(ev), Status::need_more);
}

TEST(SseParser, CrAtPieceBoundaryFollowedByLf) {
  {  // inside a block
    const Outcome run = feed("data: a\r\n\r\n", {8});
    ASSERT_EQ(run.blocks.size(), 1u);
    EXPECT_EQ(run.blocks[0].data, "a");
    EXPECT_EQ(run.raws[0], "data: a\r\n\r\n");
    EXPECT_FALSE(run.partial);
  }
  {  // the blank line of a CRLF stream: the block waits for its '\n'
    Parser parser(1024);
    Event ev;
    parser.feed("data: a\r\n\r");
    EXPECT_EQ(parser.next(ev), Status::need_more);
    EXPECT_TRUE(parser.has_partial());
    parser.feed("\n");
    ASSERT_EQ(parser.next(ev), Status::event);
    EXPECT_EQ(ev.data, "a");
    EXPECT_EQ(ev.raw, "data: a\r\n\r\n");
    EXPECT_EQ(parser.next(ev), Status::need_more);
    EXPECT_FALSE(parser.has_partial());
  }
  {  // the blank line of a CR stream: dispatched at once; a '\n' after it is swallowed
    Parser parser(1024);
    Event ev;
    parser.feed("data: a\r\r");
    ASSERT_EQ(parser.next(ev), Status::event);
    EXPECT_EQ(ev.raw, "data: a\r\r");
    EXPECT_EQ(parser.next(ev), Status::need_more);
    parser.feed("\n");
    EXPECT_EQ(parser.next(ev), Status::need_more);
    EXPECT_FALSE(parser.has_partial());
    EXPECT_EQ(parser.partial(), "\n");
    parser.feed("data: b\n\n");
    ASSERT_EQ(parser.next(ev), Status::event);
    EXPECT_EQ(ev.data, "b");
    EXPECT_EQ(ev.raw, "\ndata: b\n\n");
    EXPECT_FALSE(ev.event.size());
  }
}

TEST(SseParser, CrStreamDispatchesWithoutWaitingForMoreBytes) {
  Parser parser(1024);
  Event ev;
  parser.feed("data: [DONE]\r\r");
  ASSERT_EQ(parser.next(ev), Status::event);
  EXPECT_EQ(ev.data, "[DONE]");
  EXPECT_FALSE(parser.has_partial());
}

TEST(SseParser, StreamCutBeforeTheBlankLine) {
  for (const char* tail : {"data: b", "data: b\n", "data: b\r\n", "data: b\r", ":", "\r"}) {
    const std::string input = std::string("data: a\n\n") + tail;
    const Outcome run = feed_whole(input);
    ASSERT_EQ(run.blocks.size(), tail == std::string_view("\r") ? 2u : 1u) << tail;
    if (tail == std::string_view("\r")) continue;  // a lone '\r' is a complete empty block
    EXPECT_TRUE(run.partial) << tail;
    EXPECT_EQ(run.rest, tail);
  }
  const Outcome crlf_cut = feed_whole("data: a\r\n\r");  // CRLF stream cut between '\r' and '\n'
  EXPECT_TRUE(crlf_cut.blocks.empty());
  EXPECT_TRUE(crlf_cut.partial);
  EXPECT_FALSE(feed_whole("").partial);
}

TEST(SseParser, ByteOrderMarkAtStartIsSkipped) {
  const std::string input = "\xEF\xBB\xBF" "data: a\n\ndata: b\n\n";
  for (std::size_t i = 0; i < input.size(); ++i) {
    const Outcome run = i ? feed(input, {i}) : feed_whole(input);
    ASSERT_EQ(run.blocks.size(), 2u) << i;
    EXPECT_EQ(run.blocks[0].data, "a");
    EXPECT_EQ(run.raw, input);
  }
  EXPECT_EQ(feed_whole("\xEF\xBB" "data: a\n\n").blocks.at(0).has_data, false);  // not a BOM: a field "\xEF\xBB" "data"
}

TEST(SseParser, TooLarge) {
  const std::string block = "data: " + std::string(100, 'x') + "\n\n";  // 108 bytes
  EXPECT_FALSE(feed_whole(block, 108).too_large);
  EXPECT_TRUE(feed_whole(block, 107).too_large);
  {  // detected before the block ends, and the parser stays done
    Parser parser(64);
    Event ev;
    parser.feed("data: ok\n\n");
    ASSERT_EQ(parser.next(ev), Status::event);
    parser.feed("data: " + std::string(70, 'y'));
    EXPECT_EQ(parser.next(ev), Status::too_large);
    parser.feed("\n\ndata: small\n\n");
    EXPECT_EQ(parser.next(ev), Status::too_large);
  }
  {  // many small blocks in one feed are fine
    std::string many;
    for (int i = 0; i < 100; ++i) many += "data: " + std::to_string(i) + "\n\n";
    const Outcome run = feed_whole(many, 16);
    EXPECT_FALSE(run.too_large);
    EXPECT_EQ(run.blocks.size(), 100u);
  }
  {  // split anywhere, an oversized block is reported and earlier blocks are kept
    const std::string input = "data: a\n\n" + block + "data: b\n\n";
    for (std::size_t i = 1; i < input.size(); ++i) {
      const Outcome run = feed(input, {i}, 64);
      EXPECT_TRUE(run.too_large) << i;
      ASSERT_EQ(run.blocks.size(), 1u) << i;
    }
  }
}

// Random streams over the SSE alphabet with every kind of line ending: where
// the input is cut never changes the blocks, and no byte is lost.
TEST(SseParser, RandomStreamsAreSplitInvariant) {
  const std::string_view alphabet[] = {"data", "event", "id", ":", " ", "x", "\r", "\n", "\r\n", "\xEF\xBB\xBF", "\0"sv};
  std::mt19937 rng(2024);
  for (int round = 0; round < 3000; ++round) {
    std::string input;
    const int tokens = std::uniform_int_distribution<int>(0, 40)(rng);
    for (int i = 0; i < tokens; ++i) input += alphabet[std::uniform_int_distribution<std::size_t>(0, 10)(rng)];
    const std::size_t max = round % 3 == 0 ? 12 : 1 << 20;
    const Outcome whole = feed_whole(input, max);
    EXPECT_EQ(whole.raw + whole.rest, input);
    std::vector<std::size_t> cuts;
    for (std::size_t at = 1; at < input.size(); at += std::uniform_int_distribution<std::size_t>(1, 4)(rng)) {
      cuts.push_back(at);
    }
    for (const Outcome& split : {feed(input, cuts, max), feed(input, {input.size() / 2}, max)}) {
      ASSERT_EQ(split.blocks, whole.blocks) << round << " " << ::testing::PrintToString(input) << " max " << max;
      EXPECT_EQ(split.too_large, whole.too_large) << round;
      EXPECT_EQ(split.partial, whole.partial) << round;
      if (!whole.too_large) {
        EXPECT_EQ(split.raw + split.rest, input) << round;
      }
    }
  }
}

// Linear work: a big block one byte at a time, and many CR-terminated blocks at once.
TEST(SseParser, NoQuadraticRescans) {
  const std::string big = "data: " + std::string(256 * 1024, 'z') + "\n\n";
  Parser parser(1 << 20);
  Event ev;
  std::size_t events = 0;
  for (char c : big) {
    parser.feed(std::string_view(&c, 1));
    while (parser.next(ev) == Status::event) ++events;
  }
  EXPECT_EQ(events, 1u);

  std::string cr_stream;
  for (int i = 0; i < 50000; ++i) cr_stream += "data: {\"i\":" + std::to_string(i) + "}\r\r";
  const Outcome run = feed_whole(cr_stream, 1 << 30);
  EXPECT_EQ(run.blocks.size(), 50000u);
}

}  // namespace
}  // namespace aisbf::sse

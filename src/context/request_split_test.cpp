// Request splitting: fixed cases worked out by hand with the word counter,
// then properties on seeded random conversations (a failure replays): every
// chunk within the budget with the system messages and tools, nothing lost
// (the pieces without their overlaps give back every message exactly), the
// order kept, tool calls and their results in one chunk, overlaps within
// their size, UTF-8 never cut.
#include "context/request_split.hpp"

#include <gtest/gtest.h>

#include <set>

#include "context/condense_test_support.hpp"
#include "context/metered_counter_test_support.hpp"
#include "context/tokenizer.hpp"

namespace aisbf::context {
namespace {

using namespace testing;

std::vector<SplitChunk> split_ok(const ChatRequest& r, std::int64_t budget, std::int64_t overlap,
                                 const TokenCounter& count, std::size_t max_chunks = 64) {
  auto chunks = split_request(r, SplitLimits{budget, overlap, max_chunks}, count);
  EXPECT_TRUE(chunks.has_value()) << (chunks ? "" : chunks.error().message);
  return chunks ? std::move(chunks).value() : std::vector<SplitChunk>{};
}

std::string refusal_of(const ChatRequest& r, std::int64_t budget, std::size_t max_chunks, const TokenCounter& count) {
  auto chunks = split_request(r, SplitLimits{budget, 0, max_chunks}, count);
  if (chunks) return "split";
  EXPECT_EQ(chunks.error().status, 400);
  EXPECT_EQ(chunks.error().code, "request_too_large");
  return chunks.error().message;
}

std::string text_of(const Message& m) {
  std::string out;
  for (const auto& b : m.content)
    if (const auto* t = std::get_if<TextBlock>(&b)) out += t->text;
  return out;
}

ChatRequest no_tools(std::vector<Message> m) {
  ChatRequest r = request_of(std::move(m));
  r.tools.clear();
  return r;
}

TEST(RequestSplit, ARequestThatFitsIsOneChunkUnchanged) {
  WordCounter count;
  ChatRequest r = request_of({sys("Be brief."), user("one two three")});
  auto chunks = split_ok(r, count.request(r), 10, count);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(render(chunks[0].request), render(r));
}

TEST(RequestSplit, WholeMessagesGoInOrderWithTheSystemMessagesAndToolsInEachChunk) {
  WordCounter count;
  // Base: 3 + system (3 + 2) + tools "read_file" "Reads a file" (1 + 3) = 12; each user message 3 + 5.
  ChatRequest r = request_of({sys("Be brief."), user("a b c d e"), user("f g h i j"), user("k l m n o")});
  auto chunks = split_ok(r, 12 + 16, 10, count);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(render(chunks[0].request), "system: Be brief.\nuser: a b c d e\nuser: f g h i j\n");
  EXPECT_EQ(render(chunks[1].request), "system: Be brief.\nuser: k l m n o\n");
  for (const auto& c : chunks) {
    EXPECT_EQ(c.request.tools.size(), 1u);
    EXPECT_EQ(c.request.max_tokens, 1000);
  }
}

TEST(RequestSplit, AChunkHandsATrailingAssistantMessageToTheNext) {
  WordCounter count;
  ChatRequest r = no_tools({user("a b c"), assistant("d e f"), user("g h i")});
  // 3 + 6 + 6 fits, not 3 + 18: the assistant message goes on with the user message after it.
  auto chunks = split_ok(r, 15, 0, count);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(render(chunks[0].request), "user: a b c\n");
  EXPECT_EQ(render(chunks[1].request), "assistant: d e f\nuser: g h i\n");
}

TEST(RequestSplit, ALongMessageIsCutAtParagraphsWithTheOverlapRepeated) {
  WordCounter count;
  const std::string text = "p1 a b c. d e f.\n\np2 g h i. j k l.\n\np3 m n o. p q r.";
  ChatRequest r = no_tools({user(text)});
  // Room for 3 + 11 words: one paragraph (8 words) and the 2-word overlap, not two paragraphs.
  auto chunks = split_ok(r, 3 + 3 + 11, 2, count);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(text_of(chunks[0].request.messages[0]), "p1 a b c. d e f.\n\n");
  EXPECT_EQ(text_of(chunks[1].request.messages[0]), "e f.\n\np2 g h i. j k l.\n\n");
  EXPECT_EQ(chunks[1].overlap_bytes[0], 6u);
  EXPECT_EQ(text_of(chunks[2].request.messages[0]), "k l.\n\np3 m n o. p q r.");
  for (const auto& c : chunks) EXPECT_EQ(c.request.messages[0].role, Role::user);
}

TEST(RequestSplit, WithoutParagraphsItCutsAtSentencesThenWords) {
  WordCounter count;
  ChatRequest r = no_tools({user("a b c. d e f. g h i j k l m n")});
  auto chunks = split_ok(r, 3 + 3 + 4, 0, count);
  ASSERT_EQ(chunks.size(), 4u);
  EXPECT_EQ(text_of(chunks[0].request.messages[0]), "a b c. ");
  EXPECT_EQ(text_of(chunks[1].request.messages[0]), "d e f. ");
  EXPECT_EQ(text_of(chunks[2].request.messages[0]), "g h i j ");
  EXPECT_EQ(text_of(chunks[3].request.messages[0]), "k l m n");
}

TEST(RequestSplit, RefusesWhatCannotBeSplit) {
  WordCounter count;
  ChatRequest tool_unit = request_of({sys("S."), user("go"), call("c1", "run", "{}"), result("c1", "x y z w v u t")});
  EXPECT_EQ(refusal_of(tool_unit, 12 + 8, 16, count),
            "a tool call with its results (2 messages, 15 tokens) cannot be split, and a chunk has room for 9 tokens "
            "beside the system messages and tools");
  ChatRequest big_system = request_of({sys("one two three four five six"), user("hi")});
  EXPECT_EQ(refusal_of(big_system, 10, 16, count),
            "the system messages and tool definitions alone are 16 prompt tokens, which leaves no room under the "
            "model's max_request_tokens (10) to split the rest of the request into");
  ChatRequest many = no_tools({user("a b c d e f g h i j k l m n o p q r s t")});
  EXPECT_EQ(refusal_of(many, 3 + 3 + 2, 4, count),
            "this request's 26 prompt tokens need more than 4 chunks of at most 8 tokens (the model's "
            "max_request_tokens); aisbf.json feature_controls.request_splitting.max_chunks is 4");
  ChatRequest image = no_tools({with_image(user("look"), "https://img/1"), user("and")});
  EXPECT_NE(refusal_of(image, 3 + 3 + 50, 16, count).find("an image"), std::string::npos);
}

// The words, and how often a message was counted.
class CallCounter final : public TokenCounter {
 public:
  std::int64_t message(const Message& m) const override {
    ++calls;
    return words_.message(m);
  }
  std::int64_t request(const ChatRequest& r) const override { return words_.request(r); }
  mutable std::int64_t calls = 0;

 private:
  WordCounter words_;
};

TEST(RequestSplit, AHugeMessageOverASmallLimitIsRefusedAfterMaxChunksPieces) {
  std::string text;
  for (int i = 0; i < 200'000; ++i) text += "word ";
  CallCounter count;
  ChatRequest r = no_tools({user(text)});
  EXPECT_NE(refusal_of(r, 3 + 3 + 10, 4, count).find("need more than 4 chunks"), std::string::npos);
  // Five pieces' searches, not 20,000: the cut stops once it is over max_chunks.
  EXPECT_LT(count.calls, 400);
}

// 1 token per 4 bytes of text (rounded up), 3 per message: cuts fall
// inside words and inside multi-byte characters unless the cutter avoids them.
class ByteCounter final : public TokenCounter {
 public:
  std::int64_t message(const Message& m) const override {
    std::int64_t n = 3;
    for (const auto& b : m.content) {
      if (const auto* t = std::get_if<TextBlock>(&b)) n += static_cast<std::int64_t>(t->text.size() + 3) / 4;
      if (std::holds_alternative<ImageBlock>(b)) n += 85;
      if (const auto* c = std::get_if<ToolCallBlock>(&b)) n += static_cast<std::int64_t>(c->arguments_json.size());
      if (const auto* res = std::get_if<ToolResultBlock>(&b)) n += static_cast<std::int64_t>(res->content.size()) / 4;
    }
    return n;
  }
  std::int64_t request(const ChatRequest& r) const override {
    std::int64_t n = 3;
    for (const auto& m : r.messages) n += message(m);
    return n + static_cast<std::int64_t>(r.tools.size()) * 10;
  }
};

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += len;
  }
  return true;
}

TEST(RequestSplit, NeverCutsInsideAUtf8Sequence) {
  ByteCounter count;
  std::string text;
  for (int i = 0; i < 200; ++i) text += i % 3 == 0 ? "日本語" : i % 3 == 1 ? "👩‍👩‍👧" : "é";
  ChatRequest r = no_tools({user(text)});
  auto chunks = split_ok(r, 3 + 3 + 7, 2, count, 1000);
  ASSERT_GT(chunks.size(), 20u);
  std::string joined;
  for (const auto& c : chunks) {
    const std::string piece = text_of(c.request.messages[0]);
    EXPECT_TRUE(valid_utf8(piece)) << piece;
    EXPECT_LE(count.request(c.request), 13);
    joined += piece.substr(c.overlap_bytes[0]);
  }
  EXPECT_EQ(joined, text);
}

// A megabyte over 32k-token chunks costs a few encodings of the text, not
// a search per piece (about log2 of a piece's length counts of it).
TEST(RequestSplit, CuttingAHugeMessageTokenizesItAFewTimesNotOncePerProbe) {
  auto tokenizer = tokenizer_for(Encoding::cl100k_base);
  ASSERT_TRUE(tokenizer.has_value()) << tokenizer.error().message;
  std::string text;
  for (int i = 0; text.size() < 1'000'000; ++i) {
    text += "Sentence number " + std::to_string(i) + " talks about the weather and the sea. ";
    if (i % 40 == 39) text += "\n\n";
  }
  MeteredCounter count(**tokenizer);
  const ChatRequest r = no_tools({user(text)});
  auto chunks = split_ok(r, 32'000, 100, count);
  ASSERT_GT(chunks.size(), 6u);
  std::string joined;
  for (const auto& c : chunks) {
    EXPECT_LE(ChatTokenCounter(**tokenizer).request(c.request), 32'000);
    const std::string piece = text_of(c.request.messages[0]);
    joined += piece.substr(c.overlap_bytes[0]);
  }
  EXPECT_EQ(joined, text);
  // Read once whole, then per piece: its prefix search and one check of the cut.
  EXPECT_LT(count.bytes, 4 * text.size());
  // Each piece but the last is nearly full: the guess is the search's answer.
  for (std::size_t i = 0; i + 1 < chunks.size(); ++i) {
    EXPECT_GT(ChatTokenCounter(**tokenizer).request(chunks[i].request), 31'000) << "chunk " << i;
  }
}

// ---- properties on random conversations ----

class SplitGenerator {
 public:
  explicit SplitGenerator(std::uint64_t seed) : rng_(seed) {}

  ChatRequest conversation() {
    std::vector<Message> m{sys(sentence(4 + pick(20)))};
    if (chance(3)) m.push_back(text(Role::developer, sentence(5)));
    for (int t = 0, turns = 1 + pick(5); t < turns; ++t) {
      Message u = user(chance(2) ? long_text() : sentence(3 + pick(10)));
      if (chance(6)) u = with_image(std::move(u), "https://img/" + std::to_string(pick(9)));
      m.push_back(std::move(u));
      for (int s = 0, steps = pick(4); s < steps; ++s) step(m);
    }
    ChatRequest r = request_of(std::move(m));
    if (chance(2)) r.tools.clear();
    return r;
  }

 private:
  int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }
  bool chance(int one_in) { return pick(one_in) == 0; }

  std::string sentence(int words) {
    static constexpr std::string_view kWords[] = {"the", "parser", "fails", "on", "src/lexer.cpp", "when", "日本語",
                                                  "naïve", "👩‍👩‍👧", "ErrorCode", "404", "and", "we", "fix", "it"};
    std::string out;
    for (int i = 0; i < words; ++i) out += std::string(kWords[pick(15)]) + (i + 1 < words ? " " : "");
    return out + (chance(3) ? "?" : ".");
  }

  std::string long_text() {
    std::string out;
    for (int p = 0, paragraphs = 1 + pick(5); p < paragraphs; ++p) {
      if (p > 0) out += chance(2) ? "\n\n" : "\n";
      for (int s = 0, sentences = 1 + pick(6); s < sentences; ++s) out += (s > 0 ? " " : "") + sentence(3 + pick(12));
      if (chance(5)) out += " " + std::string(static_cast<std::size_t>(20 + pick(200)), 'x');
    }
    return out;
  }

  void step(std::vector<Message>& m) {
    if (chance(2)) {
      m.push_back(assistant(chance(3) ? long_text() : sentence(6)));
      return;
    }
    const std::string id = "call_" + std::to_string(next_id_++);
    m.push_back(call(id, "read_file", R"({"path":"src/f.cpp"})"));
    m.push_back(result(id, sentence(5 + pick(30))));
  }

  std::mt19937_64 rng_;
  int next_id_ = 0;
};

// Adjacent text blocks as one: a cut block comes back as one text.
std::string flat_render(const Message& m) {
  std::string out = std::to_string(static_cast<int>(m.role)) + ":";
  bool in_text = false;
  for (const auto& b : m.content) {
    const auto* t = std::get_if<TextBlock>(&b);
    if (t != nullptr) {
      if (!in_text) out += "\n[text]";
      out += t->text;
    } else {
      ChatRequest one;
      one.messages.push_back(Message{m.role, {b}, {}});
      out += "\n[" + render(one) + "]";
    }
    in_text = t != nullptr;
  }
  return out;
}

// Rebuilds the messages after the prefix from the chunks' pieces, checking
// each overlap against the text it repeats.
void expect_reassembles(const std::vector<Message>& rest, const std::vector<SplitChunk>& chunks, std::size_t lead,
                        std::int64_t overlap, const TokenCounter& count) {
  std::vector<std::pair<const Message*, std::size_t>> flat;
  for (const auto& c : chunks)
    for (std::size_t i = lead; i < c.request.messages.size(); ++i) flat.emplace_back(&c.request.messages[i], c.overlap_bytes[i]);
  std::size_t k = 0;
  for (const Message& original : rest) {
    const std::string want = flat_render(original);
    ASSERT_LT(k, flat.size()) << "message lost: " << want;
    ASSERT_EQ(flat[k].second, 0u) << "a message starts with an overlap";
    Message acc = *flat[k++].first;
    while (flat_render(acc) != want) {
      ASSERT_LT(flat_render(acc).size(), want.size()) << flat_render(acc) << "\nis not\n" << want;
      ASSERT_LT(k, flat.size()) << "the end of a message is lost: " << want;
      const Message& next = *flat[k].first;
      const std::size_t ov = flat[k++].second;
      ASSERT_EQ(next.role, original.role);
      std::size_t b = 0;
      if (ov > 0) {
        const auto& first = std::get<TextBlock>(next.content[0]).text;
        auto& tail = std::get<TextBlock>(acc.content.back()).text;  // the cut text so far
        ASSERT_GE(tail.size(), ov);
        EXPECT_EQ(tail.substr(tail.size() - ov), first.substr(0, ov));
        EXPECT_LE(count.message(text(next.role, first.substr(0, ov))) - count.message(text(next.role, "")), overlap);
        tail += first.substr(ov);
        b = 1;
      }
      for (; b < next.content.size(); ++b) acc.content.push_back(next.content[b]);
    }
  }
  EXPECT_EQ(k, flat.size()) << "pieces no message accounts for";
}

void expect_tool_pairs_together(const ChatRequest& original, const ChatRequest& chunk) {
  std::set<std::string> answered, called;
  for (const auto& m : original.messages)
    for (const auto& b : m.content)
      if (const auto* r = std::get_if<ToolResultBlock>(&b)) answered.insert(r->tool_call_id);
  std::set<std::string> results;
  for (const auto& m : chunk.messages) {
    for (const auto& b : m.content) {
      if (const auto* c = std::get_if<ToolCallBlock>(&b)) called.insert(c->id);
      if (const auto* r = std::get_if<ToolResultBlock>(&b)) {
        EXPECT_TRUE(called.count(r->tool_call_id)) << "result " << r->tool_call_id << " without its call";
        results.insert(r->tool_call_id);
      }
    }
  }
  for (const auto& id : called)
    if (answered.count(id)) EXPECT_TRUE(results.count(id)) << "call " << id << " without its result";
}

void expect_split_holds(const ChatRequest& r, const std::vector<SplitChunk>& chunks, std::int64_t budget,
                        std::int64_t overlap, const TokenCounter& count) {
  std::size_t lead = 0;
  while (lead < r.messages.size() && (r.messages[lead].role == Role::system || r.messages[lead].role == Role::developer))
    ++lead;
  ASSERT_GT(chunks.size(), 1u);
  for (const auto& c : chunks) {
    EXPECT_LE(count.request(c.request), budget);
    ASSERT_EQ(c.overlap_bytes.size(), c.request.messages.size());
    ASSERT_GT(c.request.messages.size(), lead);
    for (std::size_t i = 0; i < lead; ++i) EXPECT_EQ(flat_render(c.request.messages[i]), flat_render(r.messages[i]));
    EXPECT_EQ(c.request.tools.size(), r.tools.size());
    EXPECT_EQ(c.request.max_tokens, r.max_tokens);
    for (const auto& m : c.request.messages)
      for (const auto& b : m.content)
        if (const auto* t = std::get_if<TextBlock>(&b)) EXPECT_TRUE(valid_utf8(t->text));
    expect_tool_pairs_together(r, c.request);
  }
  const std::vector<Message> rest(r.messages.begin() + static_cast<std::ptrdiff_t>(lead), r.messages.end());
  expect_reassembles(rest, chunks, lead, overlap, count);
}

const TokenCounter& counter_for(std::uint64_t seed) {
  static const WordCounter words;
  static const ByteCounter bytes;
  static const ChatTokenCounter* tokens = [] {
    auto loaded = tokenizer_for(Encoding::cl100k_base);
    return loaded ? new ChatTokenCounter(**loaded) : nullptr;
  }();
  if (seed % 3 == 0 && tokens != nullptr) return *tokens;
  return seed % 3 == 1 ? static_cast<const TokenCounter&>(words) : bytes;
}

TEST(RequestSplitProperties, ChunksFitKeepEverythingInOrderAndKeepToolPairsTogether) {
  int split = 0, refused = 0;
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    SplitGenerator gen(seed);
    const ChatRequest r = gen.conversation();
    const TokenCounter& count = counter_for(seed);
    ChatRequest prefix = r;
    prefix.messages.resize(r.messages[1].role == Role::developer ? 2 : 1);
    const std::int64_t base = count.request(prefix), total = count.request(r);
    if (total <= base + 8) continue;
    const std::int64_t budget = base + 8 + static_cast<std::int64_t>(seed * 7919 % static_cast<std::uint64_t>(total - base - 8 + 1)) * 2 / 3;
    const std::int64_t overlap = static_cast<std::int64_t>(seed % 4 == 0 ? 0 : seed % 40);
    auto chunks = split_request(r, SplitLimits{budget, overlap, 100000}, count);
    if (!chunks) {
      ++refused;
      EXPECT_EQ(chunks.error().code, "request_too_large");
      continue;
    }
    if (total <= budget) {
      EXPECT_EQ(chunks->size(), 1u);
      continue;
    }
    ++split;
    expect_split_holds(r, *chunks, budget, overlap, count);
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GT(split, 250);  // the generator must make splitting work, not only refusals
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace aisbf::context

// Helpers shared by the Gemini codec tests: fixtures, a readable rendering
// of stream events, and a stream run through the real SSE framer.
#pragma once

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "http/sse_parser.hpp"
#include "providers/gemini/gemini_adapter.hpp"

#ifndef AISBF_SOURCE_DIR
#define AISBF_SOURCE_DIR "."
#endif

namespace aisbf::gemini::test {

inline std::string fixture(const std::string& name) {
  std::ifstream in(std::string(AISBF_SOURCE_DIR) + "/tests/fixtures/gemini/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline UpstreamTarget target(std::string key = "AIza-test", std::string model = "gemini-2.5-flash") {
  return {"gem", "google", "https://generativelanguage.googleapis.com/v1beta", std::move(key), std::move(model), {}};
}

inline Message msg(Role role, std::vector<ContentBlock> content) { return Message{role, std::move(content), {}}; }

// One line per event, so whole runs compare with EXPECT_EQ.
inline std::string render(const StreamEvent& event) {
  struct Visitor {
    std::string operator()(const StreamStart& e) const { return fmt::format("start {} {}", e.id, e.model); }
    std::string operator()(const TextDelta& e) const { return "text " + e.text; }
    std::string operator()(const ReasoningDelta& e) const {
      return fmt::format("reasoning {}|{}", e.text, e.signature);
    }
    std::string operator()(const ToolCallDelta& e) const {
      return fmt::format("call {} {} {} {}", e.index, e.id, e.name, e.arguments);
    }
    std::string operator()(const FinishEvent& e) const { return fmt::format("finish {}", static_cast<int>(e.reason)); }
    std::string operator()(const UsageEvent& e) const {
      const Usage& u = e.usage;
      return fmt::format("usage {} {} {} cached={} reasoning={}", u.prompt_tokens, u.completion_tokens, u.total_tokens,
                         u.cached_tokens, u.reasoning_tokens);
    }
  };
  return std::visit(Visitor{}, event);
}

struct StreamRun {
  std::vector<std::string> events;
  std::optional<GatewayError> error;
  bool cut = false;  // the framer held an unfinished event at the end
};

// Feeds `pieces` through the SSE framer and the decoder, then ends the stream.
inline StreamRun run_pieces(const std::vector<std::string_view>& pieces) {
  StreamRun run;
  auto decoder = gemini_adapter().make_stream_decoder();
  sse::Parser parser(1 << 20);
  sse::Event ev;
  for (auto piece : pieces) {
    parser.feed(piece);
    while (parser.next(ev) == sse::Status::event) {
      if (!ev.has_data || run.error) continue;
      auto r = decoder->on_event(ev.event, ev.data);
      if (!r) {
        run.error = r.error();
        continue;
      }
      for (const auto& e : *r) run.events.push_back(render(e));
    }
  }
  run.cut = parser.has_partial();
  if (!run.error) {
    auto end = decoder->on_end();
    if (!end) run.error = end.error();
  }
  return run;
}

inline StreamRun run_whole(std::string_view bytes) { return run_pieces({bytes}); }

// Every split of `bytes` (byte by byte, and each two-piece cut, which
// includes cuts inside UTF-8 characters and between '\r' and '\n') must
// decode to the same events and the same error as the whole.
inline void expect_split_invariant(const std::string& bytes) {
  StreamRun whole = run_whole(bytes);
  auto same = [&](const StreamRun& run, const std::string& how) {
    EXPECT_EQ(run.events, whole.events) << how;
    EXPECT_EQ(run.error.has_value(), whole.error.has_value()) << how;
    if (run.error && whole.error) {
      EXPECT_EQ(run.error->message, whole.error->message) << how;
    }
  };
  std::vector<std::string_view> bytewise;
  for (std::size_t i = 0; i < bytes.size(); ++i) bytewise.push_back(std::string_view(bytes).substr(i, 1));
  same(run_pieces(bytewise), "byte by byte");
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    std::string_view all(bytes);
    same(run_pieces({all.substr(0, cut), all.substr(cut)}), fmt::format("cut at {}", cut));
  }
}

}  // namespace aisbf::gemini::test

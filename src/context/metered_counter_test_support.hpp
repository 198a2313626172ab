// Test helper: the real counter, metering the bytes it tokenizes, for tests
// that bound how much of a large text a walk or a split reads. A text
// counted before is free (the count memo's job); a prefix search reads what
// it returns.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "context/token_count.hpp"
#include "context/tokenizer.hpp"

namespace aisbf::context::testing {

class MeteredCounter final : public TokenCounter {
 public:
  explicit MeteredCounter(const Tokenizer& tokenizer) : inner_(tokenizer) {}
  std::int64_t message(const Message& m) const override {
    for (const auto& b : m.content)
      if (const auto* t = std::get_if<TextBlock>(&b)) meter(t->text);
    return inner_.message(m);
  }
  std::int64_t request(const ChatRequest& r) const override {
    for (const auto& m : r.messages) message(m);
    return inner_.request(r);
  }
  std::optional<std::size_t> text_prefix_within(std::string_view text, std::int64_t max_tokens) const override {
    auto n = inner_.text_prefix_within(text, max_tokens);
    if (n) bytes += *n;
    return n;
  }
  mutable std::size_t bytes = 0;

 private:
  void meter(const std::string& text) const {
    if (seen_.insert(text).second) bytes += text.size();
  }
  ChatTokenCounter inner_;
  mutable std::set<std::string> seen_;
};

}  // namespace aisbf::context::testing

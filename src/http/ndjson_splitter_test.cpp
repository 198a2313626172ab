#include "http/ndjson_splitter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace aisbf::ndjson {
namespace {

std::vector<std::string> split_whole(std::string_view input, std::size_t cap = 1024) {
  Splitter s(cap);
  s.feed(input);
  std::vector<std::string> out;
  std::string_view line;
  while (s.next(line) == Status::line) out.emplace_back(line);
  if (auto rest = s.finish(); !rest.empty()) out.emplace_back(rest);
  return out;
}

TEST(NdjsonSplitter, LinesBlankLinesCrlfAndUnterminatedTail) {
  const std::string input = "{\"a\":1}\n\n{\"b\":2}\r\n  \n{\"c\":3}";
  EXPECT_EQ(split_whole(input), (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"}));
}

TEST(NdjsonSplitter, EverySplitGivesTheSameLines) {
  const std::string input = "{\"message\":{\"content\":\"h\\u00e9llo ☃\"},\"done\":false}\r\n{\"done\":true}\n";
  const auto whole = split_whole(input);
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    Splitter s(1024);
    std::vector<std::string> got;
    std::string_view line;
    for (auto piece : {std::string_view(input).substr(0, cut), std::string_view(input).substr(cut)}) {
      s.feed(piece);
      while (s.next(line) == Status::line) got.emplace_back(line);
    }
    if (auto rest = s.finish(); !rest.empty()) got.emplace_back(rest);
    EXPECT_EQ(got, whole) << "cut at " << cut;
  }
}

TEST(NdjsonSplitter, ByteByByte) {
  const std::string input = "{\"a\":1}\n{\"b\":[1,2,3]}\n";
  Splitter s(1024);
  std::vector<std::string> got;
  std::string_view line;
  for (char c : input) {
    s.feed(std::string_view(&c, 1));
    while (s.next(line) == Status::line) got.emplace_back(line);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"{\"a\":1}", "{\"b\":[1,2,3]}"}));
}

TEST(NdjsonSplitter, LineOverTheCapIsTooLarge) {
  Splitter s(8);
  s.feed("{\"a\":\"0123456789\"}\n");
  std::string_view line;
  EXPECT_EQ(s.next(line), Status::too_large);
  Splitter unterminated(8);
  unterminated.feed("{\"a\":\"0123456789\"");
  EXPECT_EQ(unterminated.next(line), Status::too_large);
}

}  // namespace
}  // namespace aisbf::ndjson

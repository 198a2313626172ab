// The file backend's entry format: any bytes round-trip; anything short of
// a whole entry is refused, whatever its header claims.
#include "cache/file_entry.hpp"

#include <gtest/gtest.h>

namespace aisbf::cache {
namespace {

TEST(FileEntry, RoundTripsAnyBytes) {
  const std::string space("al\0ice\n", 7);
  const std::string value("{\"a\":1}\0\xff\n\n", 12);
  auto bytes = encode_file_entry(EntryLabels{space, "openai", "gpt 4o"}, value, -5, 42);
  ASSERT_TRUE(bytes);
  auto entry = decode_file_entry(*bytes);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->expires_ms, -5);
  EXPECT_EQ(entry->seq, 42u);
  EXPECT_EQ(entry->space, space);
  EXPECT_EQ(entry->provider, "openai");
  EXPECT_EQ(entry->model, "gpt 4o");
  EXPECT_EQ(entry->value, value);
}

TEST(FileEntry, RefusesEveryTruncationAndAnyExtra) {
  auto bytes = encode_file_entry(EntryLabels{"u", "p", "m"}, "the stored answer", 1'700'000'000'000, 7);
  ASSERT_TRUE(bytes);
  for (std::size_t n = 0; n < bytes->size(); ++n) {
    EXPECT_FALSE(decode_file_entry(std::string_view(*bytes).substr(0, n))) << n;
  }
  EXPECT_FALSE(decode_file_entry(*bytes + "x"));
}

TEST(FileEntry, RefusesForeignHeaders) {
  for (std::string_view text :
       {"", "aisbf-cache 2\n0 1 0 0 0 0\n", "aisbf-cache 1\n0 1 0 0 0 -1\n",
        "aisbf-cache 1\n0 1 0 0 0 18446744073709551615\nx", "aisbf-cache 1\n0 1 18446744073709551615 1 0 0\nx",
        "aisbf-cache 1\n0 1 9999 0 0 0\n", "aisbf-cache 1\n 0 1 0 0 0 0\n", "aisbf-cache 1\n0 1 0 0 0 0 \n"}) {
    EXPECT_FALSE(decode_file_entry(text)) << text;
  }
  EXPECT_TRUE(decode_file_entry("aisbf-cache 1\n0 1 0 0 0 0\n"));
}

TEST(FileEntry, TheHeadAloneGivesLabelsAndSizes) {
  const std::string value(100'000, 'v');
  auto bytes = encode_file_entry(EntryLabels{"bob", "anthropic", "claude"}, value, 99, 3);
  ASSERT_TRUE(bytes);
  const std::string_view head = std::string_view(*bytes).substr(0, kMaxFileHeader);
  auto entry = decode_file_head(head, bytes->size());
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->space, "bob");
  EXPECT_EQ(entry->model, "claude");
  EXPECT_EQ(entry->value_size, value.size());
  EXPECT_EQ(std::string_view(*bytes).substr(entry->value_offset), value);
  EXPECT_FALSE(decode_file_head(head, bytes->size() - 1));  // a short file
  EXPECT_FALSE(decode_file_head(head, bytes->size() + 1));
}

TEST(FileEntry, LabelsPastTheLimitAreNotWritten) {
  const std::string long_label(kMaxFileLabel + 1, 'm');
  EXPECT_FALSE(encode_file_entry(EntryLabels{"u", "p", long_label}, "v", 0, 1));
}

}  // namespace
}  // namespace aisbf::cache

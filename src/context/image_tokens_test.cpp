// Image sizes read from base64 headers, and OpenAI's tile rule on them (the
// worked examples of OpenAI's vision guide: 1024×1024 high → 765,
// 2048×4096 high → 1105, low → 85).
#include "context/image_tokens.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>

namespace aisbf::context {
namespace {

std::string base64(const std::string& bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::string be(std::uint32_t v, int n) {
  std::string s;
  for (int k = n - 1; k >= 0; --k) s += static_cast<char>((v >> (8 * k)) & 0xff);
  return s;
}
std::string le(std::uint32_t v, int n) {
  std::string s;
  for (int k = 0; k < n; ++k) s += static_cast<char>((v >> (8 * k)) & 0xff);
  return s;
}

std::string png(std::uint32_t w, std::uint32_t h) {
  return std::string("\x89PNG\r\n\x1a\n", 8) + be(13, 4) + "IHDR" + be(w, 4) + be(h, 4) +
         std::string("\x08\x02\0\0\0", 5);
}

std::string jpeg(std::uint32_t w, std::uint32_t h) {
  std::string app0 = "\xff\xe0" + be(16, 2) + std::string("JFIF\0\x01\x01\0\0\x01\0\x01\0\0", 14);
  std::string exif = "\xff\xe1" + be(1002, 2) + std::string(1000, 'x');  // a long segment, skipped by its length
  std::string sof0 = "\xff\xc0" + be(17, 2) + "\x08" + be(h, 2) + be(w, 2) + std::string(10, '\x01');
  return std::string("\xff\xd8", 2) + app0 + exif + "\xff" + sof0;  // a fill byte before SOF0
}

std::optional<ImageSize> size_of(const std::string& bytes) { return image_size_from_base64(base64(bytes)); }

void expect_size(const std::optional<ImageSize>& s, std::uint32_t w, std::uint32_t h) {
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->width, w);
  EXPECT_EQ(s->height, h);
}

TEST(ImageSize, Formats) {
  expect_size(size_of(png(1024, 768)), 1024, 768);
  expect_size(size_of(jpeg(800, 600)), 800, 600);
  expect_size(size_of("GIF89a" + le(100, 2) + le(50, 2) + "\0\0"), 100, 50);
  const std::string riff = "RIFF" + le(100, 4) + "WEBP";
  expect_size(size_of(riff + "VP8X" + le(10, 4) + std::string(4, '\0') + le(1999, 3) + le(999, 3)), 2000, 1000);
  expect_size(size_of(riff + "VP8L" + le(10, 4) + "\x2f" + le((639u) | (479u << 14), 4)), 640, 480);
  expect_size(size_of(riff + "VP8 " + le(10, 4) + std::string(3, '\0') + "\x9d\x01\x2a" + le(320, 2) + le(240, 2)), 320,
              240);
}

TEST(ImageSize, RefusesWhatItCannotRead) {
  EXPECT_FALSE(image_size_from_base64(""));
  EXPECT_FALSE(image_size_from_base64("not base64 at all!"));
  EXPECT_FALSE(size_of(png(1024, 768).substr(0, 20)));   // cut inside the size
  EXPECT_FALSE(size_of(png(0, 768)));                    // no pixels
  EXPECT_FALSE(size_of(jpeg(800, 600).substr(0, 200)));  // cut inside a segment
  std::string loop = "\xff\xd8";
  for (int i = 0; i < 100; ++i) loop += "\xff\xd0";  // markers without length, past the segment cap
  EXPECT_FALSE(size_of(loop + "\xff\xc0" + be(17, 2) + "\x08" + be(10, 2) + be(10, 2)));
}

TEST(ImageTokens, TileRule) {
  EXPECT_EQ(image_tokens_for_size({1024, 1024}, false), 765);
  EXPECT_EQ(image_tokens_for_size({2048, 4096}, false), 1105);
  EXPECT_EQ(image_tokens_for_size({2048, 4096}, true), 85);
  EXPECT_EQ(image_tokens_for_size({100, 100}, false), 255);  // small images are not scaled up
  EXPECT_EQ(image_tokens_for_size({768, 2048}, false), 8 * 170 + 85);
}

TEST(ImageTokens, Blocks) {
  ImageBlock inline_png{"", "image/png", base64(png(2048, 4096)), "high"};
  EXPECT_EQ(image_tokens(inline_png), 1105);
  EXPECT_FALSE(image_size_assumed(inline_png));
  inline_png.detail = "low";
  EXPECT_EQ(image_tokens(inline_png), 85);
  ImageBlock url{"https://example.com/cat.png", "", "", ""};
  EXPECT_EQ(image_tokens(url), 765);  // assumed 1024×1024
  EXPECT_TRUE(image_size_assumed(url));
  url.detail = "low";
  EXPECT_FALSE(image_size_assumed(url));
}

}  // namespace
}  // namespace aisbf::context

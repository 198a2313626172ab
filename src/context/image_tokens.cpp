#include "context/image_tokens.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace aisbf::context {

namespace {

constexpr std::int64_t kBaseTokens = 85;
constexpr std::int64_t kTileTokens = 170;
constexpr double kMaxSide = 2048;
constexpr double kMaxShortSide = 768;
constexpr double kTile = 512;
// An image whose size we cannot know (a URL: fetching it would be an
// outbound request per count, slow and a way to make the gateway call any
// address; or data whose header we cannot read) is taken as 1024×1024 at
// high detail: 765 tokens, the figure of OpenAI's own worked example and of
// the common photo and screenshot sizes once scaled to 768 px; a larger one
// costs at most 1445 (8 tiles), a smaller one at least 255.
constexpr ImageSize kAssumedSize{1024, 1024};
constexpr int kMaxJpegSegments = 64;

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Random access to the bytes of base64 text: byte i is decoded from its
// 4-character group alone, so skipping a segment costs nothing.
class Base64Bytes {
 public:
  explicit Base64Bytes(std::string_view text) : text_(text) {}

  std::optional<std::uint8_t> at(std::size_t i) const {
    const std::size_t group = (i / 3) * 4;
    if (group >= text_.size()) return std::nullopt;
    std::array<int, 4> v{};
    for (std::size_t k = 0; k < 4; ++k) {
      v[k] = group + k < text_.size() ? base64_value(text_[group + k]) : -1;
    }
    const std::size_t within = i % 3;
    if (v[within] < 0 || v[within + 1] < 0) return std::nullopt;  // padding, the end, or not base64
    const std::uint32_t bits = (static_cast<std::uint32_t>(v[0]) << 18) | (static_cast<std::uint32_t>(v[1]) << 12) |
                               (static_cast<std::uint32_t>(std::max(v[2], 0)) << 6) |
                               static_cast<std::uint32_t>(std::max(v[3], 0));
    return static_cast<std::uint8_t>(bits >> (16 - 8 * within));
  }

  // `n` bytes from `i`, big- or little-endian; nullopt past the end.
  std::optional<std::uint32_t> uint(std::size_t i, int n, bool big_endian) const {
    std::uint32_t out = 0;
    for (int k = 0; k < n; ++k) {
      auto b = at(i + static_cast<std::size_t>(k));
      if (!b) return std::nullopt;
      const int shift = big_endian ? 8 * (n - 1 - k) : 8 * k;
      out |= static_cast<std::uint32_t>(*b) << shift;
    }
    return out;
  }

  bool starts(std::size_t i, std::string_view magic) const {
    for (std::size_t k = 0; k < magic.size(); ++k) {
      auto b = at(i + k);
      if (!b || *b != static_cast<std::uint8_t>(magic[k])) return false;
    }
    return true;
  }

 private:
  std::string_view text_;
};

std::optional<ImageSize> sized(std::optional<std::uint32_t> w, std::optional<std::uint32_t> h) {
  if (!w || !h || *w == 0 || *h == 0) return std::nullopt;
  return ImageSize{*w, *h};
}

std::optional<ImageSize> png_size(const Base64Bytes& b) {
  if (!b.starts(0, "\x89PNG\r\n\x1a\n") || !b.starts(12, "IHDR")) return std::nullopt;
  return sized(b.uint(16, 4, true), b.uint(20, 4, true));
}

std::optional<ImageSize> gif_size(const Base64Bytes& b) {
  if (!b.starts(0, "GIF87a") && !b.starts(0, "GIF89a")) return std::nullopt;
  return sized(b.uint(6, 2, false), b.uint(8, 2, false));
}

std::optional<ImageSize> webp_size(const Base64Bytes& b) {
  if (!b.starts(0, "RIFF") || !b.starts(8, "WEBP")) return std::nullopt;
  if (b.starts(12, "VP8 ")) {  // lossy: a key frame's start code, then 14-bit sizes
    if (!b.starts(23, "\x9d\x01\x2a")) return std::nullopt;
    auto w = b.uint(26, 2, false), h = b.uint(28, 2, false);
    if (!w || !h) return std::nullopt;
    return sized(*w & 0x3fff, *h & 0x3fff);
  }
  if (b.starts(12, "VP8L")) {  // lossless: 14 bits of width - 1, then of height - 1
    auto bits = b.uint(21, 4, false);
    if (!bits || b.at(20) != std::uint8_t{0x2f}) return std::nullopt;
    return sized((*bits & 0x3fff) + 1, ((*bits >> 14) & 0x3fff) + 1);
  }
  if (b.starts(12, "VP8X")) {  // extended: 24-bit canvas width - 1 and height - 1
    auto w = b.uint(24, 3, false), h = b.uint(27, 3, false);
    if (!w || !h) return std::nullopt;
    return sized(*w + 1, *h + 1);
  }
  return std::nullopt;
}

bool is_start_of_frame(std::uint8_t marker) {
  return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
}

std::optional<ImageSize> jpeg_size(const Base64Bytes& b) {
  if (!b.starts(0, "\xff\xd8")) return std::nullopt;
  std::size_t at = 2;
  for (int segment = 0; segment < kMaxJpegSegments; ++segment) {
    if (b.at(at) != std::uint8_t{0xff}) return std::nullopt;
    auto marker = b.at(at + 1);
    if (!marker) return std::nullopt;
    if (*marker == 0xff) {  // a fill byte before the marker
      ++at;
      continue;
    }
    if (is_start_of_frame(*marker)) return sized(b.uint(at + 7, 2, true), b.uint(at + 5, 2, true));
    if ((*marker >= 0xd0 && *marker <= 0xd7) || *marker == 0x01) {  // markers without a length
      at += 2;
      continue;
    }
    auto length = b.uint(at + 2, 2, true);
    if (!length || *length < 2) return std::nullopt;
    at += 2 + *length;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ImageSize> image_size_from_base64(std::string_view base64) {
  const Base64Bytes bytes(base64);
  if (auto s = png_size(bytes)) return s;
  if (auto s = jpeg_size(bytes)) return s;
  if (auto s = gif_size(bytes)) return s;
  return webp_size(bytes);
}

std::int64_t image_tokens_for_size(ImageSize size, bool low_detail) {
  if (low_detail) return kBaseTokens;
  double w = size.width, h = size.height;
  if (w <= 0 || h <= 0) return kBaseTokens;
  if (std::max(w, h) > kMaxSide) {
    const double scale = kMaxSide / std::max(w, h);
    w = std::floor(w * scale);
    h = std::floor(h * scale);
  }
  if (std::min(w, h) > kMaxShortSide) {
    const double scale = kMaxShortSide / std::min(w, h);
    w = std::floor(w * scale);
    h = std::floor(h * scale);
  }
  const auto tiles =
      static_cast<std::int64_t>(std::ceil(std::max(w, 1.0) / kTile) * std::ceil(std::max(h, 1.0) / kTile));
  return tiles * kTileTokens + kBaseTokens;
}

bool image_size_assumed(const ImageBlock& image) {
  return image.detail != "low" && !image_size_from_base64(image.data_base64);
}

std::int64_t image_tokens(const ImageBlock& image) {
  const bool low = image.detail == "low";
  if (low) return kBaseTokens;
  // `auto` (or no detail) lets the model choose by the image's size:
  // counted as high, the dearer of the two, so a count is never below the bill.
  return image_tokens_for_size(image_size_from_base64(image.data_base64).value_or(kAssumedSize), false);
}

}  // namespace aisbf::context

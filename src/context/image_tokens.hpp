// What an image in a chat prompt costs, by OpenAI's tile rule for its
// vision models (gpt-4o, gpt-4.1, o-series): `detail: low` is 85 tokens; a
// high-detail image is fitted within 2048×2048, then scaled down so that its
// shortest side is at most 768 px, and costs 170 per 512 px tile plus 85.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/chat_types.hpp"

namespace aisbf::context {

struct ImageSize {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
};

// The pixel size written in the header of base64 image data (PNG, JPEG, GIF,
// WebP), or nullopt when it cannot be read there. Decodes only the bytes it
// looks at (a JPEG's segments are skipped by their lengths, at most 64 of
// them), so its work is bounded whatever the data's size; nothing in the
// bytes is trusted beyond the offsets checked against the data's length.
std::optional<ImageSize> image_size_from_base64(std::string_view base64);

// The tile rule on a known size (`low`: 85 whatever the size).
std::int64_t image_tokens_for_size(ImageSize size, bool low_detail);

// An image block's cost: its size read from inline data, else the assumed
// size (see image_tokens.cpp) when it is a URL or unreadable.
std::int64_t image_tokens(const ImageBlock& image);

// Whether the block's cost is an assumption (a URL, or data whose header
// could not be read, at high or auto detail).
bool image_size_assumed(const ImageBlock& image);

}  // namespace aisbf::context

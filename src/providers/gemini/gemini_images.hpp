// Gemini image generation (PROTOCOLS.md §3; ai.google.dev "Image generation"):
// an OpenAI images/generations prompt as a generateContent body asking for
// `generationConfig.responseModalities: ["TEXT", "IMAGE"]` (some image models
// refuse image-only output; the text parts are ignored), and the answer's
// `inlineData {mimeType, data}` parts read back. One call makes one image:
// Gemini's image models answer one candidate, so `n` images are n calls
// (pipeline/images_route.cpp). Pure: text in, values out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"

namespace aisbf::gemini {

// OpenAI's `size` ("1024x1024", "1536x1024", …) as Gemini's
// `imageConfig.aspectRatio` when it is one Gemini takes ("1:1", "3:2",
// "16:9", …); nullopt for "auto", an absent size or another ratio (the
// model's default then).
std::optional<std::string> image_aspect_ratio(std::string_view size);

// The generateContent body: the prompt as one user text part, IMAGE as the
// response modality and the aspect ratio when `size` maps to one.
std::string encode_image_generation(std::string_view prompt, std::string_view size);

struct GeneratedImage {
  std::string mime_type;
  std::string b64;  // base64 as Gemini sent it (standard alphabet, OpenAI's b64_json too)
};

struct GeneratedImages {
  std::vector<GeneratedImage> images;
  std::optional<std::int64_t> prompt_tokens;  // usageMetadata.promptTokenCount
  std::optional<std::int64_t> output_tokens;  // usageMetadata.candidatesTokenCount
};

// The image parts of a 200 answer (`inlineData`, or `inline_data` with
// `mime_type`). An answer without any (a prompt blocked for safety, a text
// refusal) is an error naming the finish or block reason.
Expected<GeneratedImages> decode_image_generation(std::string_view body);

}  // namespace aisbf::gemini

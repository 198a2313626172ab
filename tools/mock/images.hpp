// Image generation in aisbf-mock: OpenAI's POST …/images/generations
// (b64_json and url answers; the URLs point back at the mock), Gemini's
// generateContent with responseModalities IMAGE (inlineData parts), and the
// image files themselves (GET /__mock/image/{id}.png), plus a redirect
// control for the content proxy's tests. Pure functions to a Plan.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "api.hpp"
#include "plan.hpp"

namespace aisbf_mock {

// A deterministic 32×32 RGB PNG (stored deflate, valid CRCs), its pixels seeded by `seed`.
std::string mock_png(std::uint64_t seed);

// OpenAI images/generations. `host`: the request's Host header, for the
// URLs of a `url` answer (`http://{host}/__mock/image/{id}.png`).
void openai_image_generation(ApiContext& ctx, const boost::json::object& body, std::string_view model,
                             std::string_view host, Plan& plan);

// The request asks Gemini for images (generationConfig.responseModalities holds "IMAGE").
bool gemini_wants_image(const boost::json::object& body);
void gemini_image_generation(ApiContext& ctx, const boost::json::object& body, std::string_view model, Plan& plan);

// GET /__mock/image/{id}.png and GET /__mock/redirect?to=URL (302 to URL);
// `name` is the path after "/__mock/", `target` the whole request target
// (its query). False when `name` is neither.
bool serve_mock_file(std::string_view name, std::string_view target, Plan& plan);

}  // namespace aisbf_mock

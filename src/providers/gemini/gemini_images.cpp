#include "providers/gemini/gemini_images.hpp"

#include <array>
#include <charconv>
#include <numeric>

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/gateway_error.hpp"

namespace aisbf::gemini {

namespace json = boost::json;

namespace {

// The ratios Gemini's imageConfig.aspectRatio takes.
constexpr std::array<std::string_view, 10> kRatios = {"1:1", "2:3", "3:2",  "3:4",  "4:3",
                                                      "4:5", "5:4", "9:16", "16:9", "21:9"};

std::optional<unsigned> number(std::string_view text) {
  unsigned n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || n == 0) return std::nullopt;
  return n;
}

std::optional<std::int64_t> count_at(const json::object* usage, std::string_view key) {
  if (usage == nullptr) return std::nullopt;
  const json::value* v = usage->if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}

std::string_view string_at(const json::object* o, std::string_view key) {
  const json::value* v = o != nullptr ? o->if_contains(key) : nullptr;
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

// One part's image: `inlineData` (the REST API's camelCase) or `inline_data`.
void read_part(const json::value& part, std::vector<GeneratedImage>& out) {
  const json::object* p = part.if_object();
  if (p == nullptr) return;
  const json::value* inline_data = p->if_contains("inlineData");
  if (inline_data == nullptr) inline_data = p->if_contains("inline_data");
  const json::object* d = inline_data != nullptr ? inline_data->if_object() : nullptr;
  const std::string_view data = string_at(d, "data");
  if (data.empty()) return;
  std::string_view mime = string_at(d, "mimeType");
  if (mime.empty()) mime = string_at(d, "mime_type");
  out.push_back({std::string(mime.empty() ? "image/png" : mime), std::string(data)});
}

// Why an answer holds no image, for the error.
std::string why_no_image(const json::object& root) {
  const json::value* feedback = root.if_contains("promptFeedback");
  if (auto reason = string_at(feedback != nullptr ? feedback->if_object() : nullptr, "blockReason"); !reason.empty())
    return fmt::format("the prompt was blocked ({})", reason);
  const json::value* candidates = root.if_contains("candidates");
  if (candidates != nullptr && candidates->is_array() && !candidates->get_array().empty()) {
    if (auto reason = string_at(candidates->get_array()[0].if_object(), "finishReason"); !reason.empty())
      return fmt::format("finish reason {}", reason);
  }
  return "no candidate";
}

}  // namespace

std::optional<std::string> image_aspect_ratio(std::string_view size) {
  const auto x = size.find('x');
  if (x == std::string_view::npos) return std::nullopt;
  auto w = number(size.substr(0, x));
  auto h = number(size.substr(x + 1));
  if (!w || !h) return std::nullopt;
  const unsigned g = std::gcd(*w, *h);
  std::string ratio = fmt::format("{}:{}", *w / g, *h / g);
  for (auto r : kRatios) {
    if (r == ratio) return ratio;
  }
  return std::nullopt;
}

std::string encode_image_generation(std::string_view prompt, std::string_view size) {
  json::object config;
  // TEXT too: some Gemini image models refuse an image-only answer (their
  // text parts are ignored by decode_image_generation).
  config["responseModalities"] = json::array{"TEXT", "IMAGE"};
  if (auto ratio = image_aspect_ratio(size)) config["imageConfig"] = json::object{{"aspectRatio", *ratio}};
  json::object body;
  body["contents"] =
      json::array{json::object{{"role", "user"}, {"parts", json::array{json::object{{"text", prompt}}}}}};
  body["generationConfig"] = std::move(config);
  return json::serialize(body);
}

Expected<GeneratedImages> decode_image_generation(std::string_view body) {
  boost::system::error_code ec;
  const json::value doc = json::parse(body, ec);
  if (ec || !doc.is_object()) return make_error(ErrorKind::upstream_protocol, "Gemini's image answer is not JSON");
  const json::object& root = doc.get_object();
  GeneratedImages out;
  if (const json::value* candidates = root.if_contains("candidates"); candidates != nullptr && candidates->is_array()) {
    for (const auto& c : candidates->get_array()) {
      const json::value* content = c.is_object() ? c.get_object().if_contains("content") : nullptr;
      const json::value* parts =
          content != nullptr && content->is_object() ? content->get_object().if_contains("parts") : nullptr;
      if (parts == nullptr || !parts->is_array()) continue;
      for (const auto& part : parts->get_array()) read_part(part, out.images);
    }
  }
  if (out.images.empty()) {
    auto e = make_error(ErrorKind::invalid_request, fmt::format("Gemini made no image: {}", why_no_image(root)));
    e.code = "no_image";
    return e;
  }
  const json::value* usage = root.if_contains("usageMetadata");
  const json::object* u = usage != nullptr ? usage->if_object() : nullptr;
  out.prompt_tokens = count_at(u, "promptTokenCount");
  out.output_tokens = count_at(u, "candidatesTokenCount");
  return out;
}

}  // namespace aisbf::gemini

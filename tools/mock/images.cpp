#include "images.hpp"

#include <array>
#include <charconv>
#include <initializer_list>
#include <utility>

#include <boost/json/array.hpp>

#include "chat_common.hpp"
#include "gemini.hpp"
#include "openai.hpp"
#include "text.hpp"

namespace aisbf_mock {

namespace json = boost::json;

namespace {

constexpr unsigned kSide = 32;                      // pixels per side
constexpr std::uint64_t kImageTokens = 272;         // output tokens per image (gpt-image-1, low quality 1024²)
constexpr std::uint64_t kGeminiImageTokens = 1290;  // Gemini's per image (its docs' example)

std::uint32_t crc32(const unsigned char* data, std::size_t size, std::uint32_t crc = 0) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (std::size_t i = 0; i < size; ++i) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

void put32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

void chunk(std::string& out, std::string_view type, std::string_view data) {
  put32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = out.size();
  out += type;
  out += data;
  const auto* p = reinterpret_cast<const unsigned char*>(out.data() + start);
  put32(out, crc32(p, out.size() - start));
}

// zlib stream of one stored (uncompressed) deflate block.
std::string stored_zlib(std::string_view raw) {
  std::string z = "\x78\x01";
  z.push_back('\x01');  // final block, stored
  const auto len = static_cast<std::uint16_t>(raw.size());
  z.push_back(static_cast<char>(len & 0xff));
  z.push_back(static_cast<char>(len >> 8));
  z.push_back(static_cast<char>(~len & 0xff));
  z.push_back(static_cast<char>((~len >> 8) & 0xff));
  z += raw;
  std::uint32_t a = 1, b = 0;
  for (unsigned char c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  put32(z, (b << 16) | a);
  return z;
}

// `"name":n,…` for each pair, without braces.
void append_counts(std::string& out, std::initializer_list<std::pair<std::string_view, std::uint64_t>> counts) {
  bool first = true;
  for (const auto& [name, n] : counts) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, name);
    out.push_back(':');
    append_uint(out, n);
  }
}

std::string b64(std::string_view bytes) {
  std::string out;
  append_base64(out, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return out;
}

std::string_view text_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

}  // namespace

std::string mock_png(std::uint64_t seed) {
  std::string raw;
  raw.reserve(kSide * (1 + 3 * kSide));
  std::uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
  for (unsigned row = 0; row < kSide; ++row) {
    raw.push_back('\0');  // filter: none
    for (unsigned col = 0; col < 3 * kSide; ++col) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      raw.push_back(static_cast<char>(x & 0xff));
    }
  }
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  put32(ihdr, kSide);
  put32(ihdr, kSide);
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8 bits, RGB, deflate, no filter method, no interlace
  chunk(png, "IHDR", ihdr);
  chunk(png, "IDAT", stored_zlib(raw));
  chunk(png, "IEND", {});
  return png;
}

void openai_image_generation(ApiContext& ctx, const json::object& body, std::string_view model, std::string_view host,
                             Plan& plan) {
  const std::string_view prompt = text_at(body, "prompt");
  if (prompt.empty()) {
    set_error(plan, 400, "Missing required parameter: 'prompt'.", "invalid_request_error", "prompt",
              "missing_required_parameter");
    return;
  }
  std::int64_t n = 1;
  if (const json::value* v = body.if_contains("n"); v != nullptr && !v->is_null()) {
    if (!v->is_int64() || v->get_int64() < 1 || v->get_int64() > 10) {
      set_error(plan, 400, "Invalid 'n': must be an integer between 1 and 10.", "invalid_request_error", "n",
                "invalid_value");
      return;
    }
    n = v->get_int64();
  }
  // dall-e-* answer URLs by default; the GPT image models always answer b64_json.
  const bool gpt_image = model.starts_with("gpt-image");
  std::string_view format = text_at(body, "response_format");
  if (format.empty()) format = gpt_image ? "b64_json" : "url";
  if (format != "url" && format != "b64_json") {
    set_error(plan, 400, "Invalid value for 'response_format': must be 'url' or 'b64_json'.", "invalid_request_error",
              "response_format", "invalid_value");
    return;
  }
  const std::string_view forced_url = text_at(body, "mock_image_url");  // the SSRF tests' URL
  plan.body = "{\"created\":1700000000,\"data\":[";
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint64_t id = ctx.next_id.fetch_add(1);
    if (i != 0) plan.body.push_back(',');
    if (format == "url") {
      plan.body += "{\"url\":";
      std::string url = forced_url.empty()
                            ? "http://" + std::string(host) + "/__mock/image/" + std::to_string(id) + ".png"
                            : std::string(forced_url);
      append_json_string(plan.body, url);
    } else {
      plan.body += "{\"b64_json\":";
      append_json_string(plan.body, b64(mock_png(id)));
    }
    plan.body += ",\"revised_prompt\":";
    append_json_string(plan.body, prompt);
    plan.body.push_back('}');
  }
  const std::uint64_t input = count_words(prompt);
  const std::uint64_t output = kImageTokens * static_cast<std::uint64_t>(n);
  plan.body += "],\"usage\":{";
  append_counts(plan.body, {{"input_tokens", input}, {"output_tokens", output}, {"total_tokens", input + output}});
  plan.body += ",\"input_tokens_details\":{";
  append_counts(plan.body, {{"text_tokens", input}, {"image_tokens", 0}});
  plan.body += "}}}";
}

bool gemini_wants_image(const json::object& body) {
  const json::object* config = object_at(body, "generationConfig");
  const json::value* modalities = config != nullptr ? config->if_contains("responseModalities") : nullptr;
  if (modalities == nullptr || !modalities->is_array()) return false;
  for (const auto& m : modalities->get_array()) {
    if (m.is_string() && m.get_string() == "IMAGE") return true;
  }
  return false;
}

void gemini_image_generation(ApiContext& ctx, const json::object& body, std::string_view model, Plan& plan) {
  std::uint64_t words = 0;
  if (const json::value* contents = body.if_contains("contents")) words = count_text_words(*contents);
  const std::uint64_t id = ctx.next_id.fetch_add(1);
  plan.content_type = kGeminiJson;
  plan.body = "{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":";
  append_json_string(plan.body, b64(mock_png(id)));
  plan.body += "}}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{";
  append_counts(plan.body, {{"promptTokenCount", words},
                            {"candidatesTokenCount", kGeminiImageTokens},
                            {"totalTokenCount", words + kGeminiImageTokens}});
  plan.body += ",\"candidatesTokensDetails\":[{\"modality\":\"IMAGE\",";
  append_counts(plan.body, {{"tokenCount", kGeminiImageTokens}});
  plan.body += "}]},\"modelVersion\":";
  append_json_string(plan.body, model);
  plan.body += ",\"responseId\":\"mock-image-";
  append_uint(plan.body, id);
  plan.body += "\"}";
}

bool serve_mock_file(std::string_view name, std::string_view target, Plan& plan) {
  if (name.starts_with("image/") && name.ends_with(".png")) {
    const std::string_view digits = name.substr(6, name.size() - 10);
    std::uint64_t id = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (ec != std::errc{} || end != digits.data() + digits.size()) return false;
    plan.content_type = "image/png";
    plan.body = mock_png(id);
    return true;
  }
  if (name == "redirect") {
    std::string_view raw;
    find_query(target, "to", raw);
    const std::string to = percent_decode(raw);
    plan.status = 302;
    plan.content_type = "text/plain";
    plan.extra_headers = "Location: " + to + "\r\n";
    plan.body = "redirecting\n";
    return true;
  }
  return false;
}

}  // namespace aisbf_mock

#include "core/model_id.hpp"

#include "core/json_scan.hpp"

namespace aisbf {

namespace {

constexpr std::string_view kRotationPrefix = "rotation/";
constexpr std::string_view kAutoselectPrefix = "autoselect/";
constexpr std::string_view kUserProviderPrefix = "user-provider/";
constexpr std::string_view kUserRotationPrefix = "user-rotation/";
constexpr std::string_view kUserAutoselectPrefix = "user-autoselect/";

bool has_empty_segment(std::string_view s) {
  return s.empty() || s.front() == '/' || s.back() == '/' || s.find("//") != std::string_view::npos;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_unicode_space_or_control(char32_t cp) {
  return (cp >= 0x80 && cp <= 0xA0) || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

}  // namespace

std::optional<ModelId> parse_model_id(std::string_view text) {
  for (auto [prefix, kind] : {std::pair{kRotationPrefix, ModelIdKind::rotation},
                              std::pair{kAutoselectPrefix, ModelIdKind::autoselect},
                              std::pair{kUserRotationPrefix, ModelIdKind::user_rotation},
                              std::pair{kUserAutoselectPrefix, ModelIdKind::user_autoselect}}) {
    if (text.starts_with(prefix)) {
      const std::string_view id = text.substr(prefix.size());
      if (has_empty_segment(id)) return std::nullopt;
      return ModelId{kind, id, {}};
    }
  }
  ModelIdKind kind = ModelIdKind::provider;
  if (text.starts_with(kUserProviderPrefix)) {
    text.remove_prefix(kUserProviderPrefix.size());
    kind = ModelIdKind::user_provider;
  }
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos || has_empty_segment(text)) return std::nullopt;
  return ModelId{kind, text.substr(0, slash), text.substr(slash + 1)};
}

std::string percent_decode(std::string_view s, bool* ok) {
  std::string out;
  out.reserve(s.size());
  bool valid = true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      const int h = i + 1 < s.size() ? hex_value(s[i + 1]) : -1;
      const int l = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
      if (h >= 0 && l >= 0) {
        out += static_cast<char>((h << 4) | l);
        i += 2;
        continue;
      }
      valid = false;
    }
    out += s[i];
  }
  if (ok) *ok = valid;
  return out;
}

bool is_valid_upstream_model_name(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(name.data());
  const auto* const end = p + name.size();
  while (p < end) {
    if (*p < 0x80) {
      if (*p <= 0x20 || *p == 0x7F) return false;
      ++p;
      continue;
    }
    char32_t cp;
    const std::size_t n = json_scan::utf8_sequence(p, end, cp);
    if (n == 0 || is_unicode_space_or_control(cp)) return false;
    p += n;
  }
  return true;
}

}  // namespace aisbf

// Model ids as clients send them: "<provider>/<model>", "rotation/<id>",
// "autoselect/<id>", and in a user's namespace "user-provider/<provider>/<model>",
// "user-rotation/<id>", "user-autoselect/<id>". Views into the caller's text;
// no allocation.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace aisbf {

enum class ModelIdKind { provider, rotation, autoselect, user_provider, user_rotation, user_autoselect };

struct ModelId {
  ModelIdKind kind = ModelIdKind::provider;
  std::string_view id;     // provider, rotation or autoselect id
  std::string_view model;  // the provider's model name (may contain '/'); empty for rotation/autoselect
};

// "p/m/x" → {provider, "p", "m/x"}; "rotation/r" → {rotation, "r", ""};
// "autoselect/a" → {autoselect, "a", ""}; "user-provider/p/m" →
// {user_provider, "p", "m"}, "user-rotation/r" → {user_rotation, "r", ""}.
// These prefixes always win (no provider can be called that). nullopt when the text
// is empty, has no '/', or has an empty '/'-separated part ("p/", "/m",
// "p//m", "p/m/"). A rotation or autoselect id is everything after the prefix.
std::optional<ModelId> parse_model_id(std::string_view text);

// Decodes %XX escapes (path parameters such as "mock%2Fmodel"); '+' stays
// '+'. An invalid escape ('%' not followed by two hex digits) is copied as is
// and sets *ok to false; *ok is true otherwise.
std::string percent_decode(std::string_view s, bool* ok = nullptr);

// Whether a model name may be sent upstream (it ends up in URLs and headers):
// 1..256 bytes of valid UTF-8 with no control characters (C0, DEL, C1) and no
// whitespace (ASCII or Unicode).
bool is_valid_upstream_model_name(std::string_view name);

}  // namespace aisbf

// JSON of the admin config API (/api/admin/providers, rotations,
// autoselects, settings, condensation, prompts): secrets masked in every
// answer, masked values sent back restored to the stored secret, and the
// 400 body that lists a validation's diagnostics. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "config/config.hpp"
#include "config/config_edit.hpp"

namespace aisbf::api {

// A key whose string values are secrets: api_key, password, secret,
// private_key, and *token / *tokens (auth.tokens, mcp's tokens, OAuth
// tokens). Numbers are never secrets (max_tokens stays readable).
bool is_secret_key(std::string_view key);

// A copy with every secret masked (auth::mask_secret): strings under a
// secret key, strings in an array under one, and the password of a URL with
// credentials under a key ending in "url" (database.postgres_url).
boost::json::value masked(const boost::json::value& value);

struct RestoreError {
  std::string path;  // JSON path of the value, e.g. "providers.mock.api_key"
  std::string message;
};
// Where `sent` holds the masked form of the secret `stored` holds at the
// same place (a list of secrets: any of its elements), puts the stored
// secret back, so that a client can send back what it read. A masked value
// that matches no stored secret is an error: the real value must be sent.
// `path` is the JSON path of `sent` in its file, for the error.
std::optional<RestoreError> restore_masked(boost::json::value& sent, const boost::json::value* stored,
                                           const std::string& path);

// GET /api/admin/{providers|rotations|autoselects}: {"providers": {id: entry}}
// (rotations also carry "notifyerrors"), entries as written, masked.
std::string entries_json(EntryKind kind, const Config& config);
// One entry: {"id", "<provider|rotation|autoselect>": entry}, masked, plus
// "warnings" (formatted diagnostics) when given.
std::string entry_json(EntryKind kind, std::string_view id, const boost::json::object& entry,
                       const std::vector<Diagnostic>* warnings = nullptr);
// The singular name of a kind: "provider", "rotation", "autoselect".
std::string_view entry_kind_name(EntryKind kind);

// 400 for a candidate configuration with errors: the OpenAI error envelope
// (code "invalid_config", param the first error's JSON path) plus
// "diagnostics": [{"severity", "file", "path", "message"}].
std::string invalid_config_json(const std::vector<Diagnostic>& diagnostics);

// The warnings of a load as formatted lines.
boost::json::array warning_lines(const std::vector<Diagnostic>& diagnostics);

}  // namespace aisbf::api

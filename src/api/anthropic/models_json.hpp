// The Anthropic shape of the model routes (PROTOCOLS.md §2.8):
// `GET /v1/models` → {"data":[{"type":"model","id","display_name","created_at"}],
// "has_more":false,"first_id","last_id"} and `GET /v1/models/{id}` → one entry.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aisbf::api {

// Models carry no creation date in the configuration: this fixed RFC 3339
// value stands in unless the caller has a better one.
inline constexpr std::string_view kAnthropicDefaultCreatedAt = "1970-01-01T00:00:00Z";

// (id, display name) pairs, an empty display name standing for the id. The
// whole list is one page (`has_more` false); first_id/last_id are null when
// the list is empty.
std::string anthropic_models_list_json(const std::vector<std::pair<std::string, std::string>>& models,
                                       std::string_view created_at = kAnthropicDefaultCreatedAt);

// One model object.
std::string anthropic_model_json(std::string_view id, std::string_view display_name,
                                 std::string_view created_at = kAnthropicDefaultCreatedAt);

}  // namespace aisbf::api

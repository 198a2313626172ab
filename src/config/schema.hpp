// The keys AISBF documents or uses for each object of its config files,
// with the JSON kinds each may take. Derived from AISBF's sample files
// (0.9.4 and 0.99.83), its pydantic models, config.hpp, and our additions
// (`timeouts`, the server limits). Internal to src/config/.
#pragma once

#include "config/json_reader.hpp"

namespace aisbf::config_detail {

// aisbf.json
const Schema& aisbf_schema();  // top level: sections
const Schema& server_schema();
const Schema& auth_schema();
const Schema& mcp_schema();
const Schema& dashboard_schema();
const Schema& adaptive_schema();  // adaptive_rate_limiting
const Schema& routing_schema();   // routing (our addition)
const Schema& database_schema();  // database (read by store/database_settings.hpp)
const Schema& responses_store_schema();  // responses (our addition: stored OpenAI Responses)
const Schema& request_splitting_schema();  // feature_controls.request_splitting (our addition)
const Schema& response_cache_schema();     // response_cache (AISBF's, plus ours)
const Schema& autoselect_defaults_schema();  // autoselect (our addition)
const Schema& tor_schema();                  // tor (AISBF's)
const Schema& media_schema();                // media (our addition: the content proxy)

// providers.json
const Schema& providers_file_schema();
const Schema& condensation_schema();
const Schema& provider_schema();
const Schema& model_schema();  // a model of a provider
const Schema& timeouts_schema();

// rotations.json
const Schema& rotations_file_schema();
const Schema& rotation_schema();
const Schema& rotation_provider_schema();
const Schema& rotation_model_schema();

// autoselect.json
const Schema& autoselect_schema();
const Schema& autoselect_model_schema();
const Schema& semantic_selection_schema();  // an autoselect's `semantic` (our addition)

}  // namespace aisbf::config_detail

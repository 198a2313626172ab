// aisbf.json `responses` (our addition, issue 14; docs/config.md): how long
// the OpenAI Responses answers aisbf serves are kept (previous_response_id,
// GET /v1/responses/{id}) and how many at most. Checked when the file is
// loaded (load_responses_store.cpp); read from Config::aisbf where used, as
// condensation_mode() is, so the snapshot's type does not grow for it.
#pragma once

#include <chrono>
#include <cstdint>

#include "config/config.hpp"

namespace aisbf {

struct ResponsesStoreConfig {
  std::chrono::seconds ttl{30 * 24 * 3600};  // `store_ttl_seconds`: 30 days, as OpenAI keeps them
  std::uint64_t max_stored = 100'000;        // `max_stored`, per namespace: past it its oldest rows go
};

// The snapshot's settings (defaults for what it does not set; a loaded
// snapshot's values are in range).
ResponsesStoreConfig responses_store_config(const Config& config);

}  // namespace aisbf

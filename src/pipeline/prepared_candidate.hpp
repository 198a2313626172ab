// A rotation or direct candidate made concrete: the provider adapter, the
// parsed endpoint, the flat UpstreamTarget the codecs read, the auth headers
// and the passthrough paths. All are pure functions of the candidate, so a
// routing table's candidates are prepared once, per worker thread.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>

#include "core/expected.hpp"
#include "core/provider_adapter.hpp"
#include "http/endpoint.hpp"
#include "routing/rotation.hpp"

namespace aisbf {

struct PreparedCandidate {
  const ProviderAdapter* adapter = nullptr;
  std::shared_ptr<const http::Endpoint> endpoint;
  UpstreamTarget target;
  HeaderList auth_headers;                      // adapter->auth_headers(target)
  std::array<std::string, 2> passthrough_path;  // endpoint path + chat_path(target, stream), by `stream`
};

// Errors: an unsupported provider type (501), an endpoint that is no URL.
Expected<PreparedCandidate> prepare_candidate(const routing::Candidate& candidate);

// The preparation of a candidate of `table`, kept for as long as the table
// lives; null when it cannot be prepared (prepare_candidate says why). The
// pointer stays valid while the caller holds `table`. This thread's cache.
const PreparedCandidate* cached_preparation(const std::shared_ptr<const routing::RoutingTable>& table,
                                            const routing::Candidate& candidate);

// An attempt's preparation of `candidate`: the table's cached one when it is
// one of `table`'s own (`in_table`), else made into `own` (which must
// outlive the use). The error: it cannot be prepared (prepare_candidate).
Expected<const PreparedCandidate*> prepare_for_attempt(const std::shared_ptr<const routing::RoutingTable>& table,
                                                       const routing::Candidate& candidate, bool in_table,
                                                       std::optional<PreparedCandidate>& own);

}  // namespace aisbf

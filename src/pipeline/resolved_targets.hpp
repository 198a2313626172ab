// What a resolved model is served by, for the operations that resolve like
// a chat but are not one (embeddings, audio, image uploads): a rotation's
// plan, or one candidate. A user's own target switches the request to
// their view's table first (serve_from_user_view), and a rotation is noted
// on the usage tap.
#pragma once

#include <optional>
#include <span>

#include "core/gateway_error.hpp"
#include "pipeline/request_context.hpp"
#include "routing/resolve.hpp"
#include "routing/rotation.hpp"

namespace aisbf {

struct ResolvedTargets {
  ResolvedTargets() = default;
  ResolvedTargets(const ResolvedTargets&) = delete;  // `direct` may point at `scratch`
  ResolvedTargets& operator=(const ResolvedTargets&) = delete;

  const routing::RotationPlan* plan = nullptr;  // a rotation's, in ctx.routes
  const routing::Candidate* direct = nullptr;   // else its one candidate
  bool listed = false;                          // direct is the table's own (a model the provider lists)
  std::optional<routing::Candidate> scratch;    // else built for this request

  // The candidates a quota's reservation is priced at.
  std::span<const routing::Candidate> candidates() const {
    if (plan != nullptr) return plan->candidates;
    return {direct, 1};
  }
};

// Fills `out` for `resolved` (not an autoselect); the error a request
// gets when its rotation is missing from the table (a bug: said, not crashed on).
std::optional<GatewayError> resolve_targets(RequestContext& ctx, const routing::Resolution& resolved,
                                            ResolvedTargets& out);

}  // namespace aisbf

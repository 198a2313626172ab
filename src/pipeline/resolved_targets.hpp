// What a resolved model is served by, for the operations that resolve like
// a chat but are not one (embeddings, audio, image uploads): a rotation's
// plan, or one candidate. A user's own target switches the request to
// their view's table first (serve_from_user_view), and a rotation is noted
// on the usage tap.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/gateway_error.hpp"
#include "pipeline/attempt_report.hpp"
#include "pipeline/request_context.hpp"
#include "routing/resolve.hpp"
#include "routing/rotation.hpp"
#include "routing/selector.hpp"

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

// A rotation's candidates split by whether the operation can use them at
// all (`cannot`: why not, or nullopt), for a route that serves only some
// provider types: the mask next_available takes, and each one's reason.
struct CapableCandidates {
  std::vector<char> able;                           // 1: may serve
  std::vector<std::optional<std::string>> why_not;  // the reason of each that may not
  // When none may serve (and there is one at least): the first one's reason.
  const std::string* none_can() const;
};
CapableCandidates capable_candidates(
    const routing::RotationPlan& plan,
    const std::function<std::optional<std::string>(const routing::Candidate&)>& cannot);

// Why the candidates a rotation did not try were not, added to `records`
// (for all_candidates_failed): one the operation cannot use, its reason;
// another, what makes it unavailable now (health, cool-down, limits).
void note_untried(RequestContext& ctx, const routing::RotationPlan& plan, const routing::AttemptPlanner& planner,
                  const CapableCandidates& capable, std::vector<AttemptRecord>& records);

}  // namespace aisbf

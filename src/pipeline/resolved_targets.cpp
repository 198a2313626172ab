#include "pipeline/resolved_targets.hpp"

#include <algorithm>
#include <chrono>

#include "pipeline/target_gate.hpp"
#include "pipeline/user_views.hpp"

namespace aisbf {

std::optional<GatewayError> resolve_targets(RequestContext& ctx, const routing::Resolution& resolved,
                                            ResolvedTargets& out) {
  if (resolved.in_user_view) serve_from_user_view(ctx);  // a user's own target: their view's table
  if (resolved.rotation != nullptr) {
    out.plan = ctx.routes->rotation(resolved.rotation->id);
    if (out.plan == nullptr) return make_error(ErrorKind::internal, "rotation table out of date");
    ctx.usage.rotation = out.plan->rotation->id;
    return std::nullopt;
  }
  out.direct = &ctx.routes->direct(resolved.target, out.scratch);
  out.listed = !out.scratch.has_value();
  return std::nullopt;
}

const std::string* CapableCandidates::none_can() const {
  if (able.empty() || std::find(able.begin(), able.end(), 1) != able.end()) return nullptr;
  return &*why_not.front();
}

CapableCandidates capable_candidates(
    const routing::RotationPlan& plan,
    const std::function<std::optional<std::string>(const routing::Candidate&)>& cannot) {
  CapableCandidates out;
  out.able.reserve(plan.candidates.size());
  out.why_not.reserve(plan.candidates.size());
  for (const auto& c : plan.candidates) {
    out.why_not.push_back(cannot(c));
    out.able.push_back(out.why_not.back() ? 0 : 1);
  }
  return out;
}

void note_untried(RequestContext& ctx, const routing::RotationPlan& plan, const routing::AttemptPlanner& planner,
                  const CapableCandidates& capable, std::vector<AttemptRecord>& records) {
  const auto now = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < plan.candidates.size(); ++i) {
    if (planner.tries(i) > 0) continue;
    const auto& c = plan.candidates[i];
    if (capable.why_not[i]) {
      records.push_back({c.key, true, false, 0, *capable.why_not[i], {}});
    } else if (auto reason = unavailable_reason(*ctx.state, *ctx.config, c, true, now)) {
      records.push_back(std::move(*reason));
    }
  }
}

}  // namespace aisbf

#include "pipeline/resolved_targets.hpp"

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

}  // namespace aisbf

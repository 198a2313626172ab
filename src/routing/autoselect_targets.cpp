#include "routing/autoselect_targets.hpp"

#include <algorithm>
#include <span>

#include "routing/rotation.hpp"

namespace aisbf::routing {

namespace {

// The candidates a resolved model id is served by: a rotation's, or the one
// provider model (built into `scratch` when the provider does not list it).
std::span<const Candidate> served_by(const RoutingTable& routes, const RoutingTable* user_routes,
                                     const Resolution& r, std::optional<Candidate>& scratch) {
  const RoutingTable& table = r.in_user_view && user_routes != nullptr ? *user_routes : routes;
  if (r.rotation != nullptr) {
    const RotationPlan* plan = table.rotation(r.rotation->id);
    return plan != nullptr ? std::span<const Candidate>(plan->candidates) : std::span<const Candidate>{};
  }
  return {&table.direct(r.target, scratch), 1};
}

// The autoselect's id `id` resolved and measured into `out`; its prices
// raise `prices`.
void resolve_one(const RoutingTable& routes, const RoutingTable* user_routes, const Namespace& ns,
                 std::string_view id, AutoselectTarget& out, std::optional<ModelPrices>& prices) {
  out.target = autoselect_target_id(routes.config(), ns, id);
  if (!out.target) return;
  auto r = resolve_chat(routes.config(), ns, {}, *out.target);
  if (!r || r->autoselect != nullptr) return;
  std::optional<Candidate> scratch;
  const std::span<const Candidate> models = served_by(routes, user_routes, *r, scratch);
  auto any = [&](const RequestNeeds& needs) {
    return std::any_of(models.begin(), models.end(), [&](const Candidate& c) { return can_serve(c, needs); });
  };
  out.serves = any({});
  out.images = any({.images = true});
  out.tools = any({.tools = true});
  for (const Candidate& c : models) raise_prices(prices, c.prices);
  if (out.serves) out.resolved = std::move(*r);
}

}  // namespace

std::optional<ModelPrices> target_prices(const RoutingTable& routes, const RoutingTable* user_routes,
                                         const Namespace& ns, std::string_view id) {
  std::optional<ModelPrices> prices;
  AutoselectTarget scratch;
  resolve_one(routes, user_routes, ns, id, scratch, prices);
  return prices;
}

AutoselectTargets resolve_autoselect_targets(const RoutingTable& routes, const RoutingTable* user_routes,
                                             const Namespace& ns, const AutoselectConfig& autoselect) {
  AutoselectTargets out;
  out.autoselect = &autoselect;
  out.candidates.resize(autoselect.candidates.size());
  for (std::size_t i = 0; i < autoselect.candidates.size(); ++i) {
    resolve_one(routes, user_routes, ns, autoselect.candidates[i].model_id, out.candidates[i], out.highest_prices);
  }
  AutoselectTarget fallback;
  resolve_one(routes, user_routes, ns, autoselect.fallback, fallback, out.highest_prices);
  return out;
}

}  // namespace aisbf::routing

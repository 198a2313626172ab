// What an autoselect's candidates and fallback resolve to: the model id each
// is served as, whether it can serve a request (plain, with images, with
// tools), and the dearest prices among them. The RoutingTable works this
// out once per snapshot for the global namespace, so that a request (a
// cached decision above all, which asks nobody) does not resolve every
// candidate again; a user's namespace, whose view can change what an id
// names, resolves per request with the same function.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "routing/pricing.hpp"
#include "routing/resolve.hpp"

namespace aisbf::routing {

class RoutingTable;

struct AutoselectTarget {
  std::optional<std::string> target;  // autoselect_target_id; nullopt: names nothing
  std::optional<Resolution> resolved; // `target` resolved, when it serves: a choice is served without resolving it again
  bool serves = false;                // it resolves to a rotation or provider model (not an autoselect)
  bool images = false;                // one of its models can take images (or does not declare capabilities)
  bool tools = false;                 // … tools
};

struct AutoselectTargets {
  const AutoselectConfig* autoselect = nullptr;  // the entry these are of
  std::vector<AutoselectTarget> candidates;      // in `candidates` order
  std::optional<ModelPrices> highest_prices;     // over the candidates and the fallback
};

// `routes` is where the ids resolve (the global table, whose config() holds
// them); `user_routes` the table of the namespace's view (null in the global
// namespace), which serves what resolves `in_user_view`.
AutoselectTargets resolve_autoselect_targets(const RoutingTable& routes, const RoutingTable* user_routes,
                                             const Namespace& ns, const AutoselectConfig& autoselect);

// The dearest prices among the models the target `id` (a rotation id or
// `provider/model`, as an autoselect names its selection model) is served
// by; nullopt when it names none or none is priced.
std::optional<ModelPrices> target_prices(const RoutingTable& routes, const RoutingTable* user_routes,
                                         const Namespace& ns, std::string_view id);

}  // namespace aisbf::routing

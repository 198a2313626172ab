// Rotations and direct targets as concrete candidates, with every setting
// resolved once per configuration snapshot (not per request).
//
// Settings cascade, most specific first: rotation model entry > rotation
// `default_*` > provider model > provider `default_*` > built-in defaults.
// Rotation formats (both AISBF's):
//  - full: `{"provider_id": "openai", "models": [{"name": "gpt-4o", "weight": 3, …}]}`
//    — each model's `weight` is its share of the rotation's traffic (default 1);
//  - simple: `{"provider_id": "openai", "weight": 2}` — the provider's own
//    models from providers.json share the entry's weight equally.
// A weight of 0 makes a backup: tried only when no weighted candidate is left.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "context/condense.hpp"
#include "core/string_map.hpp"
#include "limits/clock.hpp"
#include "limits/token_windows.hpp"
#include "routing/autoselect_targets.hpp"
#include "routing/bm25.hpp"
#include "routing/content_class.hpp"
#include "routing/pricing.hpp"
#include "routing/resolve.hpp"

namespace aisbf::routing {

// One place a request can go: a provider model with its settings resolved.
struct Candidate {
  const ProviderConfig* provider = nullptr;
  const ModelConfig* model = nullptr;  // the provider's entry, null when the provider lists no such model
  std::string upstream_model;          // the name the upstream knows
  std::string api_key;                 // non-empty: the rotation entry's key replaces the provider's
  std::string key;                     // "provider/model": the health and limits key
  double weight = 1;                   // share of the rotation's traffic
  limits::Duration provider_spacing{};  // provider `rate_limit`
  limits::Duration model_spacing{};     // cascaded model `rate_limit`
  limits::TokenLimits tokens;           // cascaded rate_limit_TPM/TPH/TPD
  std::optional<std::int64_t> max_request_tokens, context_size;
  limits::Duration model_cooldown{};    // cascaded `error_cooldown`, else the provider's, else routing's default
  limits::Duration provider_cooldown{}; // provider `default_error_cooldown`, else routing's default
  Timeouts timeouts;
  std::vector<std::string> capabilities;  // empty: not declared (anything goes)
  std::optional<ModelPrices> prices;      // cascaded `pricing`; nullopt: unpriced (usage records a null cost)
  // Cascaded condensation: at condense_context % of context_size, these
  // methods in order. Unset or no methods: the request is never condensed.
  std::optional<std::int64_t> condense_context;
  std::vector<context::CondenseMethod> condense_methods;
};

// What a request needs from a model, when the model declares capabilities.
struct RequestNeeds {
  bool tools = false;   // needs "function_calling" (or "tools", "tool_use")
  bool images = false;  // needs "vision" (or "multimodal", "image_input")
};
bool can_serve(const Candidate& candidate, const RequestNeeds& needs);

struct RotationPlan {
  const RotationConfig* rotation = nullptr;
  std::vector<Candidate> candidates;  // in file order
  int max_attempts = 5;
  int max_attempts_per_model = 2;
  bool notifyerrors = false;
};

class RoutingTable {
 public:
  // Keeps the snapshot alive; candidates point into it.
  explicit RoutingTable(std::shared_ptr<const Config> config);

  const Config& config() const { return *config_; }
  const std::shared_ptr<const Config>& config_ptr() const { return config_; }

  // nullptr when no such rotation.
  const RotationPlan* rotation(std::string_view id) const;
  // The candidate for a resolved provider target. Precomputed for models the
  // provider lists; otherwise built into `scratch` and returned from there.
  const Candidate& direct(const ProviderTarget& target, std::optional<Candidate>& scratch) const;

  // Rotation entries that could not become candidates (unknown provider, a
  // simple-format provider that lists no models), for the log.
  const std::vector<std::string>& warnings() const { return warnings_; }

  // Numbers the tables this process made: what a cache of decisions made
  // on this snapshot keys on (autoselect's), so a reload never reuses one.
  std::uint64_t generation() const { return generation_; }
  // BM25 over an autoselect's candidates' descriptions, in candidate
  // order; null when the snapshot has no such autoselect.
  const Bm25Index* autoselect_index(std::string_view id) const;
  // An autoselect's candidates and fallback resolved in the global
  // namespace (autoselect_targets.hpp); null when `autoselect` is not this
  // snapshot's own entry (a user's, or another snapshot's).
  const AutoselectTargets* autoselect_targets(const AutoselectConfig& autoselect) const;
  // The NSFW word list: aisbf.json `autoselect.nsfw_words` and the built-in terms.
  const NsfwWordList& nsfw_words() const { return *nsfw_words_; }

 private:
  void add_rotation(const RotationConfig& rotation);

  std::shared_ptr<const Config> config_;
  StringMap<RotationPlan> rotations_;  // looked up by string_view
  std::unordered_map<const ModelConfig*, Candidate> listed_;
  std::vector<std::string> warnings_;
  std::uint64_t generation_ = 0;
  StringMap<Bm25Index> autoselect_indices_;
  StringMap<AutoselectTargets> autoselect_targets_;
  std::unique_ptr<NsfwWordList> nsfw_words_;
};

// The candidate for one provider model, outside any rotation.
Candidate make_candidate(const Config& config, const ProviderConfig& provider, const ModelConfig* model,
                         std::string upstream_model);

}  // namespace aisbf::routing

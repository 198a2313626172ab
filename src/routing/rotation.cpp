// Rotations and direct targets resolved into candidates once per snapshot.
#include "routing/rotation.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cmath>
#include <initializer_list>

#include <fmt/format.h>

#include "config/condensation.hpp"
#include "routing/condense_defaults.hpp"

namespace aisbf::routing {

namespace {

// The layers of the settings cascade, most specific first; a null layer is
// absent (no rotation around a direct target, no model entry, …).
struct Layers {
  std::array<const ModelLimits*, 4> in_order{};
};

template <class T>
std::optional<T> first(const Layers& layers, std::optional<T> ModelLimits::*field) {
  for (const ModelLimits* layer : layers.in_order) {
    if (layer != nullptr && layer->*field) return layer->*field;
  }
  return std::nullopt;
}

// A token count of 0 is written to lift a limit set further down the
// cascade (AISBF treats a falsy limit as none); it stops the cascade and
// means "no limit", not "nothing may pass".
std::optional<std::int64_t> first_positive(const Layers& layers, std::optional<std::int64_t> ModelLimits::*field) {
  auto v = first(layers, field);
  if (v && *v <= 0) return std::nullopt;
  return v;
}

// Same rounding as the config's own timeouts: whole milliseconds, at least 1.
std::chrono::milliseconds to_ms(double seconds) {
  constexpr double kMaxSeconds = 1e9;
  double ms = std::max(1.0, std::round(std::min(seconds, kMaxSeconds) * 1000.0));
  return std::chrono::milliseconds{static_cast<std::int64_t>(ms)};
}

void override_timeouts(Timeouts& out, const TimeoutSettings& entry) {
  auto apply = [](std::chrono::milliseconds& field, const std::optional<double>& v) {
    if (v && *v > 0) field = to_ms(*v);
  };
  apply(out.connect, entry.connect);
  apply(out.first_byte, entry.first_byte);
  apply(out.idle, entry.idle);
  apply(out.total, entry.total);
}

// A weight that is negative or not a number would break the draw; it
// counts as 0 (a backup).
double sane_weight(double w) { return w > 0 && std::isfinite(w) ? w : 0.0; }

// condense_context / condense_method after the four layers (`percent`,
// `methods`: the first layer's that sets each). 0 % or an empty list is
// written to turn condensation off, and stops the cascade.
void cascade_condensation(CondensationMode mode, std::optional<std::int64_t> percent,
                          const std::optional<std::vector<std::string>>& methods, Candidate& c) {
  if (mode == CondensationMode::disabled) return;
  if (!percent && (methods || mode == CondensationMode::enabled)) percent = kDefaultCondensePercent;
  if (!percent || *percent <= 0) return;
  std::vector<context::CondenseMethod> out;
  if (!methods) {
    out.assign(kDefaultCondenseMethods.begin(), kDefaultCondenseMethods.end());
  } else {
    for (const std::string& name : *methods) {
      if (auto m = context::condense_method_from_name(name)) out.push_back(*m);  // the loader refused others
    }
  }
  if (out.empty()) return;
  c.condense_context = percent;
  c.condense_methods = std::move(out);
}

struct Placement {
  const RotationModel* entry = nullptr;  // the rotation's model entry (full format)
  const ModelLimits* rotation_defaults = nullptr;
};

Candidate build(const Config& config, const ProviderConfig& provider, const ModelConfig* model,
                std::string upstream_model, const Placement& at) {
  Layers layers{{at.entry ? &at.entry->limits : nullptr, at.rotation_defaults, model ? &model->limits : nullptr,
                 &provider.defaults}};
  const double routing_cooldown = config.routing.default_error_cooldown;

  Candidate c;
  c.provider = &provider;
  c.model = model;
  c.key = provider.id + "/" + upstream_model;
  c.upstream_model = std::move(upstream_model);
  c.provider_spacing = limits::seconds(provider.rate_limit);
  c.model_spacing = limits::seconds(first(layers, &ModelLimits::rate_limit).value_or(0));
  c.tokens.per_minute = first_positive(layers, &ModelLimits::rate_limit_tpm);
  c.tokens.per_hour = first_positive(layers, &ModelLimits::rate_limit_tph);
  c.tokens.per_day = first_positive(layers, &ModelLimits::rate_limit_tpd);
  c.max_request_tokens = first_positive(layers, &ModelLimits::max_request_tokens);
  c.context_size = first_positive(layers, &ModelLimits::context_size);
  c.model_cooldown = limits::seconds(first(layers, &ModelLimits::error_cooldown).value_or(routing_cooldown));
  c.provider_cooldown = limits::seconds(provider.defaults.error_cooldown.value_or(routing_cooldown));
  c.timeouts = effective_timeouts(provider, model);
  if (at.entry) override_timeouts(c.timeouts, at.entry->timeouts);
  if (at.entry && !at.entry->capabilities.empty()) {
    c.capabilities = at.entry->capabilities;
  } else if (model) {
    c.capabilities = model->capabilities;
  }
  cascade_condensation(condensation_mode(config), first(layers, &ModelLimits::condense_context),
                       first(layers, &ModelLimits::condense_method), c);
  c.prices = cascade(at.entry ? prices_of(at.entry->raw) : std::nullopt, model ? prices_of(model->raw) : std::nullopt);
  return c;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool declares_any(const std::vector<std::string>& capabilities, std::initializer_list<std::string_view> names) {
  return std::any_of(capabilities.begin(), capabilities.end(), [&](const std::string& cap) {
    return std::any_of(names.begin(), names.end(), [&](std::string_view n) { return equals_ignoring_case(cap, n); });
  });
}

}  // namespace

bool can_serve(const Candidate& candidate, const RequestNeeds& needs) {
  const auto& caps = candidate.capabilities;
  if (caps.empty()) return true;
  if (needs.tools && !declares_any(caps, {"function_calling", "tools", "tool_use"})) return false;
  if (needs.images && !declares_any(caps, {"vision", "multimodal", "image_input"})) return false;
  return true;
}

Candidate make_candidate(const Config& config, const ProviderConfig& provider, const ModelConfig* model,
                         std::string upstream_model) {
  return build(config, provider, model, std::move(upstream_model), Placement{});
}

namespace {
std::atomic<std::uint64_t> g_generations{0};
}  // namespace

RoutingTable::RoutingTable(std::shared_ptr<const Config> config)
    : config_(std::move(config)), generation_(g_generations.fetch_add(1, std::memory_order_relaxed) + 1) {
  for (const ProviderConfig& provider : config_->providers) {
    for (const ModelConfig& model : provider.models) {
      listed_.emplace(&model, make_candidate(*config_, provider, &model, model.name));
    }
  }
  for (const RotationConfig& rotation : config_->rotations) add_rotation(rotation);
  nsfw_words_ = std::make_unique<NsfwWordList>(config_->autoselect_defaults.nsfw_words);
  for (const AutoselectConfig& a : config_->autoselects) {
    std::vector<std::string> descriptions;
    descriptions.reserve(a.candidates.size());
    for (const auto& c : a.candidates) descriptions.push_back(c.description);
    autoselect_indices_.emplace(a.id, Bm25Index(descriptions));
    // After the rotations and listed models: resolving reads them.
    autoselect_targets_.emplace(a.id, resolve_autoselect_targets(*this, nullptr, {}, a));
  }
}

const Bm25Index* RoutingTable::autoselect_index(std::string_view id) const {
  auto it = autoselect_indices_.find(id);
  return it == autoselect_indices_.end() ? nullptr : &it->second;
}

const AutoselectTargets* RoutingTable::autoselect_targets(const AutoselectConfig& autoselect) const {
  auto it = autoselect_targets_.find(autoselect.id);
  return it != autoselect_targets_.end() && it->second.autoselect == &autoselect ? &it->second : nullptr;
}

void RoutingTable::add_rotation(const RotationConfig& rotation) {
  const Config& config = *config_;
  RotationPlan plan;
  plan.rotation = &rotation;
  plan.max_attempts = rotation.max_attempts.value_or(config.routing.max_attempts);
  plan.max_attempts_per_model = config.routing.max_attempts_per_model;
  plan.notifyerrors = rotation.notifyerrors;

  for (std::size_t i = 0; i < rotation.providers.size(); ++i) {
    const RotationProvider& entry = rotation.providers[i];
    auto skip = [&](std::string_view why) {
      warnings_.push_back(fmt::format("rotation '{}' providers[{}] (provider '{}'): {}; entry skipped", rotation.id, i,
                                      entry.provider_id, why));
    };
    const ProviderConfig* provider = config.find_provider(entry.provider_id);
    if (provider == nullptr) {
      skip("no such provider in providers.json");
      continue;
    }
    if (entry.models.empty() && provider->models.empty()) {
      skip("the entry names no models and the provider lists none");
      continue;
    }
    auto add = [&](const ModelConfig* model, std::string name, const RotationModel* at, double weight) {
      Candidate c = build(config, *provider, model, std::move(name), Placement{at, &rotation.defaults});
      c.api_key = entry.api_key;
      c.weight = sane_weight(weight);
      plan.candidates.push_back(std::move(c));
    };
    if (!entry.models.empty()) {  // full format: each model carries its own share
      for (const RotationModel& m : entry.models) add(provider->find_model(m.name), m.name, &m, m.weight);
    } else {  // simple format: the provider's models split the entry's share
      const double each = entry.weight.value_or(1.0) / static_cast<double>(provider->models.size());
      for (const ModelConfig& m : provider->models) add(&m, m.name, nullptr, each);
    }
  }
  rotations_.emplace(rotation.id, std::move(plan));
}

const RotationPlan* RoutingTable::rotation(std::string_view id) const {
  auto it = rotations_.find(id);
  return it == rotations_.end() ? nullptr : &it->second;
}

const Candidate& RoutingTable::direct(const ProviderTarget& target, std::optional<Candidate>& scratch) const {
  if (target.model != nullptr) {
    if (auto it = listed_.find(target.model); it != listed_.end()) return it->second;
  }
  scratch.emplace(make_candidate(*config_, *target.provider, target.model, target.upstream_model));
  return *scratch;
}

}  // namespace aisbf::routing

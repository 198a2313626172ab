// Checks that span files: ids valid as route segments, ids unique across
// kinds, rotations naming known providers, autoselects naming rotations,
// providers or provider models (fallback, selection and classifier models,
// candidates).
#include <unordered_set>

#include <fmt/format.h>

#include "config/autoselect.hpp"
#include "config/load_internal.hpp"

namespace aisbf::config_detail {

namespace {

using IdSet = std::unordered_set<std::string_view>;

bool has_space_or_control(std::string_view id) {
  for (char c : id) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return true;
  }
  return false;
}

void check_rotation_providers(const RotationConfig& rotation, const IdSet& providers, DiagSink& sink) {
  const json::array* entries = get_array(rotation.raw, "providers");
  if (entries == nullptr) return;
  const std::string path = key_path(key_path("rotations", rotation.id), "providers");
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const json::object* entry = (*entries)[i].if_object();
    if (entry == nullptr) continue;
    std::optional<std::string> provider_id = get_string(*entry, "provider_id");
    if (!provider_id || provider_id->empty() || providers.count(*provider_id) != 0) continue;
    sink.error(key_path(index_path(path, i), "provider_id"),
               fmt::format("unknown provider {}", json_quoted(*provider_id)));
  }
}

// An entry that gives the rotation no candidate loads (it is skipped), but
// say so. (A model the provider does not list is sent as named, like a
// provider without a models list would.)
void check_rotation_models(const RotationConfig& rotation, const Config& config, DiagSink& sink) {
  const std::string path = key_path(key_path("rotations", rotation.id), "providers");
  for (std::size_t i = 0; i < rotation.providers.size(); ++i) {
    const RotationProvider& entry = rotation.providers[i];
    const ProviderConfig* provider = config.find_provider(entry.provider_id);
    if (provider == nullptr) continue;  // reported above
    if (entry.models.empty() && provider->models.empty()) {
      sink.warning(index_path(path, i),
                   fmt::format("no models here and provider {} lists none: the entry has no candidates",
                               json_quoted(provider->id)));
      continue;
    }
  }
}

// What a model id of autoselect.json names. Served like any model id: a
// rotation, a provider (its first model) or `provider/model` (a model the
// provider does not list is sent as named, as in rotations).
struct TargetSets {
  const IdSet& providers;
  const IdSet& rotations;
  const IdSet& autoselects;
};

// Empty when `id` names something servable; else why not.
std::string target_problem(std::string_view id, const TargetSets& sets) {
  if (sets.rotations.count(id) != 0 || sets.providers.count(id) != 0) return {};
  const auto slash = id.find('/');
  if (slash != std::string_view::npos && slash > 0 && slash + 1 < id.size()) {
    if (sets.providers.count(id.substr(0, slash)) != 0) return {};
    return fmt::format("unknown provider {} in {}", json_quoted(id.substr(0, slash)), json_quoted(id));
  }
  if (sets.autoselects.count(id) != 0) {
    return fmt::format(
        "{} is an autoselect, and autoselects do not nest: name a rotation, a provider or "
        "\"provider/model\"",
        json_quoted(id));
  }
  return fmt::format("unknown rotation, provider or \"provider/model\" {}", json_quoted(id));
}

void warn_target(std::string_view id, const std::string& path, const TargetSets& sets, DiagSink& sink,
                 std::string_view note = {}) {
  if (id.empty()) return;
  std::string problem = target_problem(id, sets);
  if (!problem.empty()) sink.warning(path, problem + std::string(note));
}

void check_autoselect_refs(const AutoselectConfig& autoselect, const Config& config, const TargetSets& sets,
                           DiagSink& sink) {
  const std::string path = key_path("", autoselect.id);
  warn_target(autoselect.fallback, key_path(path, "fallback"), sets, sink);
  const EffectiveAutoselect effective = effective_autoselect(autoselect, config.autoselect_defaults);
  if (effective.mode == SelectionMode::model) {
    const bool written = autoselect.raw.if_contains("selection_model") != nullptr;
    warn_target(autoselect.selection_model, key_path(path, "selection_model"), sets, sink,
                written ? "" : " (AISBF's default when selection_model is not set)");
  }
  if (autoselect.semantic.selection_model != kSemanticSelection) {  // that one is the loader's error
    warn_target(autoselect.semantic.selection_model, key_path(key_path(path, "semantic"), "selection_model"), sets,
                sink);
  }
  warn_target(autoselect.classify_nsfw_model, key_path(path, "classify_nsfw_model"), sets, sink);
  const std::string& embeddings = autoselect.semantic.embeddings_model;
  const auto slash = embeddings.find('/');
  if (slash != std::string::npos && sets.providers.count(std::string_view(embeddings).substr(0, slash)) == 0) {
    sink.warning(
        key_path(key_path(path, "semantic"), "embeddings_model"),
        fmt::format("unknown provider {} in {}", json_quoted(embeddings.substr(0, slash)), json_quoted(embeddings)));
  }
  // Paths follow the file: a candidate's index is its place in available_models.
  const json::array* models = get_array(autoselect.raw, "available_models");
  if (models == nullptr) return;
  const std::string models_path = key_path(path, "available_models");
  for (std::size_t i = 0; i < models->size(); ++i) {
    const json::object* model = (*models)[i].if_object();
    std::optional<std::string> model_id = model ? get_string(*model, "model_id") : std::nullopt;
    if (!model_id || model_id->empty()) continue;
    warn_target(*model_id, key_path(index_path(models_path, i), "model_id"), sets, sink);
  }
}

void report_collision(std::string_view id, const std::string& path, const char* other_kind, DiagSink& sink) {
  sink.error(path, fmt::format("id {} is also used by a {}; ids must be unique across providers, rotations and "
                               "autoselects",
                               json_quoted(id), other_kind));
}

}  // namespace

bool check_id(IdKind kind, std::string_view id, const std::string& path, const LoadContext& ctx, DiagSink& sink) {
  if (id.empty()) {
    sink.error(path, "id must not be empty");
    return false;
  }
  if (id.find('/') != std::string_view::npos) {
    sink.error(path, fmt::format("id {} must not contain \"/\"", json_quoted(id)));
    return false;
  }
  if (has_space_or_control(id)) {
    sink.error(path, fmt::format("id {} must not contain spaces or control characters", json_quoted(id)));
    return false;
  }
  if (!is_reserved_route_word(id, ctx.reserved_words)) return true;
  if (kind == IdKind::autoselect && id == "autoselect") {
    sink.warning(path,
                 "id \"autoselect\" is a reserved route word, accepted because AISBF ships it; clients reach it as "
                 "model \"autoselect/autoselect\" or via /api/autoselect/autoselect");
    return true;
  }
  sink.error(path, fmt::format("id {} is a reserved route word", json_quoted(id)));
  return false;
}

void cross_check(const Config& config, const IdFileSinks& sinks) {
  IdSet providers;
  for (const auto& provider : config.providers) providers.insert(provider.id);
  IdSet rotations;
  for (const auto& rotation : config.rotations) {
    rotations.insert(rotation.id);
    const std::string path = key_path("rotations", rotation.id);
    if (providers.count(rotation.id) != 0) report_collision(rotation.id, path, "provider", *sinks.rotations);
    check_rotation_providers(rotation, providers, *sinks.rotations);
    check_rotation_models(rotation, config, *sinks.rotations);
  }
  IdSet autoselects;
  for (const auto& autoselect : config.autoselects) autoselects.insert(autoselect.id);
  const TargetSets sets{providers, rotations, autoselects};
  for (const auto& autoselect : config.autoselects) {
    const std::string path = key_path("", autoselect.id);
    if (providers.count(autoselect.id) != 0) report_collision(autoselect.id, path, "provider", *sinks.autoselect);
    if (rotations.count(autoselect.id) != 0) report_collision(autoselect.id, path, "rotation", *sinks.autoselect);
    check_autoselect_refs(autoselect, config, sets, *sinks.autoselect);
  }
}

}  // namespace aisbf::config_detail

// autoselect.json: {id: {model_name, description, selection_model, fallback,
// available_models: [{model_id, description, nsfw, privacy}], capabilities,
// classify_*, ...}} (AISBF's shape) plus our selection_timeout, cache_ttl,
// classify_window, classify_nsfw_model and semantic; and aisbf.json's
// defaults for them (load_autoselect_defaults). References to providers and
// rotations are checked once every file is loaded (cross_checks.cpp).
#include <unordered_set>

#include <fmt/format.h>

#include "config/load_internal.hpp"
#include "config/schema.hpp"

namespace aisbf::config_detail {

namespace {

// Bounds shared by an autoselect entry and aisbf.json's defaults.
constexpr Range kTimeoutRange{0, true, 3600.0};            // seconds, > 0
constexpr Range kCacheTtlRange{0, false, 30.0 * 86400.0};  // seconds; 0: never cached
constexpr Range kWindowRange{0, false, 100'000.0};         // messages; 0: all

std::optional<double> read_optional_number(const json::object& obj, std::string_view key, const std::string& path,
                                           const Range& range, DiagSink& sink) {
  if (!check_range(obj, key, path, range, sink)) return std::nullopt;
  return get_number(obj, key);
}

void parse_candidates(const json::object& obj, const std::string& path, DiagSink& sink, AutoselectConfig& autoselect) {
  const json::array* models = get_array(obj, "available_models");
  const std::string models_path = key_path(path, "available_models");
  if (models == nullptr || models->empty()) {
    // AISBF ships this (its sample lists none), so it loads; but nothing can be chosen.
    sink.warning(models_path, "no candidates: this autoselect cannot choose a model (add entries to available_models)");
    return;
  }
  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < models->size(); ++i) {
    const std::string model_path = index_path(models_path, i);
    const json::value& value = (*models)[i];
    if (!check_value(value, kObject, model_path, sink)) continue;
    const json::object& model = value.get_object();
    check_fields(model, model_path, autoselect_model_schema(), sink);
    AutoselectCandidate candidate;
    candidate.model_id = required_string(model, "model_id", model_path, sink);
    if (candidate.model_id.empty()) continue;
    candidate.description = get_string(model, "description").value_or("");
    if (candidate.description.empty() && model.if_contains("description") == nullptr) {
      sink.warning(key_path(model_path, "description"),
                   "missing: the selection model and the semantic selection have nothing to match this candidate on");
    }
    candidate.nsfw = get_bool(model, "nsfw").value_or(false);
    candidate.privacy = get_bool(model, "privacy").value_or(false);
    if (!seen.insert(candidate.model_id).second) {
      sink.warning(key_path(model_path, "model_id"),
                   fmt::format("{} is listed twice; the first entry is used", json_quoted(candidate.model_id)));
      continue;
    }
    autoselect.candidates.push_back(std::move(candidate));
  }
}

// `provider/model` with both parts non-empty.
bool is_provider_model(std::string_view value) {
  const auto slash = value.find('/');
  return slash != std::string_view::npos && slash > 0 && slash + 1 < value.size();
}

void parse_semantic(const json::object& obj, const std::string& path, DiagSink& sink, SemanticSelectionConfig& out) {
  const json::object* semantic = get_object(obj, "semantic");
  if (semantic == nullptr) return;
  const std::string semantic_path = key_path(path, "semantic");
  check_fields(*semantic, semantic_path, semantic_selection_schema(), sink);
  out.embeddings_model = get_string(*semantic, "embeddings_model").value_or("");
  if (!out.embeddings_model.empty() && !is_provider_model(out.embeddings_model)) {
    sink.error(key_path(semantic_path, "embeddings_model"),
               fmt::format("{}: expected \"provider/model\" (an embeddings model of providers.json)",
                           json_quoted(out.embeddings_model)));
  }
  const Range unit{0, false, 1.0};
  if (auto weight = read_optional_number(*semantic, "weight", semantic_path, unit, sink)) out.weight = *weight;
  if (auto margin = read_optional_number(*semantic, "margin", semantic_path, unit, sink)) out.margin = *margin;
  out.selection_model = get_string(*semantic, "selection_model").value_or("");
  if (out.selection_model == kSemanticSelection) {
    sink.error(key_path(semantic_path, "selection_model"),
               "\"semantic\" cannot be its own fallback: name a rotation, a provider or \"provider/model\"");
  }
}

void parse_classification(const json::object& obj, const std::string& path, DiagSink& sink,
                          AutoselectConfig& autoselect) {
  autoselect.classify_nsfw = get_bool(obj, "classify_nsfw");
  autoselect.classify_privacy = get_bool(obj, "classify_privacy");
  autoselect.classify_semantic = get_bool(obj, "classify_semantic");
  if (check_range(obj, "classify_window", path, kWindowRange, sink)) {
    if (auto window = get_int(obj, "classify_window")) autoselect.classify_window = static_cast<int>(*window);
  }
  autoselect.classify_nsfw_model = get_string(obj, "classify_nsfw_model").value_or("");
}

AutoselectConfig parse_autoselect(const std::string& id, const json::value& value, const LoadContext& ctx,
                                  DiagSink& sink) {
  const std::string path = key_path("", id);
  check_id(IdKind::autoselect, id, path, ctx, sink);
  AutoselectConfig autoselect;
  autoselect.id = id;
  if (!check_value(value, kObject, path, sink)) return autoselect;
  const json::object& obj = value.get_object();
  check_fields(obj, path, autoselect_schema(), sink);
  autoselect.raw = obj;
  autoselect.model_name = get_string(obj, "model_name").value_or("");
  if (autoselect.model_name.empty()) autoselect.model_name = id;
  autoselect.description = get_string(obj, "description").value_or("");
  if (auto selection = get_string(obj, "selection_model"); selection && !selection->empty()) {
    autoselect.selection_model = *selection;
  }
  autoselect.fallback = get_string(obj, "fallback").value_or("");
  if (autoselect.fallback.empty()) {
    sink.warning(key_path(path, "fallback"),
                 "missing: a selection that fails (timeout, error, an answer not in the list) goes to the first "
                 "candidate left");
  }
  parse_candidates(obj, path, sink, autoselect);
  autoselect.capabilities = get_strings(obj, "capabilities");
  autoselect.nsfw = get_bool(obj, "nsfw").value_or(false);
  autoselect.privacy = get_bool(obj, "privacy").value_or(false);
  parse_classification(obj, path, sink, autoselect);
  autoselect.selection_timeout = read_optional_number(obj, "selection_timeout", path, kTimeoutRange, sink);
  autoselect.cache_ttl = read_optional_number(obj, "cache_ttl", path, kCacheTtlRange, sink);
  parse_semantic(obj, path, sink, autoselect.semantic);
  return autoselect;
}

}  // namespace

bool load_autoselects(const json::value& root, const LoadContext& ctx, DiagSink& sink, Config& config) {
  const json::object* obj = root.if_object();
  if (obj == nullptr) {
    sink.error("", fmt::format("expected an object, got {}", kind_name(root)));
    return false;
  }
  for (const auto& kv : *obj)
    config.autoselects.push_back(parse_autoselect(std::string(kv.key()), kv.value(), ctx, sink));
  return true;
}

void load_autoselect_defaults(const json::object& aisbf_root, DiagSink& sink, AutoselectDefaults& out) {
  // AISBF's global switches (top level; types checked with the top level).
  if (auto v = get_bool(aisbf_root, "classify_nsfw")) out.classify_nsfw = *v;
  if (auto v = get_bool(aisbf_root, "classify_privacy")) out.classify_privacy = *v;
  if (auto v = get_bool(aisbf_root, "classify_semantic")) out.classify_semantic = *v;
  if (check_range(aisbf_root, "classify_window", "", kWindowRange, sink)) {
    if (auto v = get_int(aisbf_root, "classify_window")) out.classify_window = static_cast<int>(*v);
  }
  const json::object* section = get_object(aisbf_root, "autoselect");
  if (section == nullptr) return;
  const std::string path = "autoselect";
  check_fields(*section, path, autoselect_defaults_schema(), sink);
  if (auto v = read_optional_number(*section, "selection_timeout", path, kTimeoutRange, sink)) {
    out.selection_timeout = *v;
  }
  if (auto v = read_optional_number(*section, "cache_ttl", path, kCacheTtlRange, sink)) out.cache_ttl = *v;
  // Every per-key map is bounded (DESIGN §4b); the history bounds keep the selection call small.
  if (check_range(*section, "cache_max_entries", path, Range{1, false, 10'000'000.0}, sink)) {
    if (auto v = get_int(*section, "cache_max_entries")) out.cache_max_entries = static_cast<std::size_t>(*v);
  }
  if (check_range(*section, "history_messages", path, Range{1, false, 1'000.0}, sink)) {
    if (auto v = get_int(*section, "history_messages")) out.history_messages = static_cast<int>(*v);
  }
  if (check_range(*section, "history_tokens", path, Range{1, false, 10'000'000.0}, sink)) {
    if (auto v = get_int(*section, "history_tokens")) out.history_tokens = *v;
  }
  if (const json::array* words = get_array(*section, "nsfw_words")) {
    for (std::size_t i = 0; i < words->size(); ++i) {
      if (!(*words)[i].is_string()) sink.error(index_path(key_path(path, "nsfw_words"), i), "expected a string");
    }
    out.nsfw_words = get_strings(*section, "nsfw_words");
  }
}

}  // namespace aisbf::config_detail

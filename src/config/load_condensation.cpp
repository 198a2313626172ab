// Condensation settings: the per-model `condense_context` / `condense_method`
// (AISBF drops them on load; we keep them), providers.json `condensation`
// (the model the LLM methods ask) and aisbf.json's switch for the feature.
#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "config/load_internal.hpp"
#include "config/schema.hpp"
#include "context/condense.hpp"

namespace aisbf::config_detail {

namespace {

bool is_method_name(std::string_view name) {
  const auto& names = context::kCondenseMethodNames;
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string method_names() { return fmt::format("{}", fmt::join(context::kCondenseMethodNames, ", ")); }

void check_method_name(const std::string& name, const std::string& path, DiagSink& sink) {
  if (is_method_name(name)) return;
  sink.error(path,
             fmt::format("unknown condensation method {}; the methods are {}", json_quoted(name), method_names()));
}

// A name or a list of names, as written (a wrong kind is check_fields' report).
std::optional<std::vector<std::string>> read_methods(const json::object& obj, const std::string& key,
                                                     const std::string& path, DiagSink& sink) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr) return std::nullopt;
  const std::string field_path = key_path(path, key);
  if (const json::string* one = v->if_string()) {
    std::string name(*one);
    check_method_name(name, field_path, sink);
    return std::vector<std::string>{std::move(name)};
  }
  const json::array* list = v->if_array();
  if (list == nullptr) return std::nullopt;  // null: unset
  std::vector<std::string> names;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json::string* name = (*list)[i].if_string();
    if (name == nullptr) continue;  // reported by check_fields
    names.emplace_back(*name);
    check_method_name(names.back(), index_path(field_path, i), sink);
  }
  return names;
}

}  // namespace

void parse_condense_settings(const json::object& obj, std::string_view prefix, const std::string& path, DiagSink& sink,
                             ModelLimits& limits) {
  const std::string percent_key = std::string(prefix) + "condense_context";
  // A percent of context_size; 0 is written to turn condensation off.
  if (std::optional<std::int64_t> percent = get_int(obj, percent_key)) {
    if (*percent >= 0 && *percent <= 100) {
      limits.condense_context = percent;
    } else {
      sink.error(key_path(path, percent_key),
                 "must be between 0 and 100: a percent of context_size (0 turns condensation off)");
    }
  }
  limits.condense_method = read_methods(obj, std::string(prefix) + "condense_method", path, sink);
}

void load_condensation(const json::object& root, DiagSink& sink, Config& config) {
  const json::object* block = get_object(root, "condensation");
  if (block == nullptr) return;
  const std::string path = "condensation";
  check_fields(*block, path, condensation_schema(), sink);
  CondensationConfig& out = config.condensation;
  out.enabled = get_bool(*block, "enabled").value_or(true);  // AISBF's default for a written block
  out.provider_id = get_string(*block, "provider_id").value_or("");
  out.model = get_string(*block, "model").value_or("");
  out.rotation_id = get_string(*block, "rotation_id").value_or("");
  check_no_control(out.model, key_path(path, "model"), kInUrl, sink);
  if (check_range(*block, "max_context", path, Range{0, false, std::nullopt}, sink)) {
    out.max_context = get_int(*block, "max_context");
    if (out.max_context == 0) out.max_context.reset();  // AISBF reads 0 as unset
  }
}

void check_condensation_mode(const json::object& root, DiagSink& sink) {
  const json::value* raw = nullptr;
  if (condensation_mode_from(root, &raw)) return;
  // A later AISBF may add modes: load, but say what we do with it.
  const json::string* text = raw->if_string();
  sink.warning("feature_controls.context_condensation.mode",
               fmt::format("expected \"enabled\", \"disabled\" or \"inherit\", got {}; treated as \"inherit\"",
                           text ? json_quoted(*text) : std::string(kind_name(*raw))));
}

namespace {

// AISBF's `"model": "internal"`: aisbf.json internal_model.condensation_model_id,
// used remotely when it is "<provider>/<model>" of a known provider; else a
// local Hugging Face model, which aisbf does not run.
void resolve_internal(Config& config, DiagSink& sink) {
  CondensationConfig& c = config.condensation;
  const json::object* internal = get_object(config.aisbf, "internal_model");
  const std::string id = internal ? get_string(*internal, "condensation_model_id").value_or("") : "";
  const std::size_t slash = id.find('/');
  if (slash != std::string::npos && config.find_provider(id.substr(0, slash)) != nullptr) {
    c.provider_id = id.substr(0, slash);
    c.model = id.substr(slash + 1);
    return;
  }
  c.provider_id.clear();
  c.model.clear();
  sink.warning("condensation.model",
               fmt::format("\"internal\" means aisbf.json internal_model.condensation_model_id ({}), which names no "
                           "provider of providers.json (\"<provider>/<model>\"); aisbf runs no local model, so "
                           "conversational and semantic ask the request's own model",
                           id.empty() ? std::string("not set") : json_quoted(id)));
}

bool asks_for_condensation(const ModelLimits& l) {
  return (l.condense_context && *l.condense_context > 0) || (l.condense_method && !l.condense_method->empty());
}

// Settings the switch overrides deserve a word: the user wrote them.
void warn_switched_off(const Config& config, DiagSink& sink) {
  if (condensation_mode(config) != CondensationMode::disabled) return;
  std::size_t n = 0;
  for (const ProviderConfig& p : config.providers) {
    n += asks_for_condensation(p.defaults);
    for (const ModelConfig& m : p.models) n += asks_for_condensation(m.limits);
  }
  for (const RotationConfig& r : config.rotations) {
    n += asks_for_condensation(r.defaults);
    for (const RotationProvider& e : r.providers) {
      for (const RotationModel& m : e.models) n += asks_for_condensation(m.limits);
    }
  }
  if (n == 0) return;
  sink.warning("", fmt::format("{} {} condense_context or condense_method, but aisbf.json "
                               "feature_controls.context_condensation.mode is \"disabled\": no request is condensed",
                               n, n == 1 ? "entry sets" : "entries set"));
}

}  // namespace

void resolve_condensation(Config& config, DiagSink& sink) {
  warn_switched_off(config, sink);
  CondensationConfig& c = config.condensation;
  // A dangling reference breaks every LLM condensation; unused (enabled
  // false), it is only worth a warning.
  auto report = [&](const char* field, const std::string& message) {
    const std::string path = key_path("condensation", field);
    if (c.enabled) {
      sink.error(path, message);
    } else {
      sink.warning(path, message + " (unused while \"enabled\" is false)");
    }
  };
  if (!c.rotation_id.empty()) {
    if (config.find_rotation(c.rotation_id) == nullptr)
      report("rotation_id", fmt::format("unknown rotation {}", json_quoted(c.rotation_id)));
    return;
  }
  if (c.model == "internal") return resolve_internal(config, sink);
  if (!c.model.empty() && config.find_rotation(c.model) != nullptr) {  // AISBF: a model that names a rotation is one
    c.rotation_id = std::exchange(c.model, {});
    c.provider_id.clear();
    return;
  }
  if (c.provider_id.empty()) {
    if (!c.model.empty())
      report("provider_id",
             fmt::format("missing: the model {} names no rotation, so it needs a provider", json_quoted(c.model)));
    return;
  }
  const ProviderConfig* provider = config.find_provider(c.provider_id);
  if (provider == nullptr) {
    report("provider_id", fmt::format("unknown provider {}", json_quoted(c.provider_id)));
  } else if (c.model.empty()) {
    report("model", "missing: the model of provider " + json_quoted(c.provider_id) + " to ask");
  } else if (c.enabled && !provider->models.empty() && provider->find_model(c.model) == nullptr) {
    // Sent anyway, as a client's request for an unlisted model would be:
    // say so once here rather than let every call quietly miss its settings.
    sink.warning(key_path("condensation", "model"),
                 fmt::format("provider {} lists no model {}: the condensation calls ask it as an unlisted model, with "
                             "the provider's defaults (none of a listed model's context_size, limits or prices); if "
                             "the upstream does not serve it, every call fails and the next method runs",
                             json_quoted(c.provider_id), json_quoted(c.model)));
  }
}

}  // namespace aisbf::config_detail

#include "config/autoselect.hpp"

#include "config/load_internal.hpp"

namespace aisbf {

std::vector<std::string> AutoselectConfig::candidate_ids() const {
  std::vector<std::string> ids;
  ids.reserve(candidates.size());
  for (const AutoselectCandidate& c : candidates) ids.push_back(c.model_id);
  return ids;
}

const char* selection_mode_name(SelectionMode mode) { return mode == SelectionMode::semantic ? "semantic" : "model"; }

EffectiveAutoselect effective_autoselect(const AutoselectConfig& autoselect, const AutoselectDefaults& defaults) {
  EffectiveAutoselect out;
  const bool semantic = autoselect.selection_model == kSemanticSelection ||
                        autoselect.classify_semantic.value_or(defaults.classify_semantic);
  out.mode = semantic ? SelectionMode::semantic : SelectionMode::model;
  if (!semantic) {
    out.selection_model = autoselect.selection_model;
  } else {
    // Below the margin: semantic.selection_model, else the entry's own
    // selection model when it names one; else none, and the fallback serves.
    if (!autoselect.semantic.selection_model.empty()) {
      out.selection_model = autoselect.semantic.selection_model;
    } else if (autoselect.selection_model != kSemanticSelection) {
      out.selection_model = autoselect.selection_model;
    }
  }
  out.selection_timeout =
      config_detail::seconds_to_ms(autoselect.selection_timeout.value_or(defaults.selection_timeout));
  const double ttl = autoselect.cache_ttl.value_or(defaults.cache_ttl);
  out.cache_ttl = ttl > 0 ? config_detail::seconds_to_ms(ttl) : std::chrono::milliseconds{0};
  out.classify_nsfw = autoselect.classify_nsfw.value_or(defaults.classify_nsfw);
  out.classify_privacy = autoselect.classify_privacy.value_or(defaults.classify_privacy);
  out.classify_window = autoselect.classify_window.value_or(defaults.classify_window);
  out.history_messages = defaults.history_messages;
  out.history_tokens = defaults.history_tokens;
  return out;
}

}  // namespace aisbf

// What an autoselect ends up with once aisbf.json's defaults apply (the
// per-entry value wins, then the global one, then the built-in default),
// read from a loaded Config by routing/ and by check-config --show-effective.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "config/config.hpp"

namespace aisbf {

// How a request's target is chosen: by asking `selection_model` (AISBF's
// way, the default) or by the semantic (BM25 + embeddings) score, chosen by
// `classify_semantic` (entry, else global) or `selection_model: "semantic"`.
enum class SelectionMode { model, semantic };
const char* selection_mode_name(SelectionMode mode);

struct EffectiveAutoselect {
  SelectionMode mode = SelectionMode::model;
  // mode model: the model asked. mode semantic: the one asked below the
  // confidence margin: semantic.selection_model, else the entry's own
  // selection_model unless that is "semantic"; empty: no model is asked,
  // the fallback serves.
  std::string_view selection_model;
  std::chrono::milliseconds selection_timeout{10'000};
  std::chrono::milliseconds cache_ttl{600'000};  // 0: decisions are not cached
  bool classify_nsfw = false, classify_privacy = false;
  int classify_window = 0;  // recent messages scanned; 0: every message
  int history_messages = 10;
  std::int64_t history_tokens = 8'000;
};

// Views into `autoselect`: it must outlive the result.
EffectiveAutoselect effective_autoselect(const AutoselectConfig& autoselect, const AutoselectDefaults& defaults);

}  // namespace aisbf

#include "config/check_config.hpp"

#include <chrono>
#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config/autoselect.hpp"
#include "config/load_internal.hpp"

namespace aisbf {

namespace {

std::string count(std::size_t n, const char* singular, const char* plural) {
  return fmt::format("{} {}", n, n == 1 ? singular : plural);
}

std::string in_quotes(std::string_view s) { return fmt::format("\"{}\"", s); }
std::string secs(std::chrono::milliseconds ms) { return fmt::format("{:g} s", static_cast<double>(ms.count()) / 1000); }

std::string selection_line(const AutoselectConfig& a, const EffectiveAutoselect& e) {
  const std::string fallback = a.fallback.empty() ? "none" : in_quotes(a.fallback);
  if (e.mode == SelectionMode::model) {
    return fmt::format("selection by model {} (timeout {}, the last {} messages within {} tokens), fallback {}",
                       in_quotes(e.selection_model), secs(e.selection_timeout), e.history_messages, e.history_tokens,
                       fallback);
  }
  const SemanticSelectionConfig& s = a.semantic;
  const std::string scoring = s.embeddings_model.empty() ? std::string("BM25")
                                                         : fmt::format("BM25 + embeddings {} (weight {:g})",
                                                                       in_quotes(s.embeddings_model), s.weight);
  const std::string below =
      s.selection_model.empty()
          ? std::string("the fallback")
          : fmt::format("model {} (timeout {})", in_quotes(s.selection_model), secs(e.selection_timeout));
  return fmt::format("selection semantic: {}, margin {:g}, below it {}; fallback {}", scoring, s.margin, below,
                     fallback);
}

std::string classification_line(const AutoselectConfig& a, const EffectiveAutoselect& e) {
  const std::string nsfw =
      !e.classify_nsfw
          ? std::string("off")
          : (a.classify_nsfw_model.empty() ? std::string("on (word list)")
                                           : fmt::format("on (word list, model {})", in_quotes(a.classify_nsfw_model)));
  const std::string window =
      e.classify_window == 0 ? std::string("every message") : fmt::format("the last {} messages", e.classify_window);
  return fmt::format("classify nsfw {}, privacy {}; scans {}", nsfw, e.classify_privacy ? "on" : "off", window);
}

std::string candidate_text(const AutoselectCandidate& c) {
  std::string flags;
  if (c.nsfw) flags += "nsfw";
  if (c.privacy) flags += flags.empty() ? "privacy" : ", privacy";
  return flags.empty() ? c.model_id : fmt::format("{} ({})", c.model_id, flags);
}

}  // namespace

void print_autoselect_settings(const Config& config, std::ostream& out) {
  for (const AutoselectConfig& a : config.autoselects) {
    const EffectiveAutoselect e = effective_autoselect(a, config.autoselect_defaults);
    out << "autoselect " << in_quotes(a.id) << " (model_name " << in_quotes(a.model_name) << ")\n";
    out << "  " << selection_line(a, e) << '\n';
    out << "  decisions cached "
        << (e.cache_ttl.count() == 0 ? std::string("never") : fmt::format("for {}", secs(e.cache_ttl))) << " (at most "
        << config.autoselect_defaults.cache_max_entries << " entries)\n";
    out << "  " << classification_line(a, e) << '\n';
    std::vector<std::string> candidates;
    for (const AutoselectCandidate& c : a.candidates) candidates.push_back(candidate_text(c));
    out << "  candidates: "
        << (candidates.empty() ? std::string("none") : fmt::format("{}", fmt::join(candidates, ", "))) << '\n';
  }
  out.flush();
}

int run_check_config(const std::filesystem::path& dir, std::ostream& out,
                     std::span<const std::string_view> reserved_route_words) {
  config_detail::LoadOutcome outcome;
  try {
    outcome = config_detail::load_all(
        dir, LoadOptions{.write_missing_defaults = false, .reserved_route_words = reserved_route_words});
  } catch (const std::exception& e) {
    outcome.diagnostics.push_back(
        Diagnostic{Diagnostic::Severity::error, "", "",
                   std::string("internal error while loading the configuration: ") + e.what()});
  }
  for (const Diagnostic& d : outcome.diagnostics) out << format_diagnostic(d) << '\n';
  const Config& config = outcome.config;
  const std::size_t errors = outcome.error_count();
  out << "check-config: " << count(config.providers.size(), "provider", "providers") << ", "
      << count(config.rotations.size(), "rotation", "rotations") << ", "
      << count(config.autoselects.size(), "autoselect", "autoselects") << "; " << count(errors, "error", "errors")
      << ", " << count(outcome.warning_count(), "warning", "warnings") << '\n';
  out.flush();
  return errors == 0 ? 0 : 1;
}

}  // namespace aisbf

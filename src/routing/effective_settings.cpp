// The --show-effective report: the candidates the RoutingTable built, as text.
#include "routing/effective_settings.hpp"

#include <chrono>
#include <string>

#include <fmt/format.h>

#include "config/check_config.hpp"
#include "config/condensation.hpp"

namespace aisbf::routing {

namespace {

std::string secs(double s) { return fmt::format("{:g} s", s); }
template <class Rep, class Period>
std::string secs(std::chrono::duration<Rep, Period> d) {
  return secs(std::chrono::duration<double>(d).count());
}

std::string count_or_none(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : "none"; }

std::string condense_line(const Candidate& c, CondensationMode mode) {
  if (!c.condense_context) {
    return mode == CondensationMode::disabled ? "condense off (feature_controls.context_condensation.mode is disabled)"
                                              : "condense off";
  }
  std::vector<std::string_view> names;
  for (context::CondenseMethod m : c.condense_methods) names.push_back(context::condense_method_name(m));
  const std::string methods = fmt::format("{}", fmt::join(names, ", "));
  const std::int64_t percent = *c.condense_context;
  if (!c.context_size)
    return fmt::format("condense at {}% of context_size: {} (no context_size: never triggers)", percent, methods);
  // AISBF's threshold: int(context_size * percent / 100).
  const std::int64_t at = *c.context_size / 100 * percent + *c.context_size % 100 * percent / 100;
  return fmt::format("condense at {}% of {} = {} tokens: {}", percent, *c.context_size, at, methods);
}

void print_candidate(const Candidate& c, CondensationMode mode, std::ostream& out) {
  const std::string indent(4, ' ');
  out << indent << "context_size " << count_or_none(c.context_size) << ", max_request_tokens "
      << count_or_none(c.max_request_tokens) << '\n';
  out << indent << condense_line(c, mode) << '\n';
  out << indent << "rate_limit " << secs(c.model_spacing) << " (provider " << secs(c.provider_spacing) << "), TPM "
      << count_or_none(c.tokens.per_minute) << ", TPH " << count_or_none(c.tokens.per_hour) << ", TPD "
      << count_or_none(c.tokens.per_day) << '\n';
  out << indent << "error_cooldown " << secs(c.model_cooldown) << " (provider " << secs(c.provider_cooldown) << ")\n";
  out << indent << "timeouts connect " << secs(c.timeouts.connect) << ", first_byte " << secs(c.timeouts.first_byte)
      << ", idle " << secs(c.timeouts.idle) << ", total " << secs(c.timeouts.total) << '\n';
}

std::string in_quotes(std::string_view s) { return fmt::format("\"{}\"", s); }

std::string condensation_target(const CondensationConfig& c) {
  if (!has_condensation_target(c)) return "the request's own model";
  std::string target = c.rotation_id.empty()
                           ? fmt::format("provider {} model {}", in_quotes(c.provider_id), in_quotes(c.model))
                           : fmt::format("rotation {}", in_quotes(c.rotation_id));
  if (c.max_context) target += fmt::format(" (max_context {})", *c.max_context);
  return target;
}

void print_header(const Config& config, std::ostream& out) {
  out << "effective settings (cascade: rotation model entry > rotation default_* > provider model > provider "
         "default_* > aisbf.json > built-in)\n";
  out << "condensation: mode " << condensation_mode_name(condensation_mode(config))
      << "; conversational and semantic ask " << condensation_target(config.condensation) << '\n';
  out << "request splitting: above a model's max_request_tokens, chunks with an overlap of "
      << config.request_splitting.overlap_tokens << " tokens, at most " << config.request_splitting.max_chunks
      << " per request\n";
}

void print_providers(const Config& config, std::ostream& out) {
  const CondensationMode mode = condensation_mode(config);
  for (const ProviderConfig& provider : config.providers) {
    out << "provider " << in_quotes(provider.id) << '\n';
    if (provider.models.empty()) {
      out << "  any model (none listed)\n";
      print_candidate(make_candidate(config, provider, nullptr, ""), mode, out);
    }
    for (const ModelConfig& model : provider.models) {
      out << "  model " << in_quotes(model.name) << '\n';
      print_candidate(make_candidate(config, provider, &model, model.name), mode, out);
    }
  }
}

void print_rotations(const RoutingTable& table, std::ostream& out) {
  const Config& config = table.config();
  const CondensationMode mode = condensation_mode(config);
  for (const RotationConfig& rotation : config.rotations) {
    const RotationPlan* plan = table.rotation(rotation.id);
    if (plan == nullptr) continue;
    out << "rotation " << in_quotes(rotation.id) << " (max_attempts " << plan->max_attempts << ", "
        << plan->max_attempts_per_model << " per model)\n";
    if (plan->candidates.empty()) out << "  no candidates\n";
    for (const Candidate& c : plan->candidates) {
      out << "  candidate " << c.key << " (weight " << fmt::format("{:g}", c.weight) << ")\n";
      print_candidate(c, mode, out);
    }
  }
  for (const std::string& warning : table.warnings()) out << "skipped: " << warning << '\n';
}

}  // namespace

void print_effective_settings(const RoutingTable& table, std::ostream& out) {
  print_header(table.config(), out);
  print_providers(table.config(), out);
  print_rotations(table, out);
  print_autoselect_settings(table.config(), out);  // config/check_config.hpp
  out.flush();
}

int show_effective_settings(const std::filesystem::path& dir, std::ostream& out,
                            std::span<const std::string_view> reserved_route_words) {
  LoadResult loaded =
      load_config(dir, LoadOptions{.write_missing_defaults = false, .reserved_route_words = reserved_route_words});
  if (!loaded.ok()) return 1;
  print_effective_settings(RoutingTable(loaded.config), out);
  return 0;
}

}  // namespace aisbf::routing

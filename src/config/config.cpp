// Config lookups, effective timeouts, diagnostics formatting, load_config.
#include <algorithm>
#include <cmath>
#include <exception>

#include "config/config.hpp"
#include "config/load_internal.hpp"

namespace aisbf {

namespace {

template <class T>
const T* find_by_id(const std::vector<T>& items, std::string_view id) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& item) { return item.id == id; });
  return it == items.end() ? nullptr : &*it;
}

std::chrono::milliseconds pick(const std::optional<double>& model, const std::optional<double>& provider,
                               std::chrono::milliseconds fallback) {
  if (model && *model > 0) return config_detail::seconds_to_ms(*model);
  if (provider && *provider > 0) return config_detail::seconds_to_ms(*provider);
  return fallback;
}

}  // namespace

const ModelConfig* ProviderConfig::find_model(std::string_view model_name) const {
  auto it = std::find_if(models.begin(), models.end(), [&](const ModelConfig& m) { return m.name == model_name; });
  return it == models.end() ? nullptr : &*it;
}

const ProviderConfig* Config::find_provider(std::string_view id) const { return find_by_id(providers, id); }
const RotationConfig* Config::find_rotation(std::string_view id) const { return find_by_id(rotations, id); }
const AutoselectConfig* Config::find_autoselect(std::string_view id) const { return find_by_id(autoselects, id); }

Timeouts effective_timeouts(const ProviderConfig& provider, const ModelConfig* model) {
  static const TimeoutSettings kUnset{};
  const TimeoutSettings& m = model ? model->timeouts : kUnset;
  const TimeoutSettings& p = provider.timeouts;
  const Timeouts defaults{};
  Timeouts out;
  out.connect = pick(m.connect, p.connect, defaults.connect);
  out.first_byte = pick(m.first_byte, p.first_byte, defaults.first_byte);
  out.idle = pick(m.idle, p.idle, defaults.idle);
  out.total = pick(m.total, p.total, defaults.total);
  return out;
}

std::string format_diagnostic(const Diagnostic& d) {
  std::string out = d.severity == Diagnostic::Severity::error ? "error: " : "warning: ";
  if (!d.file.empty()) out += d.file + ": ";
  if (!d.json_path.empty()) out += d.json_path + ": ";
  out += d.message;
  return out;
}

bool is_reserved_route_word(std::string_view id, std::span<const std::string_view> words) {
  return std::find(words.begin(), words.end(), id) != words.end();
}

namespace {

// Runs one of the loaders; an exception (a bug, or out of memory) becomes an
// error diagnostic rather than escaping to the caller.
template <class Load>
LoadResult run_loader(Load&& load) {
  LoadResult result;
  try {
    config_detail::LoadOutcome outcome = load();
    const bool ok = outcome.error_count() == 0;
    result.diagnostics = std::move(outcome.diagnostics);
    if (ok) result.config = std::make_shared<const Config>(std::move(outcome.config));
  } catch (const std::exception& e) {
    result.config = nullptr;
    result.diagnostics.push_back(Diagnostic{Diagnostic::Severity::error, "", "",
                                            std::string("internal error while loading the configuration: ") + e.what()});
  } catch (...) {
    result.config = nullptr;
    result.diagnostics.push_back(
        Diagnostic{Diagnostic::Severity::error, "", "", "internal error while loading the configuration"});
  }
  return result;
}

}  // namespace

LoadResult load_config(const std::filesystem::path& dir, const LoadOptions& options) {
  return run_loader([&] { return config_detail::load_all(dir, options); });
}

LoadResult load_config_values(const ConfigValues& values, const LoadOptions& options) {
  return run_loader([&] { return config_detail::load_values(values, options); });
}

namespace config_detail {

std::chrono::milliseconds seconds_to_ms(double seconds) {
  constexpr double kMaxSeconds = 1e9;  // ~31 years: far beyond any useful timeout
  if (!(seconds > 0)) return std::chrono::milliseconds{0};
  double ms = std::max(1.0, std::round(std::min(seconds, kMaxSeconds) * 1000.0));
  return std::chrono::milliseconds{static_cast<std::int64_t>(ms)};
}

}  // namespace config_detail

}  // namespace aisbf

#include "config/check_config.hpp"

#include <exception>
#include <string>

#include <fmt/format.h>

#include "config/load_internal.hpp"

namespace aisbf {

namespace {

std::string count(std::size_t n, const char* singular, const char* plural) {
  return fmt::format("{} {}", n, n == 1 ? singular : plural);
}

}  // namespace

int run_check_config(const std::filesystem::path& dir, std::ostream& out,
                     std::span<const std::string_view> reserved_route_words) {
  config_detail::LoadOutcome outcome;
  try {
    outcome = config_detail::load_all(dir, LoadOptions{.write_missing_defaults = false, .reserved_route_words = reserved_route_words});
  } catch (const std::exception& e) {
    outcome.diagnostics.push_back(Diagnostic{Diagnostic::Severity::error, "", "",
                                             std::string("internal error while loading the configuration: ") + e.what()});
  }
  for (const Diagnostic& d : outcome.diagnostics) out << format_diagnostic(d) << '\n';
  const Config& config = outcome.config;
  const std::size_t errors = outcome.error_count();
  out << "check-config: " << count(config.providers.size(), "provider", "providers") << ", "
      << count(config.rotations.size(), "rotation", "rotations") << ", "
      << count(config.autoselects.size(), "autoselect", "autoselects") << "; "
      << count(errors, "error", "errors") << ", " << count(outcome.warning_count(), "warning", "warnings") << '\n';
  out.flush();
  return errors == 0 ? 0 : 1;
}

}  // namespace aisbf

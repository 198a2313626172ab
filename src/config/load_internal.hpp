// Internal interface between the loader's files. Internal to src/config/.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/json_reader.hpp"

namespace aisbf::config_detail {

// Everything a load found, with the Config even when there were errors
// (check-config counts the entries of a broken directory).
struct LoadOutcome {
  Config config;
  std::vector<Diagnostic> diagnostics;

  std::size_t error_count() const;
  std::size_t warning_count() const;
};

LoadOutcome load_all(const std::filesystem::path& dir, const LoadOptions& options);

// One loader per file. `root` is the parsed file; they fill `config`.
// An entry that is not an object is kept as a stub holding only its id
// (an error is recorded, so the Config is never handed out), so that
// counts and cross-references stay right. They return false when the
// file's structure is broken (cross-references into it would be noise).
bool load_aisbf(const json::value& root, DiagSink& sink, Config& config);
bool load_providers(const json::value& root, DiagSink& sink, Config& config);
bool load_rotations(const json::value& root, DiagSink& sink, Config& config);
bool load_autoselects(const json::value& root, DiagSink& sink, Config& config);

// The sinks of the three files that hold ids, for the cross-checks.
struct IdFileSinks {
  DiagSink* providers;
  DiagSink* rotations;
  DiagSink* autoselect;
};
// References between files and ids shared across kinds.
void cross_check(const Config& config, const IdFileSinks& sinks);

enum class IdKind { provider, rotation, autoselect };
// Validates an id (empty, '/', whitespace, reserved route words); records
// at `path`. Returns false on an error.
bool check_id(IdKind kind, std::string_view id, const std::string& path, DiagSink& sink);

// Reads a `timeouts` object of `parent` (absent: all unset).
TimeoutSettings parse_timeouts(const json::object& parent, const std::string& parent_path, DiagSink& sink);

// The limits of a model entry (`prefix` "") or the `default_*` of a provider,
// rotation or autoselect (`prefix` "default_"), range-checked.
ModelLimits parse_model_limits(const json::object& obj, std::string_view prefix, const std::string& path,
                               DiagSink& sink);

// Provider types that authenticate with OAuth (no endpoint needed).
bool is_oauth_provider_type(std::string_view type);

// Seconds (validated > 0 by the loader) to milliseconds, clamped.
std::chrono::milliseconds seconds_to_ms(double seconds);

}  // namespace aisbf::config_detail

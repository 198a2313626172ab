// `aisbf check-config`: validates a config directory without writing to it.
#pragma once

#include <filesystem>
#include <ostream>
#include <span>
#include <string_view>

#include "config/config.hpp"

namespace aisbf {

// Prints every diagnostic, one per line, then a summary line such as
// `check-config: 3 providers, 1 rotation, 1 autoselect; 0 errors, 2 warnings`.
// Returns 0 when there are no errors (warnings allowed), 1 otherwise.
// Never writes a file; a missing directory is an error, missing files are
// replaced by AISBF's defaults. `reserved_route_words`: the ids that would
// shadow a route (the binary passes its route table's).
int run_check_config(const std::filesystem::path& dir, std::ostream& out,
                     std::span<const std::string_view> reserved_route_words = kReservedRouteWords);

// The --show-effective block of each autoselect, in file order: selection
// mode and model, timeout, history bounds, decision cache, classification
// flags after aisbf.json's defaults, and the candidates with their flags.
// Stable text (tests compare it whole).
void print_autoselect_settings(const Config& config, std::ostream& out);

}  // namespace aisbf

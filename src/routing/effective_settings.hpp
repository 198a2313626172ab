// `aisbf check-config --show-effective`: what each provider model and each
// rotation candidate ends up with once the settings cascade has run (the
// RoutingTable's candidates, printed): the values, not the layer each came
// from.
#pragma once

#include <filesystem>
#include <ostream>
#include <span>
#include <string_view>

#include "config/config.hpp"
#include "routing/rotation.hpp"

namespace aisbf::routing {

// The report for a loaded snapshot: one block per listed provider model (in
// file order), then one per rotation candidate, then one per autoselect. Stable text (tests compare
// it whole).
void print_effective_settings(const RoutingTable& table, std::ostream& out);

// Loads `dir` as check-config does (writing nothing) and prints the report.
// Returns 0, or 1 (and prints nothing) when the configuration has errors:
// run_check_config lists them.
int show_effective_settings(const std::filesystem::path& dir, std::ostream& out,
                            std::span<const std::string_view> reserved_route_words);

}  // namespace aisbf::routing

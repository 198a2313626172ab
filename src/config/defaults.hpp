// The default contents of AISBF's four config files, embedded in the binary.
// Internal to src/config/.
#pragma once

#include <array>
#include <string_view>

namespace aisbf::config_detail {

inline constexpr std::string_view kAisbfFile = "aisbf.json";
inline constexpr std::string_view kProvidersFile = "providers.json";
inline constexpr std::string_view kRotationsFile = "rotations.json";
inline constexpr std::string_view kAutoselectFile = "autoselect.json";
inline constexpr std::array<std::string_view, 4> kConfigFiles = {kAisbfFile, kProvidersFile, kRotationsFile,
                                                                 kAutoselectFile};

std::string_view default_aisbf_json();
std::string_view default_providers_json();
std::string_view default_rotations_json();
std::string_view default_autoselect_json();

// The default text of one of kConfigFiles (empty for another name).
std::string_view default_file_text(std::string_view file_name);

}  // namespace aisbf::config_detail

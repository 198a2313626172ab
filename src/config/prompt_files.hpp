// AISBF's prompt files in the config directory (markdown, read by
// condensation and autoselect): a fixed list of names, so a name from a
// request can never reach another path.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "config/config_writer.hpp"

namespace aisbf {

// <name>.md in the config directory (AISBF 0.99's prompt files).
inline constexpr std::array<std::string_view, 3> kPromptNames = {"condensation_conversational",
                                                                 "condensation_semantic", "autoselect"};
inline constexpr std::size_t kMaxPromptBytes = 256 * 1024;

bool is_prompt_name(std::string_view name);

struct PromptRead {
  enum class Status { ok, missing, failed };
  Status status = Status::failed;
  std::string content;
  std::string error;  // for failed
};
// `name` must be one of kPromptNames.
PromptRead read_prompt(const std::filesystem::path& dir, std::string_view name);
// The built-in text of a prompt whose file does not exist (prompt_defaults.cpp);
// empty for a name not in kPromptNames.
std::string_view default_prompt(std::string_view name);
// Atomically; an existing file keeps its mode.
std::optional<WriteError> write_prompt(const std::filesystem::path& dir, std::string_view name,
                                       std::string_view content);

}  // namespace aisbf

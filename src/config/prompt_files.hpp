// AISBF's prompt files in the config directory (markdown, read by
// condensation and autoselect): a fixed list of names, so a name from a
// request can never reach another path. Read into the config snapshot when
// it is made (with_prompt_texts), never per request.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/config_writer.hpp"

namespace aisbf {

// <name>.md in the config directory: AISBF 0.99's prompt files, and
// classify_nsfw.md (ours: the NSFW classifier model's instructions).
inline constexpr std::array<std::string_view, 4> kPromptNames = {"condensation_conversational",
                                                                 "condensation_semantic", "autoselect",
                                                                 "classify_nsfw"};
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

// The prompt file as it is now; the built-in text when it is missing or
// unreadable (the latter logged), or when `dir` is empty (a snapshot made
// from values: never the working directory).
std::string read_prompt_or_default(const std::filesystem::path& dir, std::string_view name);

// Every prompt file the config directory lacks, written with its built-in
// text (first start), so that there is a file to edit. A file that exists is
// never touched; a failure is logged.
void write_missing_prompts(const std::filesystem::path& dir);

// `config` with the prompt files of its directory read into the snapshot
// (Config::condensation's prompts, Config::autoselect_prompts). The caller
// calls it for every snapshot it serves (start, reload, an admin edit, a
// prompt written through the admin API): a request never reads a prompt file.
std::shared_ptr<const Config> with_prompt_texts(std::shared_ptr<const Config> config);

}  // namespace aisbf

#include "config/prompt_files.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>

#include <spdlog/spdlog.h>

#include "core/log_text.hpp"

namespace aisbf {

namespace fs = std::filesystem;

namespace {

fs::path prompt_path(const fs::path& dir, std::string_view name) { return dir / (std::string(name) + ".md"); }

}  // namespace

bool is_prompt_name(std::string_view name) {
  return std::find(kPromptNames.begin(), kPromptNames.end(), name) != kPromptNames.end();
}

PromptRead read_prompt(const fs::path& dir, std::string_view name) {
  const fs::path path = prompt_path(dir, name);
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found) return {PromptRead::Status::missing, {}, {}};
  if (ec || !fs::is_regular_file(st)) return {PromptRead::Status::failed, {}, ec ? ec.message() : "not a regular file"};
  if (fs::file_size(path, ec) > kMaxPromptBytes) return {PromptRead::Status::failed, {}, "larger than 256 KiB"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return {PromptRead::Status::failed, {}, "cannot open the file"};
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return {PromptRead::Status::failed, {}, "cannot read the file"};
  return {PromptRead::Status::ok, std::move(text), {}};
}

std::optional<WriteError> write_prompt(const fs::path& dir, std::string_view name, std::string_view content) {
  return write_file_atomically(prompt_path(dir, name), content, {.mode = FileMode::keep_existing, .fail_at = {}});
}

std::string read_prompt_or_default(const fs::path& dir, std::string_view name) {
  if (dir.empty()) return std::string(default_prompt(name));
  auto read = read_prompt(dir, name);
  if (read.status == PromptRead::Status::ok) return std::move(read.content);
  if (read.status == PromptRead::Status::failed) {
    spdlog::warn("{}.md in {}: {}; the built-in prompt is used", name, dir.string(), log_text(read.error));
  }
  return std::string(default_prompt(name));
}

void write_missing_prompts(const fs::path& dir) {
  for (std::string_view name : kPromptNames) {
    if (read_prompt(dir, name).status != PromptRead::Status::missing) continue;
    if (auto error = write_prompt(dir, name, default_prompt(name))) {
      spdlog::warn("cannot write {}.md in {}: {}", name, dir.string(), log_text(error->message));
    }
  }
}

std::shared_ptr<const Config> with_prompt_texts(std::shared_ptr<const Config> config) {
  auto copy = std::make_shared<Config>(*config);
  copy->condensation.conversational_prompt = read_prompt_or_default(config->dir, "condensation_conversational");
  copy->condensation.semantic_prompt = read_prompt_or_default(config->dir, "condensation_semantic");
  copy->autoselect_prompts.selection = read_prompt_or_default(config->dir, "autoselect");
  copy->autoselect_prompts.classify_nsfw = read_prompt_or_default(config->dir, "classify_nsfw");
  return copy;
}

}  // namespace aisbf

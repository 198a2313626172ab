#include "config/prompt_files.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>

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

}  // namespace aisbf

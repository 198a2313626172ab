// Writing the config directory's files: atomically (a temp file in the same
// directory, fsync, rename over the target, fsync the directory), so that a
// crash at any point leaves either the old file or the new one, never a
// mix. And the JSON text they hold, formatted as AISBF writes it (2-space
// indent), so that an edit through the admin API changes only what it edits.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace aisbf {

enum class FileMode {
  secret,         // 0600, whatever the file had: it holds keys or tokens
  keep_existing,  // the existing file's permission bits; 0600 for a new file
};

// The steps of a write, for a test to make one of them fail.
enum class WriteStep { create_temp, write, sync_file, rename };

struct WriteOptions {
  FileMode mode = FileMode::secret;
  // Test seam: returns true to make `step` fail (as with EIO).
  std::function<bool(WriteStep)> fail_at;
};

struct WriteError {
  std::string path;     // the file that was being written
  std::string message;  // what failed, e.g. "rename: Permission denied"
};

// Replaces `path` with `text`. On error the old file is left as it was and
// no temp file stays behind.
std::optional<WriteError> write_file_atomically(const std::filesystem::path& path, std::string_view text,
                                                const WriteOptions& options = {});

// `value` as JSON with a 2-space indent and a final newline, keys in their
// order. Doubles keep a fractional part ("2.0") so that they read back as
// doubles, and print in their shortest exact form ("0.1", not "1E-1").
std::string pretty_json(const boost::json::value& value);

}  // namespace aisbf

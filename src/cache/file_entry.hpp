// The file backend's entry format, pure and apart so that it can be tested
// (and fuzzed) on bytes alone:
//
//   aisbf-cache 1\n
//   <expires_ms> <seq> <space bytes> <provider bytes> <model bytes> <value bytes>\n
//   <space><provider><model><value>
//
// `seq` orders entries by the time they were stored (file times are too
// coarse: several puts share one). The lengths make any bytes safe in
// labels and value; a file whose lengths do not add up to its size is not
// an entry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cache/backend.hpp"

namespace aisbf::cache {

// Labels longer than this are not written (put fails) and not read.
inline constexpr std::size_t kMaxFileLabel = 4096;
// The most a header can take: the two lines and three labels.
inline constexpr std::size_t kMaxFileHeader = 128 + 3 * kMaxFileLabel;

struct FileEntry {
  std::int64_t expires_ms = 0;
  std::uint64_t seq = 0;
  std::string space, provider, model;
  std::uint64_t value_size = 0;
  std::uint64_t value_offset = 0;  // where the value starts in the file
  std::string_view value;          // into the bytes parsed (decode_file_entry only)
};

// The whole file's bytes; nullopt when a label is too long.
std::optional<std::string> encode_file_entry(const EntryLabels& labels, std::string_view value, std::int64_t expires_ms,
                                             std::uint64_t seq);

// nullopt: not an entry of this format (truncated, foreign, corrupt).
std::optional<FileEntry> decode_file_entry(std::string_view bytes);

// The same from the file's first min(size, kMaxFileHeader) bytes and its
// size, without the value: what indexing a directory needs to read.
std::optional<FileEntry> decode_file_head(std::string_view head, std::uint64_t file_size);

}  // namespace aisbf::cache

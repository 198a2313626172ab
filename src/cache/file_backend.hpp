// The response cache as files (AISBF's `file_dir`): one file per entry,
// named by its key (hex, so a safe file name), written to a temporary file
// and renamed into place, so a reader sees a whole entry or none. A small
// header before the value holds the expiry and the labels.
//
// The bounds and the order of eviction live in an index in memory, built
// from the directory on first use: one gateway process per directory.
#pragma once

#include <memory>
#include <string>

#include "cache/backend.hpp"
#include "cache/backend_options.hpp"

namespace aisbf::cache {

// The file that marks a directory as this backend's. A directory that
// holds files but not this one is refused (an error on every call): it is
// someone else's (a `file_dir` of `~` by mistake), and the backend removes
// entries it cannot read and makes its directory 0700.
inline constexpr const char* kFileCacheMarker = ".aisbf-response-cache";

// `dir`: a leading `~` is $HOME; made 0700 with its parents when missing,
// and marked when new or empty. Files are 0600 (cached answers are users'
// data).
std::unique_ptr<Backend> make_file_backend(const std::string& dir, BackendLimits limits);

}  // namespace aisbf::cache

// The response cache in its own SQLite file (AISBF's `sqlite_path`), apart
// from the store's aisbf.db: a cache may be deleted or dropped at will.
#pragma once

#include <memory>
#include <string>

#include "cache/backend.hpp"
#include "cache/backend_options.hpp"

namespace aisbf::cache {

// `path`: a leading `~` is $HOME; missing directories are made 0700 and the
// file 0600 (cached answers are users' data). WAL, so that gets on the DB
// pool's threads read while a put writes.
std::unique_ptr<Backend> make_sqlite_backend(const std::string& path, BackendLimits limits);

}  // namespace aisbf::cache

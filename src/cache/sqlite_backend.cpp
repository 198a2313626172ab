#include "cache/sqlite_backend.hpp"

#include "cache/backend_support.hpp"
#include "cache/sql_backend.hpp"

namespace aisbf::cache {

// The store's driver already does what this file needs: 0600 file, 0700
// directories, WAL, a busy timeout and cached prepared statements.
std::unique_ptr<Backend> make_sqlite_backend(const std::string& path, BackendLimits limits) {
  return make_sql_backend(store::Dialect::sqlite, store::sqlite_connector(expand_home(path)), limits);
}

}  // namespace aisbf::cache

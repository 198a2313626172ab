// cache::Backend over one SQL database through the store's drivers
// (store/sql_driver.hpp): SQLite (sqlite_backend.hpp) and MySQL/MariaDB
// (mysql_backend.hpp) share this, apart from a few dialect strings.
#pragma once

#include <memory>

#include "cache/backend.hpp"
#include "cache/backend_options.hpp"
#include "store/sql_driver.hpp"

namespace aisbf::cache {

// `dialect`: sqlite or mysql. Connections are opened on first use (a
// database that is down at start costs misses, not the gateway), and the
// tables are created then: CREATE TABLE IF NOT EXISTS, or dropped and
// created again when what is there is not a schema this code reads.
std::unique_ptr<Backend> make_sql_backend(store::Dialect dialect, store::SqlConnector connector, BackendLimits limits);

}  // namespace aisbf::cache

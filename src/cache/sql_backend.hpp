// cache::Backend over one SQL database through the store's drivers
// (store/sql_driver.hpp): SQLite (sqlite_backend.hpp) and MySQL/MariaDB
// (mysql_backend.hpp) share this, apart from a few dialect strings.
#pragma once

#include <chrono>
#include <memory>

#include "cache/backend.hpp"
#include "cache/backend_options.hpp"
#include "store/sql_driver.hpp"

namespace aisbf::cache {

// `dialect`: sqlite or mysql. Connections are opened on first use (a
// database that is down at start costs misses, not the gateway), and the
// tables are created then: CREATE TABLE IF NOT EXISTS, or dropped and
// created again when what is there is not a schema this code reads.
//
// A statement that broke its connection drops every idle connection too:
// they are as old as the one that failed. A failure that came fast (a
// server that restarted reset the connection) is tried once more on a new
// connection, never on an idle one; one that took `slow_failure` or longer
// (a server that stopped answering) is not, and calls then fail at once
// for a short pause, so a hung MariaDB does not hold the DB pool's threads
// for a timeout on every lookup. So does a failed connect, and a server
// (MariaDB) that answers "unavailable" (a statement timeout).
struct SqlBackendTuning {
  std::chrono::milliseconds slow_failure{1000};
};
std::unique_ptr<Backend> make_sql_backend(store::Dialect dialect, store::SqlConnector connector, BackendLimits limits,
                                          SqlBackendTuning tuning = {});

}  // namespace aisbf::cache

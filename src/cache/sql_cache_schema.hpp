// The SQL response cache's two tables (sql_backend.cpp): the entries and a
// one-row table of running totals. A cache's tables may be thrown away, so
// there are no migrations: what is there is used when it has the columns
// this code reads, and dropped and made again when it has not.
#pragma once

#include "store/sql_driver.hpp"

namespace aisbf::cache {

// CREATE TABLE IF NOT EXISTS, after dropping tables of another shape. A
// connection lost on the way is an error and drops nothing.
store::Result<store::Done> create_cache_tables(store::SqlConnection& c);

}  // namespace aisbf::cache

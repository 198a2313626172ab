// TEMPORARY: stubs so that this branch links before the drivers branch
// (src/store/postgres/, src/store/mysql/) is merged. DELETE THIS FILE AT
// MERGE: the real postgres_connector and mysql_connector replace it.
#include "store/sql_driver.hpp"

namespace aisbf::store {

SqlConnector postgres_connector(std::string /*conninfo*/) {
  return []() -> Result<std::unique_ptr<SqlConnection>> {
    return StoreError{StoreError::Kind::unavailable, "postgres: driver not built into this branch"};
  };
}

SqlConnector mysql_connector(std::string /*host*/, int /*port*/, std::string /*user*/, std::string /*password*/,
                             std::string /*database*/) {
  return []() -> Result<std::unique_ptr<SqlConnection>> {
    return StoreError{StoreError::Kind::unavailable, "mysql: driver not built into this branch"};
  };
}

}  // namespace aisbf::store

#include "cache/mysql_backend.hpp"

#include "cache/sql_backend.hpp"

namespace aisbf::cache {

namespace {
// A cache that answers late is worse than a miss: the statement timeout
// (and so the connect and answer timeouts, store/sql_driver.hpp: 3 s and
// 5 s) is short.
constexpr int kStatementSeconds = 3;
}  // namespace

std::unique_ptr<Backend> make_mysql_backend(const MysqlOptions& options, BackendLimits limits) {
  store::MysqlTarget target{options.host,     options.port,     options.user,
                            options.password, options.database, kStatementSeconds};
  return make_sql_backend(store::Dialect::mysql, store::mysql_connector(std::move(target)), limits);
}

}  // namespace aisbf::cache

#include "cache/backend_factory.hpp"

#include <cctype>

#include "cache/file_backend.hpp"
#include "cache/mysql_backend.hpp"
#include "cache/sqlite_backend.hpp"

namespace aisbf::cache {

std::string backend_kind(std::string_view backend) {
  std::string lower;
  for (char c : backend) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "mariadb") return "mysql";
  for (std::string_view known : {"sqlite", "mysql", "file", "memory", "redis"}) {
    if (lower == known) return lower;
  }
  return {};
}

Expected<std::unique_ptr<Backend>> make_pooled_backend(const BackendOptions& options) {
  const std::string kind = backend_kind(options.backend);
  if (kind == "sqlite") return make_sqlite_backend(options.sqlite_path, options.limits);
  if (kind == "mysql") return make_mysql_backend(options.mysql, options.limits);
  if (kind == "file") return make_file_backend(options.file_dir, options.limits);
  return make_error(ErrorKind::internal,
                    "response cache: \"" + options.backend + "\" is not a backend that runs on the database pool");
}

}  // namespace aisbf::cache

// The values of AISBF's `response_cache` section that choose and size a
// backend, as a plain struct: the config parser fills it, the factories
// (cache/backend_factory.hpp, pipeline/pooled_cache_store.hpp) read it.
// No secret in here is ever logged or put in an error message.
#pragma once

#include <cstdint>
#include <string>

namespace aisbf::cache {

// Past either bound the oldest entries (by the time they were stored) go.
// A value larger than max_bytes is not kept at all.
struct BackendLimits {
  std::uint64_t max_bytes = 256ULL << 20;  // the sum of the stored values' sizes
  std::uint64_t max_entries = 1000;        // AISBF's max_memory_cache default
};

struct MysqlOptions {  // AISBF's mysql_* fields
  std::string host = "localhost";
  int port = 3306;
  std::string user = "aisbf";
  std::string password;  // a secret
  std::string database = "aisbf_response_cache";
};

struct BackendOptions {
  std::string backend = "memory";  // memory, sqlite, mysql (or mariadb), file, redis
  BackendLimits limits;
  std::string sqlite_path = "~/.aisbf/response_cache.db";  // a leading `~` is $HOME
  MysqlOptions mysql;
  std::string file_dir = "~/.aisbf/response_cache";  // one file per entry
};

}  // namespace aisbf::cache

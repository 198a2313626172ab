// What the store benchmarks share: the database they write to, a new
// SQLite file in a temporary directory (removed at exit) unless a SQLite
// path or a postgresql:// URL is given.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/sql_driver.hpp"

namespace aisbf::bench {

class BenchStore {
 public:
  // `target`: empty (a new SQLite file), a SQLite path or a postgresql:// URL.
  explicit BenchStore(std::string target, const char* tmp_prefix) {
    if (target.empty()) {
      std::string tmpl = (std::filesystem::temp_directory_path() / (std::string(tmp_prefix) + "-XXXXXX")).string();
      if (::mkdtemp(tmpl.data()) == nullptr) return;
      tmp_ = tmpl;
      target = (tmp_ / "aisbf.db").string();
    }
    using namespace aisbf::store;
    store_ = target.starts_with("postgres") ? make_sql_store(Dialect::postgres, postgres_connector(target))
                                            : make_sql_store(Dialect::sqlite, sqlite_connector(target));
  }
  ~BenchStore() {
    store_.reset();
    if (!tmp_.empty()) std::filesystem::remove_all(tmp_);
  }
  BenchStore(const BenchStore&) = delete;
  BenchStore& operator=(const BenchStore&) = delete;

  // Null when no temporary directory could be made.
  aisbf::store::Store* get() { return store_.get(); }

 private:
  std::filesystem::path tmp_;
  std::unique_ptr<aisbf::store::Store> store_;
};

}  // namespace aisbf::bench

// UsageService: usage accounting's parts for one process: the recorder
// over a store, the DB threads the usage routes use, and what App needs of
// them (UsageWiring). main.cpp makes one when a store opens; SIGTERM's
// shutdown path calls stop(), which writes the queue before exit.
#pragma once

#include <memory>
#include <optional>

#include "config/config.hpp"
#include "pipeline/db_pool.hpp"
#include "pipeline/usage_routes.hpp"
#include "store/store.hpp"
#include "store/usage_recorder.hpp"

namespace aisbf {

// aisbf.json `database.usage_queue_size` (default 10 000) and
// `database.usage_retention_days` (default 0: keep every row).
// (store/database_settings.hpp reads the rest of the section.)
store::UsageRecorderOptions usage_recorder_options(const Config& config);

// Opens and migrates the configured database for usage rows; null (logged)
// when it cannot.
std::unique_ptr<store::Store> open_usage_store(const Config& config);

class UsageService {
 public:
  // `store` and `db` outlive the service.
  UsageService(store::Store& store, DbPool& db, const Config& config);
  UsageWiring wiring() { return {&store_, &recorder_, &db_}; }
  // Writes every queued row, then stops the writer (idempotent).
  void stop() { recorder_.stop(); }

 private:
  store::Store& store_;
  DbPool& db_;
  store::UsageRecorder recorder_;
};

}  // namespace aisbf

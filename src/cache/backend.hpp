// Where a response cache keeps its entries (issue 12). An entry is opaque
// bytes (cache/entry.hpp's encoding of a canonical answer) under a key (the
// hex SHA-256 the cache computes over namespace, target and request),
// labelled with what an admin's clear can select by, kept until it expires.
//
// The calls block: the memory backend answers at once under a mutex and is
// called on the event loop; the SQLite, MySQL/MariaDB and file backends are
// called on the DB pool (pipeline/db_pool.hpp), never on an event loop.
// Redis, which speaks over the network, is asynchronous and lives in
// pipeline/ (pipeline/cache_store.hpp). No call throws: failures are values,
// and a failing backend costs a miss, never a request.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/expected.hpp"

namespace aisbf::cache {

using Clock = std::chrono::system_clock;  // expiry survives a restart (SQLite, MySQL, file, Redis)

// What an entry is filed under besides its key.
struct EntryLabels {
  std::string_view space;     // the namespace: a user's name, empty for the global one
  std::string_view provider;  // the provider id that answered
  std::string_view model;     // its model name
};

// Which entries a clear removes: every set field must match; none set: all.
struct ClearFilter {
  std::optional<std::string> space;
  std::optional<std::string> provider;
  std::optional<std::string> model;

  bool matches(const EntryLabels& labels) const {
    return (!space || *space == labels.space) && (!provider || *provider == labels.provider) &&
           (!model || *model == labels.model);
  }
};

// What a backend holds now (evictions: since start or the last full clear).
struct BackendStats {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
  std::uint64_t evictions = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // "memory", "sqlite", "mysql", "file" (AISBF's `backend` values).
  virtual std::string_view name() const = 0;

  // The value under `key` when it has not expired at `now`; nullopt: a miss.
  virtual Expected<std::optional<std::string>> get(std::string_view key, Clock::time_point now) = 0;

  // Keeps `value` under `key` (replacing any) until `expires`. False: not
  // kept (larger than the backend may hold, or `expires` is past already).
  virtual Expected<bool> put(std::string_view key, const EntryLabels& labels, std::string_view value,
                             Clock::time_point expires) = 0;

  // Removes the entries `filter` selects; how many.
  virtual Expected<std::uint64_t> clear(const ClearFilter& filter) = 0;

  virtual Expected<BackendStats> stats() = 0;

  // The largest value put() could keep (before any eviction), so that the
  // caller need not hold a larger answer only to see it refused. No bound
  // of its own (SQL, file): the largest number.
  virtual std::uint64_t max_value_bytes() const { return UINT64_MAX; }
};

}  // namespace aisbf::cache

// The response cache's storage as the request path awaits it (issue 12):
// one interface over every backend. The blocking ones (cache/backend.hpp)
// are wrapped: memory is called in place, SQLite, MySQL/MariaDB and file on
// the DB pool; Redis speaks RESP over Asio. Same contract as cache::Backend:
// no call throws, a failure is a value the caller turns into a miss (and a
// warning), never a failed request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "cache/backend.hpp"

namespace aisbf {

class CacheStore {
 public:
  virtual ~CacheStore() = default;
  virtual std::string_view name() const = 0;
  // Views passed in must stay valid until the awaitable completes.
  virtual boost::asio::awaitable<Expected<std::optional<std::string>>> get(std::string_view key,
                                                                           cache::Clock::time_point now) = 0;
  virtual boost::asio::awaitable<Expected<bool>> put(std::string_view key, cache::EntryLabels labels,
                                                     std::string_view value, cache::Clock::time_point expires) = 0;
  virtual boost::asio::awaitable<Expected<std::uint64_t>> clear(cache::ClearFilter filter) = 0;
  virtual boost::asio::awaitable<Expected<cache::BackendStats>> stats() = 0;
  // As cache::Backend::max_value_bytes (Redis: none of its own).
  virtual std::uint64_t max_value_bytes() const { return UINT64_MAX; }
};

}  // namespace aisbf

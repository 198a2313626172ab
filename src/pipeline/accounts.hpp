// Accounts: the user store as the running gateway holds it. The Store (on
// the DbPool's threads only), the in-memory AccountIndex the request path
// reads, and the login throttle. Owned by App; absent when no store was
// opened (unit tests), and the account routes then answer 503.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "auth/account_index.hpp"
#include "auth/login_throttle.hpp"
#include "config/config.hpp"
#include "pipeline/db_pool.hpp"
#include "store/store.hpp"

namespace aisbf {

// aisbf.json `database.accounts_refresh_seconds` (default 30): how often the
// index is reloaded from the store, which is how this instance learns of
// users, tokens and sessions changed by another instance on the same database.
std::chrono::seconds accounts_refresh_interval(const Config& config);

class Accounts {
 public:
  explicit Accounts(std::shared_ptr<store::Store> store, std::size_t db_threads = 2);
  ~Accounts();

  store::Store& store() { return *store_; }
  DbPool& db() { return db_; }
  auth::AccountIndex& index() { return index_; }
  auth::LoginThrottle& throttle() { return throttle_; }

  // Reads users, every token and the unexpired sessions into the index, on
  // a DB thread; the caller (start-up, not a loop) waits. Empty: loaded.
  std::string load_blocking();
  // The same from a coroutine (the periodic refresh). False on a store error.
  boost::asio::awaitable<bool> reload();

  // Every ~10 s the last-used stamps, every `refresh` the index (other
  // instances' changes), every hour the expired sessions. On one worker's
  // loop; the database work goes to the DbPool. Ends at stop().
  boost::asio::awaitable<void> upkeep(boost::asio::io_context& io, std::chrono::seconds refresh);
  // On the upkeep's worker (shutdown): ends the loop and writes the last-used stamps.
  void stop();
  // Hands the stamps gathered since the last call to a DB thread.
  void flush_last_used();

  // index().put_session, and the session is remembered: a store that does
  // not list sessions (Store::list_sessions' default) has each one asked
  // for again at a reload, so the index keeps it (bounded).
  void put_session(const store::Session& session);

  // User tokens the index did not know, asked of the store (pending_auth):
  // with the index's remembered unknowns, one garbage token costs one.
  void count_token_lookup() { token_lookups_.fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t token_lookups() const { return token_lookups_.load(std::memory_order_relaxed); }

 private:
  std::shared_ptr<store::Store> store_;
  auth::AccountIndex index_;
  auth::LoginThrottle throttle_;
  std::atomic<std::uint64_t> token_lookups_{0};
  std::vector<std::string> known_sessions() const;

  static constexpr std::size_t kMaxKnownSessions = 10'000;
  mutable std::mutex sessions_mutex_;
  std::unordered_set<std::string> known_sessions_;  // id hashes
  boost::asio::steady_timer* timer_ = nullptr;
  bool stopped_ = false;
  DbPool db_;  // last: joined first, while what its tasks touch still lives
};

}  // namespace aisbf

#include "pipeline/accounts.hpp"

#include <algorithm>
#include <chrono>
#include <future>
#include <unordered_set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "auth/request_auth.hpp"

namespace aisbf {

namespace {

struct Loaded {
  std::vector<store::User> users;
  std::vector<store::ApiToken> tokens;
  std::vector<store::Session> sessions;
  std::string error;
};

// The sessions this instance has seen that the store did not list (a
// backend that lists none): each asked for by its id, so that a reload keeps
// the live ones and forgets those ended elsewhere. Blocking.
std::optional<store::StoreError> add_known_sessions(store::Store& store, const std::vector<std::string>& known,
                                                    store::UnixMs now, std::vector<store::Session>& sessions) {
  std::unordered_set<std::string_view> listed;
  for (const auto& s : sessions) listed.insert(s.id_hash);
  for (const auto& id_hash : known) {
    if (listed.contains(id_hash)) continue;
    auto found = store.find_session(id_hash);
    if (!found) return found.error();
    if (found.value() && found.value()->expires_ms > now) sessions.push_back(std::move(*found.value()));
  }
  return std::nullopt;
}

// Blocking: a DB thread.
Loaded read_accounts(store::Store& store, const std::vector<std::string>& known_sessions) {
  Loaded out;
  const auto now = auth::unix_now_ms();
  auto users = store.list_users();
  auto tokens = users ? store.list_all_tokens() : store::Result<std::vector<store::ApiToken>>(users.error());
  auto sessions = tokens ? store.list_sessions(now) : store::Result<std::vector<store::Session>>(tokens.error());
  if (!sessions) {
    out.error = sessions.error().message;
    return out;
  }
  if (auto error = add_known_sessions(store, known_sessions, now, sessions.value())) {
    out.error = error->message;
    return out;
  }
  out.users = std::move(users.value());
  out.tokens = std::move(tokens.value());
  out.sessions = std::move(sessions.value());
  return out;
}

}  // namespace

std::chrono::seconds accounts_refresh_interval(const Config& config) {
  constexpr std::int64_t kDefault = 30, kMax = 86'400;
  const auto* db = config.aisbf.if_contains("database");
  const auto* v = db != nullptr && db->is_object() ? db->get_object().if_contains("accounts_refresh_seconds") : nullptr;
  std::int64_t n = kDefault;
  if (v != nullptr && v->is_int64()) n = v->get_int64();
  if (v != nullptr && v->is_uint64()) n = static_cast<std::int64_t>(std::min<std::uint64_t>(v->get_uint64(), kMax));
  return std::chrono::seconds(std::clamp<std::int64_t>(n, 1, kMax));  // check-config refuses what is out of range
}

Accounts::Accounts(std::shared_ptr<store::Store> store, std::size_t db_threads)
    : store_(std::move(store)), db_(db_threads) {}

Accounts::~Accounts() { db_.join(); }

std::string Accounts::load_blocking() {
  std::promise<Loaded> promise;
  auto future = promise.get_future();
  db_.post([this, &promise] { promise.set_value(read_accounts(*store_, {})); });
  auto loaded = future.get();
  if (!loaded.error.empty()) return loaded.error;
  index_.load(loaded.users, loaded.tokens, loaded.sessions);
  return {};
}

boost::asio::awaitable<bool> Accounts::reload() {
  const auto known = known_sessions();
  // A token revoked, a session ended or a user deactivated through this
  // instance while the store was being read would come back with what was
  // read: the index moved meanwhile, so read again (or wait for the next
  // refresh) rather than load over it.
  constexpr int kReads = 3;
  Loaded loaded;
  bool settled = false;
  for (int read = 0; read < kReads && !settled; ++read) {
    const auto before = index_.generation();
    loaded = co_await db_.run([this, &known] { return read_accounts(*store_, known); });
    settled = !loaded.error.empty() || index_.generation() == before;
  }
  if (!loaded.error.empty()) {
    spdlog::warn("accounts: refreshing users and tokens failed ({}); keeping the ones in memory", loaded.error);
    co_return false;
  }
  if (!settled) {
    spdlog::debug("accounts: the index kept changing during {} refreshes; trying at the next one", kReads);
    co_return false;
  }
  index_.load(loaded.users, loaded.tokens, loaded.sessions);
  {
    std::lock_guard lock(sessions_mutex_);
    known_sessions_.clear();  // the live ones again; the ended ones forgotten
    for (const auto& session : loaded.sessions) known_sessions_.insert(session.id_hash);
  }
  co_return true;
}

void Accounts::put_session(const store::Session& session) {
  index_.put_session(session);
  std::lock_guard lock(sessions_mutex_);
  if (known_sessions_.size() < kMaxKnownSessions) known_sessions_.insert(session.id_hash);
}

std::vector<std::string> Accounts::known_sessions() const {
  std::lock_guard lock(sessions_mutex_);
  return {known_sessions_.begin(), known_sessions_.end()};
}

void Accounts::flush_last_used() {
  auto stamps = index_.take_last_used();
  if (stamps.empty()) return;
  db_.post([this, stamps = std::move(stamps)] {
    auto done = store_->touch_tokens(stamps);
    if (!done) spdlog::warn("accounts: writing tokens' last use failed: {}", done.error().message);
  });
}

boost::asio::awaitable<void> Accounts::upkeep(boost::asio::io_context& io, std::chrono::seconds refresh) {
  using namespace std::chrono_literals;
  using Clock = std::chrono::steady_clock;
  constexpr auto kPruneEvery = 1h;
  // The stamps go out every ~10 s, or at each refresh when that is sooner.
  const auto tick = std::min<Clock::duration>(10s, refresh);
  auto last_reload = Clock::now(), last_prune = Clock::now();
  boost::asio::steady_timer timer(io);
  timer_ = &timer;
  while (!stopped_) {
    timer.expires_after(tick);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (stopped_) break;
    flush_last_used();
    if (Clock::now() - last_reload >= refresh) {
      co_await reload();
      last_reload = Clock::now();  // after: a slow store does not queue reloads back to back
    }
    if (Clock::now() - last_prune >= kPruneEvery) {
      last_prune = Clock::now();
      const auto now = auth::unix_now_ms();
      auto pruned = co_await db_.run([this, &now] { return store_->delete_expired_sessions(now); });
      if (!pruned) spdlog::warn("accounts: deleting expired sessions failed: {}", pruned.error().message);
    }
  }
  timer_ = nullptr;
}

void Accounts::stop() {
  stopped_ = true;
  if (timer_ != nullptr) timer_->cancel();
  flush_last_used();
}

}  // namespace aisbf

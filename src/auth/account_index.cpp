#include "auth/account_index.hpp"

#include <atomic>
#include <functional>
#include <mutex>

#include "auth/api_tokens.hpp"
#include "auth/token_cache.hpp"
#include "auth/unknown_tokens.hpp"
#include "core/string_map.hpp"
#include "limits/quotas.hpp"

namespace aisbf::auth {

namespace {

using store::UnixMs;
using QuotasPtr = std::shared_ptr<const limits::QuotaSpec>;

// Parsed once, when the entry is stored: the request path only copies the
// pointer. nullptr for none, or for text that limits nothing (refused when
// written through the API; an old or hand-edited row is no limit).
QuotasPtr parse_once(const std::string& json) {
  if (json.empty() || json == "{}") return nullptr;
  auto parsed = limits::parse_quotas(json);
  if (!parsed.spec || !parsed.spec->any()) return nullptr;
  return std::make_shared<const limits::QuotaSpec>(*parsed.spec);
}

struct TokenEntry {
  std::string id, username;
  QuotasPtr quotas;
  UnixMs expires_ms = 0;
  bool active = true;
  // The pending last-use stamp (0: none). Shared by every snapshot's copy of
  // this entry, so a write that copies the map loses no stamp.
  std::shared_ptr<std::atomic<UnixMs>> last_used;
};

struct UserEntry {
  store::User user;
  QuotasPtr quotas;
};

UserEntry make_user(const store::User& user) { return {user, parse_once(user.quotas_json)}; }

using TokenMap = StringMap<TokenEntry>;  // token_hash → entry
using UserMap = StringMap<UserEntry>;
using SessionMap = StringMap<store::Session>;  // id_hash → session

// Immutable once published. A write copies only the maps it changes.
struct Snapshot {
  std::uint64_t generation = 0;
  // Change when their map is replaced (not on the other maps' writes): the
  // thread caches' pointers into a map stay valid while its generation does.
  std::uint64_t tokens_generation = 0;
  std::uint64_t users_generation = 0;
  std::shared_ptr<const TokenMap> tokens = std::make_shared<TokenMap>();
  std::shared_ptr<const UserMap> users = std::make_shared<UserMap>();
  std::shared_ptr<const SessionMap> sessions = std::make_shared<SessionMap>();
};

// A fresh, writable copy of one of the snapshot's maps, put in its place.
template <class Map>
Map& edit(std::shared_ptr<const Map>& slot) {
  auto copy = std::make_shared<Map>(*slot);
  Map& out = *copy;
  slot = std::move(copy);
  return out;
}

std::atomic<std::uint64_t> g_next_serial{1};

// What one thread last saw of one index: its snapshot (re-read only after a
// write: a load of the generation counter instead of touching the shared
// pointer's count on every request) and its recently seen tokens.
struct ThreadView {
  std::uint64_t owner = 0;  // the index's serial; another index resets the view
  std::uint64_t generation = 0;
  std::shared_ptr<const Snapshot> snapshot;
  TokenCache<TokenEntry, UserEntry> tokens;
};
thread_local ThreadView t_view;

constexpr std::size_t kMaxSessionCookie = 512;

Role role_of(const store::User& user) { return user.role == store::UserRole::admin ? Role::admin : Role::user; }

TokenEntry make_entry(const store::ApiToken& token, std::shared_ptr<std::atomic<UnixMs>> stamp) {
  if (!stamp) stamp = std::make_shared<std::atomic<UnixMs>>(0);
  return {token.id, token.username, parse_once(token.quotas_json), token.expires_ms, token.active, std::move(stamp)};
}

}  // namespace

struct AccountIndex::Impl {
  const std::uint64_t serial = g_next_serial.fetch_add(1, std::memory_order_relaxed);
  std::atomic<std::shared_ptr<const Snapshot>> current{std::make_shared<const Snapshot>()};
  std::atomic<std::uint64_t> generation{0};  // published after `current`: seen newer → the newer snapshot is there
  std::mutex write_mutex;
  UnknownTokens unknown;
  std::atomic<std::uint64_t> loads{0};

  ThreadView& view() {
    ThreadView& v = t_view;
    if (v.owner != serial) {
      v.owner = serial;
      v.tokens.clear();
      v.snapshot.reset();
    }
    const std::uint64_t g = generation.load(std::memory_order_acquire);
    if (!v.snapshot || v.generation != g) {
      v.snapshot = current.load(std::memory_order_acquire);
      v.generation = v.snapshot->generation;
    }
    return v;
  }

  // Copy-on-write: `change` edits a copy, which then replaces the snapshot.
  template <class F>
  void write(F&& change) {
    std::lock_guard lock(write_mutex);
    const auto old = current.load(std::memory_order_acquire);
    auto next = std::make_shared<Snapshot>(*old);
    change(*next);
    next->generation = old->generation + 1;
    if (next->tokens != old->tokens) next->tokens_generation = next->generation;
    if (next->users != old->users) next->users_generation = next->generation;
    const std::uint64_t g = next->generation;
    current.store(std::move(next), std::memory_order_release);
    generation.store(g, std::memory_order_release);
  }

  std::shared_ptr<const Snapshot> snapshot() const { return current.load(std::memory_order_acquire); }
};

AccountIndex::AccountIndex() : impl_(std::make_unique<Impl>()) {}
AccountIndex::~AccountIndex() = default;

void AccountIndex::load(std::span<const store::User> users, std::span<const store::ApiToken> tokens,
                        std::span<const store::Session> sessions) {
  impl_->write([&](Snapshot& s) {
    const auto old_tokens = s.tokens;
    auto token_map = std::make_shared<TokenMap>();
    for (const auto& t : tokens) {
      auto old = old_tokens->find(t.token_hash);  // keep its pending stamp across a refresh
      token_map->insert_or_assign(t.token_hash,
                                  make_entry(t, old == old_tokens->end() ? nullptr : old->second.last_used));
    }
    auto user_map = std::make_shared<UserMap>();
    for (const auto& u : users) user_map->insert_or_assign(u.username, make_user(u));
    auto session_map = std::make_shared<SessionMap>();
    for (const auto& x : sessions) session_map->insert_or_assign(x.id_hash, x);
    s.tokens = std::move(token_map);
    s.users = std::move(user_map);
    s.sessions = std::move(session_map);
  });
  // After the new tokens are in: a token made on another instance is found from now on.
  impl_->unknown.clear();
  impl_->loads.fetch_add(1, std::memory_order_relaxed);
}

void AccountIndex::put_user(const store::User& user) {
  impl_->write([&](Snapshot& s) { edit(s.users).insert_or_assign(user.username, make_user(user)); });
}

void AccountIndex::password_changed(std::string_view username, std::string_view new_hash) {
  impl_->write([&](Snapshot& s) {
    auto it = s.users->find(username);
    if (it == s.users->end()) return;
    store::User user = it->second.user;
    user.password_hash = std::string(new_hash);
    user.must_change_password = false;
    edit(s.users).insert_or_assign(user.username, make_user(user));
  });
}

void AccountIndex::remove_user(std::string_view username) {
  impl_->write([&](Snapshot& s) {
    edit(s.users).erase(std::string(username));
    std::erase_if(edit(s.tokens), [&](const auto& kv) { return kv.second.username == username; });
    std::erase_if(edit(s.sessions), [&](const auto& kv) { return kv.second.username == username; });
  });
}

void AccountIndex::put_token(const store::ApiToken& token) {
  impl_->write([&](Snapshot& s) {
    auto& tokens = edit(s.tokens);
    auto old = tokens.find(token.token_hash);
    auto stamp = old == tokens.end() ? nullptr : old->second.last_used;
    tokens.insert_or_assign(token.token_hash, make_entry(token, std::move(stamp)));
  });
  impl_->unknown.forget(token.token_hash);
}

void AccountIndex::remove_token(std::string_view token_id) {
  impl_->write(
      [&](Snapshot& s) { std::erase_if(edit(s.tokens), [&](const auto& kv) { return kv.second.id == token_id; }); });
}

void AccountIndex::put_session(const store::Session& session) {
  impl_->write([&](Snapshot& s) { edit(s.sessions).insert_or_assign(session.id_hash, session); });
}

void AccountIndex::remove_session(std::string_view id_hash) {
  impl_->write([&](Snapshot& s) { edit(s.sessions).erase(std::string(id_hash)); });
}

namespace {

const UserEntry* find_user(const Snapshot& snap, const std::string& username) {
  auto it = snap.users->find(username);
  return it == snap.users->end() ? nullptr : &it->second;
}

// `owner`: the entry's owner in the same snapshot, nullptr when absent.
// Writes the principal only when found.
Lookup grant_token(const TokenEntry& entry, const UserEntry* owner, UnixMs now, Principal& into) {
  if (!entry.active || (entry.expires_ms != 0 && entry.expires_ms <= now)) return Lookup::refused;
  if (owner == nullptr) return Lookup::unknown;  // put_user, then put_token
  if (!owner->user.active) return Lookup::refused;
  // Only a later stamp is written: the line stays clean for same-millisecond requests.
  if (entry.last_used->load(std::memory_order_relaxed) < now) entry.last_used->store(now, std::memory_order_relaxed);
  into.kind = PrincipalKind::user_token;
  into.role = role_of(owner->user);
  into.user_id = entry.username;
  into.token_id = entry.id;
  into.user_quotas = owner->quotas;
  into.token_quotas = entry.quotas;
  return Lookup::found;
}

}  // namespace

std::pair<Lookup, std::optional<TokenGrant>> AccountIndex::find_token(std::string_view raw_token, UnixMs now) {
  TokenGrant grant;
  const Lookup lookup = find_token(raw_token, now, grant.principal);
  if (lookup != Lookup::found) return {lookup, std::nullopt};
  return {lookup, std::move(grant)};
}

Lookup AccountIndex::find_token(std::string_view raw_token, UnixMs now, Principal& into) {
  // Every user token has one length: anything else is not hashed at all.
  if (raw_token.size() != kUserTokenPrefix.size() + 43) return Lookup::unknown;
  ThreadView& v = impl_->view();
  const Snapshot& snap = *v.snapshot;
  const std::uint64_t key = std::hash<std::string_view>{}(raw_token);
  auto* seen = v.tokens.find(key);
  if (seen != nullptr && constant_time_equal(raw_token, seen->raw)) {
    if (seen->tokens_generation != snap.tokens_generation) {
      auto it = snap.tokens->find(seen->token_hash);
      seen->entry = it == snap.tokens->end() ? nullptr : &it->second;
      seen->tokens_generation = snap.tokens_generation;
      seen->users_generation = 0;  // look the owner up again too
    }
    // Removed since this thread saw it: tokens are never made again, so no
    // store lookup can bring it back.
    if (seen->entry == nullptr) return Lookup::refused;
    if (seen->users_generation != snap.users_generation) {
      seen->owner = find_user(snap, seen->entry->username);
      seen->users_generation = snap.users_generation;
    }
    return grant_token(*seen->entry, seen->owner, now, into);
  }
  if (!looks_like_user_token(raw_token)) return Lookup::unknown;
  std::string hash = sha256_hex(raw_token);
  auto it = snap.tokens->find(hash);
  // Unknown tokens stay out of the thread's cache: a flood of them cannot push out real ones.
  if (it == snap.tokens->end()) return impl_->unknown.contains(hash, now) ? Lookup::refused : Lookup::unknown;
  const UserEntry* owner = find_user(snap, it->second.username);
  v.tokens.put(key, {std::string(raw_token), std::move(hash), &it->second, snap.tokens_generation, owner,
                     snap.users_generation});
  return grant_token(it->second, owner, now, into);
}

std::pair<Lookup, std::optional<SessionGrant>> AccountIndex::find_session(std::string_view cookie_value, UnixMs now) {
  if (cookie_value.empty() || cookie_value.size() > kMaxSessionCookie) return {Lookup::unknown, std::nullopt};
  const std::string hash = sha256_hex(cookie_value);
  const Snapshot& snap = *impl_->view().snapshot;
  auto it = snap.sessions->find(hash);
  if (it == snap.sessions->end()) return {Lookup::unknown, std::nullopt};
  const store::Session& session = it->second;
  if (session.expires_ms <= now) return {Lookup::refused, std::nullopt};
  auto user = snap.users->find(session.username);
  if (user == snap.users->end()) return {Lookup::unknown, std::nullopt};
  if (!user->second.user.active) return {Lookup::refused, std::nullopt};
  std::pair<Lookup, std::optional<SessionGrant>> out{Lookup::found, SessionGrant{}};
  SessionGrant& g = *out.second;
  g.principal.kind = PrincipalKind::session;
  g.principal.role = role_of(user->second.user);
  g.principal.user_quotas = user->second.quotas;
  g.principal.user_id = session.username;
  g.principal.token_id = "session";
  g.principal.password_change_required = user->second.user.must_change_password;
  g.csrf_token = session.csrf_token;
  g.expires_ms = session.expires_ms;
  return out;
}

std::optional<store::User> AccountIndex::user(std::string_view username) const {
  const auto snap = impl_->snapshot();
  auto it = snap->users->find(username);
  if (it == snap->users->end()) return std::nullopt;
  return it->second.user;
}

void AccountIndex::remember_unknown_token(std::string_view token_hash, UnixMs now) {
  impl_->unknown.remember(token_hash, now);
}

AccountIndex::Stats AccountIndex::stats() const {
  return {impl_->loads.load(std::memory_order_relaxed), impl_->unknown.size(), impl_->unknown.capacity()};
}

std::vector<std::pair<std::string, UnixMs>> AccountIndex::take_last_used() {
  const auto snap = impl_->snapshot();
  std::vector<std::pair<std::string, UnixMs>> out;
  for (const auto& [hash, entry] : *snap->tokens) {
    if (entry.last_used->load(std::memory_order_relaxed) == 0) continue;
    if (const UnixMs t = entry.last_used->exchange(0, std::memory_order_relaxed); t != 0) out.emplace_back(entry.id, t);
  }
  return out;
}

// Ending a user's other sessions: its own block, apart from the token lookup.
void AccountIndex::remove_sessions_of(std::string_view username, std::string_view except_id_hash) {
  impl_->write([&](Snapshot& s) {
    std::erase_if(edit(s.sessions), [&](const auto& kv) {
      return kv.second.username == username && kv.second.id_hash != except_id_hash;
    });
  });
}

std::uint64_t AccountIndex::generation() const { return impl_->generation.load(std::memory_order_acquire); }

}  // namespace aisbf::auth

// AccountIndex: users, API tokens and dashboard sessions in memory, so that
// authenticating a request never waits on the database. Loaded from the
// store at start and refreshed periodically (other instances' changes);
// writes made through this instance update it at once (a revoked token is
// refused by the next request).
//
// Thread-safe. Lookups read an immutable snapshot (one atomic load); a token
// seen before costs one hash-map probe and a constant-time compare, not a
// SHA-256.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/principal.hpp"
#include "store/store.hpp"

namespace aisbf::auth {

struct TokenGrant {
  // kind user_token: user_id = username, role, token_id = ApiToken::id, and
  // the user's and the token's quotas (parsed when stored; nullptr: none).
  Principal principal;
};

struct SessionGrant {
  Principal principal;     // kind session
  std::string csrf_token;  // the X-CSRF-Token a state-changing request must send
  store::UnixMs expires_ms = 0;
};

enum class Lookup : std::uint8_t {
  found,
  refused,  // known, but inactive, expired, or its user is inactive: 401, no store lookup
  unknown,  // not in memory: may exist in the store (made by another instance); ask it once
};

class AccountIndex {
 public:
  AccountIndex();
  ~AccountIndex();

  // Replaces everything (start, periodic refresh).
  void load(std::span<const store::User> users, std::span<const store::ApiToken> tokens,
            std::span<const store::Session> sessions);

  void put_user(const store::User& user);  // role or active changes apply to the user's tokens and sessions
  // The user changed their own password: sets the hash and clears
  // must_change_password on the entry the index holds now, leaving its
  // other fields (an admin's concurrent role or active change) as they are.
  // Nothing when the user is not in the index (the next load brings it).
  void password_changed(std::string_view username, std::string_view new_hash);
  void remove_user(std::string_view username);
  void put_token(const store::ApiToken& token);
  void remove_token(std::string_view token_id);
  void put_session(const store::Session& session);
  void remove_session(std::string_view id_hash);
  // Every session of `username` but `except_id_hash` (empty: all), after a
  // password, role or active change. Defined at the end of the .cpp.
  void remove_sessions_of(std::string_view username, std::string_view except_id_hash);
  // Moves on every write: a refresh compares it before and after reading the
  // store, so that it never loads over a revocation made meanwhile.
  std::uint64_t generation() const;

  // `raw_token`: what the client sent after "Bearer ". Marks the token used (take_last_used).
  // unknown without hashing when it does not look like a user token
  // (looks_like_user_token), and when the token's owner is not in the index
  // (put_user before put_token). A token this thread saw and that has been
  // removed since is refused: tokens are never made again. So is one the
  // store said it does not hold (remember_unknown_token), until the next
  // load() or the memory's time-to-live.
  std::pair<Lookup, std::optional<TokenGrant>> find_token(std::string_view raw_token, store::UnixMs now);
  // The same, written into `into` (only when found): the request path's
  // form, with no grant to build and move.
  Lookup find_token(std::string_view raw_token, store::UnixMs now, Principal& into);
  // `cookie_value`: the session cookie's value as sent (over 512 bytes: unknown, not hashed).
  // Principal::token_id is "session". Expired (expires_ms <= now): refused.
  std::pair<Lookup, std::optional<SessionGrant>> find_session(std::string_view cookie_value, store::UnixMs now);

  std::optional<store::User> user(std::string_view username) const;

  // The store holds no token with this SHA-256 hex: refuse it without asking
  // again (bounded memory; see unknown_tokens.hpp). put_token forgets it.
  void remember_unknown_token(std::string_view token_hash, store::UnixMs now);
  struct Stats {
    std::uint64_t loads = 0;  // full refreshes from the store (load())
    std::size_t unknown_tokens = 0, max_unknown_tokens = 0;
  };
  Stats stats() const;

  // Tokens used since the last call, with their latest use (written to the
  // store in one batch by the caller).
  std::vector<std::pair<std::string, store::UnixMs>> take_last_used();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aisbf::auth

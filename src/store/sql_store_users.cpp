// SqlStore: users, API tokens and dashboard sessions.
#include <fmt/format.h>

#include "store/sql_store.hpp"

namespace aisbf::store {

namespace {

constexpr std::string_view kUserColumns =
    "username, role, active, allow_private_endpoints, password_hash, quotas_json, created_ms, last_login_ms, "
    "must_change_password";
constexpr std::string_view kTokenColumns =
    "id, username, token_hash, description, quotas_json, created_ms, last_used_ms, expires_ms, active";
constexpr std::string_view kSessionColumns = "id_hash, username, csrf_token, created_ms, expires_ms";

constexpr const char* kLastAdmin = "the last active admin stays an active admin";

const char* role_name(UserRole role) { return role == UserRole::admin ? "admin" : "user"; }

User user_from(const SqlRow& r) {
  User u;
  u.username = r.text(0);
  u.role = r.text(1) == "admin" ? UserRole::admin : UserRole::user;
  u.active = r.integer(2) != 0;
  u.allow_private_endpoints = r.integer(3) != 0;
  u.password_hash = r.text(4);
  u.quotas_json = r.text(5);
  u.created_ms = r.integer(6);
  u.last_login_ms = r.integer(7);
  u.must_change_password = r.integer(8) != 0;
  return u;
}

ApiToken token_from(const SqlRow& r) {
  ApiToken t;
  t.id = r.text(0);
  t.username = r.text(1);
  t.token_hash = r.text(2);
  t.description = r.text(3);
  t.quotas_json = r.text(4);
  t.created_ms = r.integer(5);
  t.last_used_ms = r.integer(6);
  t.expires_ms = r.integer(7);
  t.active = r.integer(8) != 0;
  return t;
}

Session session_from(const SqlRow& r) { return Session{r.text(0), r.text(1), r.text(2), r.integer(3), r.integer(4)}; }

std::string or_empty_object(const std::string& json) { return json.empty() ? "{}" : json; }

// Rows of `sql` mapped by `from`.
template <class T, class From>
Result<std::vector<T>> select_all(SqlConnection& conn, const std::string& sql, std::span<const SqlValue> params,
                                  From from) {
  std::vector<T> out;
  auto r = conn.query(sql, params, [&](const SqlRow& row) {
    out.push_back(from(row));
    return true;
  });
  if (!r) return r.error();
  return out;
}

template <class T, class From>
Result<std::optional<T>> select_one(SqlConnection& conn, const std::string& sql, std::span<const SqlValue> params,
                                    From from) {
  std::optional<T> out;
  auto r = conn.query(sql, params, [&](const SqlRow& row) {
    out = from(row);
    return false;
  });
  if (!r) return r.error();
  return out;
}

}  // namespace

Result<Done> SqlStore::create_user(const User& u) {
  const SqlValue p[] = {u.username,
                        role_name(u.role),
                        flag(u.active),
                        flag(u.allow_private_endpoints),
                        u.password_hash,
                        or_empty_object(u.quotas_json),
                        u.created_ms,
                        u.last_login_ms,
                        flag(u.must_change_password)};
  return write<Done>([&](SqlConnection& conn) -> Result<Done> {
    auto r = conn.exec(fmt::format("INSERT INTO users ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", kUserColumns), p);
    if (!r) return r.error();
    return Done{};
  });
}

Result<std::optional<User>> SqlStore::find_user(std::string_view username) {
  const SqlValue p[] = {std::string(username)};
  return read<std::optional<User>>([&](SqlConnection& conn) {
    return select_one<User>(conn, fmt::format("SELECT {} FROM users WHERE username = ?", kUserColumns), p, user_from);
  });
}

Result<std::vector<User>> SqlStore::list_users() {
  return read<std::vector<User>>([&](SqlConnection& conn) {
    return select_all<User>(conn, fmt::format("SELECT {} FROM users ORDER BY username", kUserColumns), {}, user_from);
  });
}

namespace {

// Inside a transaction: locks the active admins and `username`, then refuses
// (conflict) a change that would leave no active admin. The locks make the
// check and the change one step: of two requests demoting two admins at
// once, the second waits for the first and then sees it. FOR UPDATE in
// username order, so that two such transactions queue instead of
// deadlocking; SQLite has no FOR UPDATE, and its BEGIN IMMEDIATE already
// serialises writers. `next`: the user after the change, nullptr: deleted.
Result<Done> keep_an_admin(SqlConnection& conn, const std::string& username, const User* next) {
  const SqlValue p[] = {username};
  const std::string sql = fmt::format(
      "SELECT username, role, active FROM users WHERE (role = 'admin' AND active = 1) OR username = ? "
      "ORDER BY username{}",
      conn.dialect() == Dialect::sqlite ? "" : " FOR UPDATE");
  bool found = false, was_admin = false;
  std::int64_t other_admins = 0;
  auto r = conn.query(sql, p, [&](const SqlRow& row) {
    const bool admin = row.text(1) == "admin" && row.integer(2) != 0;
    if (row.text(0) == username) {
      found = true;
      was_admin = admin;
    } else if (admin) {
      ++other_admins;
    }
    return true;
  });
  if (!r) return r.error();
  if (!found) return StoreError{StoreError::Kind::not_found, "no such user"};
  const bool stays_admin = next != nullptr && next->role == UserRole::admin && next->active;
  if (was_admin && !stays_admin && other_admins == 0) return StoreError{StoreError::Kind::conflict, kLastAdmin};
  return Done{};
}

}  // namespace

Result<Done> SqlStore::update_user(const User& u) {
  const SqlValue p[] = {role_name(u.role),
                        flag(u.active),
                        flag(u.allow_private_endpoints),
                        u.password_hash,
                        or_empty_object(u.quotas_json),
                        u.last_login_ms,
                        flag(u.must_change_password),
                        u.username};
  return transaction<Done>([&](SqlConnection& conn) -> Result<Done> {
    if (auto kept = keep_an_admin(conn, u.username, &u); !kept) return kept.error();
    auto changed = conn.exec(
        "UPDATE users SET role = ?, active = ?, allow_private_endpoints = ?, password_hash = ?, quotas_json = ?, "
        "last_login_ms = ?, must_change_password = ? WHERE username = ?",
        p);
    if (!changed) return changed.error();
    return Done{};  // found above, locked: 0 rows here is MySQL counting an update to the same values
  });
}

// Explicit deletes rather than relying on ON DELETE CASCADE alone: SQLite
// only cascades with foreign_keys=ON, and the statement order keeps every
// backend's foreign keys satisfied.
Result<Done> SqlStore::delete_user(std::string_view username) {
  const std::string name(username);
  const SqlValue p[] = {name};
  return transaction<Done>([&](SqlConnection& conn) -> Result<Done> {
    if (auto kept = keep_an_admin(conn, name, nullptr); !kept) return kept.error();
    for (const char* sql : {"DELETE FROM api_tokens WHERE username = ?", "DELETE FROM sessions WHERE username = ?",
                            "DELETE FROM config_docs WHERE username = ?",
                            "DELETE FROM stored_responses WHERE owner = ?"}) {
      if (auto r = conn.exec(sql, p); !r) return r.error();
    }
    return expect_one_row(conn.exec("DELETE FROM users WHERE username = ?", p), "user");
  });
}

Result<std::int64_t> SqlStore::count_active_admins() {
  return read<std::int64_t>([&](SqlConnection& conn) -> Result<std::int64_t> {
    auto n = select_one<std::int64_t>(conn, "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1", {},
                                      [](const SqlRow& r) { return r.integer(0); });
    if (!n) return n.error();
    return n.value().value_or(0);
  });
}

Result<Done> SqlStore::create_token(const ApiToken& t) {
  const SqlValue p[] = {t.id,         t.username,     t.token_hash, t.description, or_empty_object(t.quotas_json),
                        t.created_ms, t.last_used_ms, t.expires_ms, flag(t.active)};
  return write<Done>([&](SqlConnection& conn) -> Result<Done> {
    auto r = conn.exec(fmt::format("INSERT INTO api_tokens ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", kTokenColumns), p);
    if (!r) return r.error();
    return Done{};
  });
}

Result<std::optional<ApiToken>> SqlStore::find_token_by_hash(std::string_view token_hash) {
  const SqlValue p[] = {std::string(token_hash)};
  return read<std::optional<ApiToken>>([&](SqlConnection& conn) {
    return select_one<ApiToken>(conn, fmt::format("SELECT {} FROM api_tokens WHERE token_hash = ?", kTokenColumns), p,
                                token_from);
  });
}

Result<std::vector<ApiToken>> SqlStore::list_tokens(std::string_view username) {
  const SqlValue p[] = {std::string(username)};
  return read<std::vector<ApiToken>>([&](SqlConnection& conn) {
    return select_all<ApiToken>(
        conn, fmt::format("SELECT {} FROM api_tokens WHERE username = ? ORDER BY created_ms, id", kTokenColumns), p,
        token_from);
  });
}

Result<std::vector<ApiToken>> SqlStore::list_all_tokens() {
  return read<std::vector<ApiToken>>([&](SqlConnection& conn) {
    return select_all<ApiToken>(
        conn,
        "SELECT t.id, t.username, t.token_hash, t.description, t.quotas_json, t.created_ms, t.last_used_ms, "
        "t.expires_ms, t.active FROM api_tokens t JOIN users u ON u.username = t.username WHERE u.active = 1 "
        "ORDER BY t.username, t.created_ms, t.id",
        {}, token_from);
  });
}

Result<Done> SqlStore::delete_token(std::string_view username, std::string_view id) {
  const SqlValue p[] = {std::string(username), std::string(id)};
  return write<Done>([&](SqlConnection& conn) {
    return expect_one_row(conn.exec("DELETE FROM api_tokens WHERE username = ? AND id = ?", p), "token");
  });
}

// Batched by the caller; one transaction so that a batch costs one fsync.
// Never moves last_used_ms backwards (two instances flush out of order).
Result<Done> SqlStore::touch_tokens(std::span<const std::pair<std::string, UnixMs>> last_used) {
  if (last_used.empty()) return Done{};
  return transaction<Done>([&](SqlConnection& conn) -> Result<Done> {
    for (const auto& [id, time] : last_used) {
      const SqlValue p[] = {time, id, time};
      auto r = conn.exec("UPDATE api_tokens SET last_used_ms = ? WHERE id = ? AND last_used_ms < ?", p);
      if (!r) return r.error();
    }
    return Done{};
  });
}

Result<Done> SqlStore::create_session(const Session& s) {
  const SqlValue p[] = {s.id_hash, s.username, s.csrf_token, s.created_ms, s.expires_ms};
  return write<Done>([&](SqlConnection& conn) -> Result<Done> {
    auto r = conn.exec(fmt::format("INSERT INTO sessions ({}) VALUES (?, ?, ?, ?, ?)", kSessionColumns), p);
    if (!r) return r.error();
    return Done{};
  });
}

Result<std::optional<Session>> SqlStore::find_session(std::string_view id_hash) {
  const SqlValue p[] = {std::string(id_hash)};
  return read<std::optional<Session>>([&](SqlConnection& conn) {
    return select_one<Session>(conn, fmt::format("SELECT {} FROM sessions WHERE id_hash = ?", kSessionColumns), p,
                               session_from);
  });
}

Result<Done> SqlStore::delete_session(std::string_view id_hash) {
  const SqlValue p[] = {std::string(id_hash)};
  return write<Done>([&](SqlConnection& conn) -> Result<Done> {
    auto r = conn.exec("DELETE FROM sessions WHERE id_hash = ?", p);
    if (!r) return r.error();
    return Done{};
  });
}

Result<std::int64_t> SqlStore::delete_expired_sessions(UnixMs now) {
  const SqlValue p[] = {now};
  return write<std::int64_t>(
      [&](SqlConnection& conn) { return conn.exec("DELETE FROM sessions WHERE expires_ms <= ?", p); });
}

Result<Done> SqlStore::open_session(const Session& s, std::string_view checked_hash, std::string_view rehash) {
  const SqlValue stamp[] = {s.created_ms, std::string(rehash.empty() ? checked_hash : rehash), s.username,
                            std::string(checked_hash)};
  const SqlValue row[] = {s.id_hash, s.username, s.csrf_token, s.created_ms, s.expires_ms};
  return transaction<Done>([&](SqlConnection& conn) -> Result<Done> {
    // The row lock this takes orders the login with a concurrent
    // deactivation or password change: either it sees their change and
    // writes nothing, or they come after and end this session too.
    auto matched = conn.exec(
        "UPDATE users SET last_login_ms = ?, password_hash = ? WHERE username = ? AND active = 1 AND password_hash = ?",
        stamp);
    if (!matched) return matched.error();
    if (matched.value() == 0) return StoreError{StoreError::Kind::conflict, "the user changed during the login"};
    auto r = conn.exec(fmt::format("INSERT INTO sessions ({}) VALUES (?, ?, ?, ?, ?)", kSessionColumns), row);
    if (!r) return r.error();
    return Done{};
  });
}

Result<Done> SqlStore::change_password(std::string_view username, std::string_view checked_hash,
                                       std::string_view new_hash, std::string_view keep_session) {
  const SqlValue set[] = {std::string(new_hash), std::string(username), std::string(checked_hash)};
  const SqlValue others[] = {std::string(username), std::string(keep_session)};
  return transaction<Done>([&](SqlConnection& conn) -> Result<Done> {
    auto matched = conn.exec(
        "UPDATE users SET password_hash = ?, must_change_password = 0 WHERE username = ? AND password_hash = ?", set);
    if (!matched) return matched.error();
    if (matched.value() == 0) return StoreError{StoreError::Kind::conflict, "the password changed meanwhile"};
    auto ended = conn.exec("DELETE FROM sessions WHERE username = ? AND id_hash <> ?", others);
    if (!ended) return ended.error();
    return Done{};
  });
}

Result<std::int64_t> SqlStore::delete_user_sessions(std::string_view username, std::string_view except_id_hash) {
  const SqlValue p[] = {std::string(username), std::string(except_id_hash)};
  return write<std::int64_t>(
      [&](SqlConnection& conn) { return conn.exec("DELETE FROM sessions WHERE username = ? AND id_hash <> ?", p); });
}

}  // namespace aisbf::store

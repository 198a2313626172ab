// Store's composed defaults for stores that only implement the plain calls
// (test fakes): right in a single-threaded test, without the atomicity
// SqlStore's own versions give.
#include "store/store.hpp"

namespace aisbf::store {

namespace {

StoreError changed(const char* what) { return StoreError{StoreError::Kind::conflict, what}; }

}  // namespace

Result<Done> Store::open_session(const Session& session, std::string_view checked_hash, std::string_view rehash) {
  auto found = find_user(session.username);
  if (!found) return found.error();
  if (!found.value() || !found.value()->active || found.value()->password_hash != checked_hash)
    return changed("the user changed during the login");
  User user = std::move(*found.value());
  user.last_login_ms = session.created_ms;
  if (!rehash.empty()) user.password_hash = std::string(rehash);
  if (auto updated = update_user(user); !updated) return updated.error();
  return create_session(session);
}

Result<Done> Store::change_password(std::string_view username, std::string_view checked_hash,
                                    std::string_view new_hash, std::string_view keep_session) {
  auto found = find_user(username);
  if (!found) return found.error();
  if (!found.value()) return StoreError{StoreError::Kind::not_found, "no such user"};
  if (found.value()->password_hash != checked_hash) return changed("the password changed meanwhile");
  User user = std::move(*found.value());
  user.password_hash = std::string(new_hash);
  user.must_change_password = false;
  if (auto updated = update_user(user); !updated) return updated.error();
  auto ended = delete_user_sessions(username, keep_session);
  if (!ended) return ended.error();
  return Done{};
}

}  // namespace aisbf::store

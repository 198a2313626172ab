// The first start: an active admin must exist, and it is never admin/admin.
// Blocking (store calls, an argon2id hash): run by main after the store's
// migrate, before serving.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "store/store.hpp"

namespace aisbf::auth {

inline constexpr const char* kInitialPasswordFile = "initial-admin-password";

struct BootstrapResult {
  bool created = false;  // an admin was created (or an existing user made one) now
  std::string username;  // "admin" (or AISBF's dashboard.username)
  std::string password;  // the generated password, when one was generated (printed once by main), else empty
  std::filesystem::path password_file;  // <config dir>/initial-admin-password when written
  std::vector<std::string> warnings;    // for the log; never hold a secret
  std::optional<store::StoreError> error;
};

// Nothing when the store has an active admin. Else the admin is
// `dashboard.username` (default "admin") with, in order of preference:
// AISBF's `dashboard.password` (sha256 hex) as "sha256:<hex>", rehashed at
// the first login; unless it is sha256("admin"), AISBF's default, which is
// refused with a warning; else a random password, hashed with argon2id,
// returned and written alone on one line to <config_dir>/initial-admin-password
// (mode 0600, replacing an older one atomically), which must be changed at
// the first login (User::must_change_password). A user of that name who
// exists without being an active admin becomes one, with the new password.
BootstrapResult ensure_admin(store::Store& store, const std::filesystem::path& config_dir,
                             const boost::json::object& aisbf_json, store::UnixMs now);

}  // namespace aisbf::auth

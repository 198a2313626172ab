#include "auth/bootstrap.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "auth/api_tokens.hpp"
#include "auth/passwords.hpp"
#include "config/fd_write.hpp"

namespace aisbf::auth {

namespace {

constexpr std::string_view kDefaultAdmin = "admin";

struct Dashboard {
  std::string username{kDefaultAdmin};
  std::string sha256_hex;  // lowercase, empty when none usable
};

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// aisbf.json's `dashboard` section as AISBF wrote it.
Dashboard read_dashboard(const boost::json::object& aisbf_json, std::vector<std::string>& warnings) {
  Dashboard out;
  const auto* section = aisbf_json.if_contains("dashboard");
  if (section == nullptr || !section->is_object()) return out;
  const auto& dash = section->get_object();
  if (const auto* name = dash.if_contains("username"); name != nullptr && name->is_string()) {
    const std::string candidate = lower(name->get_string());
    if (valid_username(candidate)) {
      out.username = candidate;
    } else {
      warnings.push_back("dashboard.username is not a valid user name; the first admin is \"admin\"");
    }
  }
  if (const auto* pw = dash.if_contains("password"); pw != nullptr && pw->is_string()) {
    const std::string_view text = pw->get_string();
    if (!is_hex64(text)) {
      warnings.push_back("dashboard.password is not a sha256 hash (64 hex digits); ignored");
    } else if (lower(text) == sha256_hex("admin")) {
      warnings.push_back("dashboard.password is AISBF's default (admin); refused, a random password is generated");
    } else {
      out.sha256_hex = lower(text);
    }
  }
  return out;
}


// The password alone on one line, mode 0600: a new temporary file (O_EXCL,
// so nobody else's file is written through) renamed over any older one.
std::optional<std::string> write_password_file(const std::filesystem::path& file, std::string_view password) {
  const std::string tmp = file.string() + ".tmp." + random_hex(8);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return "cannot create " + tmp + ": " + std::strerror(errno);
  std::string line = std::string(password) + "\n";
  const bool ok = ::fchmod(fd, 0600) == 0 && write_all(fd, line) && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
    const int e = ok ? errno : saved;
    ::unlink(tmp.c_str());
    return "cannot write " + file.string() + ": " + std::strerror(e);
  }
  return std::nullopt;
}

// Creates the admin, or makes the existing user of that name an active admin.
std::optional<store::StoreError> save_admin(store::Store& store, store::User admin,
                                            std::vector<std::string>& warnings) {
  auto existing = store.find_user(admin.username);
  if (!existing) return existing.error();
  if (!existing.value()) {
    auto made = store.create_user(admin);
    return made ? std::nullopt : std::optional(made.error());
  }
  store::User user = *existing.value();
  warnings.push_back("user \"" + user.username +
                     "\" existed without being an active admin: made one, with a new password");
  user.role = store::UserRole::admin;
  user.active = true;
  user.password_hash = std::move(admin.password_hash);
  user.must_change_password = admin.must_change_password;
  auto updated = store.update_user(user);
  return updated ? std::nullopt : std::optional(updated.error());
}

}  // namespace

BootstrapResult ensure_admin(store::Store& store, const std::filesystem::path& config_dir,
                             const boost::json::object& aisbf_json, store::UnixMs now) {
  BootstrapResult out;
  auto admins = store.count_active_admins();
  if (!admins) {
    out.error = admins.error();
    return out;
  }
  if (admins.value() > 0) return out;

  const Dashboard dash = read_dashboard(aisbf_json, out.warnings);
  store::User admin;
  admin.username = dash.username;
  admin.role = store::UserRole::admin;
  admin.quotas_json = "{}";
  admin.created_ms = now;
  if (!dash.sha256_hex.empty()) {
    admin.password_hash = "sha256:" + dash.sha256_hex;
  } else {
    out.password = random_password();
    admin.password_hash = hash_password(out.password);
    admin.must_change_password = true;  // printed and written to a file: the first login replaces it
    if (admin.password_hash.empty()) {
      out.password.clear();
      out.error =
          store::StoreError{store::StoreError::Kind::internal, "cannot hash the admin password (out of memory)"};
      return out;
    }
  }
  if (auto failed = save_admin(store, admin, out.warnings)) {
    out.password.clear();
    out.error = std::move(failed);
    return out;
  }
  out.created = true;
  out.username = admin.username;
  if (!out.password.empty()) {
    const auto file = config_dir / kInitialPasswordFile;
    if (auto problem = write_password_file(file, out.password)) {
      out.warnings.push_back(*problem);
    } else {
      out.password_file = file;
    }
  }
  return out;
}

}  // namespace aisbf::auth

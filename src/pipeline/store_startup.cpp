#include "pipeline/store_startup.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <boost/json/parse.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "auth/bootstrap.hpp"
#include "auth/request_auth.hpp"
#include "store/database_settings.hpp"

namespace aisbf {

namespace {

// aisbf.json as an object (load_config has validated it already; a file
// that cannot be read here reads as {}).
boost::json::object read_aisbf_json(const std::filesystem::path& config_dir) {
  std::ifstream in(config_dir / "aisbf.json", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  auto value = boost::json::parse(text.str(), ec);
  if (ec || !value.is_object()) return {};
  return std::move(value.as_object());
}

void announce_password(const auth::BootstrapResult& result) {
  // stderr, not the log: the log may be kept or shipped; this is shown once.
  std::fprintf(stderr,
               "\naisbf: created the admin user '%s' with the password\n\n    %s\n\n"
               "It is also in %s (mode 0600). Log in, change it (PATCH /api/user/password) and delete that file.\n\n",
               result.username.c_str(), result.password.c_str(), result.password_file.string().c_str());
  std::fflush(stderr);
}

}  // namespace

OpenedStore open_user_store(const std::filesystem::path& config_dir) {
  OpenedStore out;
  const auto aisbf_json = read_aisbf_json(config_dir);
  const auto* section = aisbf_json.if_contains("database");
  auto read = store::read_database_settings(section != nullptr && section->is_object() ? &section->as_object() : nullptr,
                                            config_dir);
  for (const auto& w : read.warnings) spdlog::warn("aisbf.json {}: {}", w.json_path, w.message);
  if (!read.errors.empty()) {
    out.error = fmt::format("aisbf.json {}: {}", read.errors.front().json_path, read.errors.front().message);
    return out;
  }
  const auto& settings = read.settings;
  auto opened = store::open_store(settings);
  if (!opened) {
    out.error = fmt::format("cannot open the {} database: {}", settings.type, opened.error().message);
    return out;
  }
  std::shared_ptr<store::Store> store = std::move(opened.value());
  auto migrated = store->migrate();
  if (!migrated) {
    out.error = fmt::format("{} database: {}", store->backend(), migrated.error().message);
    return out;
  }
  auto admin = auth::ensure_admin(*store, config_dir, aisbf_json, auth::unix_now_ms());
  for (const auto& w : admin.warnings) spdlog::warn("{}", w);
  if (admin.error) {
    out.error = fmt::format("{} database: creating the first admin failed: {}", store->backend(), admin.error->message);
    return out;
  }
  if (admin.created && !admin.password.empty()) announce_password(admin);
  else if (admin.created) spdlog::info("created the admin user '{}' from aisbf.json's dashboard section", admin.username);
  spdlog::info("user store: {} at schema version {}", store->backend(), migrated.value());
  out.store = std::move(store);
  return out;
}

}  // namespace aisbf

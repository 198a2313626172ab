#include "config/config_edit.hpp"

#include <fmt/format.h>

#include "config/json_reader.hpp"

namespace aisbf {

namespace json = boost::json;

namespace {

// The object holding the entries of `kind`; created (as an empty object)
// when the file lacks it. Null when the file's structure is not an object
// there (the loaders report that; an edit cannot fix it).
json::object* container(ConfigDocuments& documents, EntryKind kind, bool create) {
  json::value& root = documents.doc(entry_file(kind));
  json::object* obj = root.if_object();
  if (obj == nullptr) return nullptr;
  const std::string_view key = entry_container_key(kind);
  if (key.empty()) return obj;
  json::value* inner = obj->if_contains(key);
  if (inner == nullptr) {
    if (!create) return nullptr;
    inner = &((*obj)[key] = json::object());
  }
  return inner->if_object();
}

const json::object* const_container(const ConfigDocuments& documents, EntryKind kind) {
  return container(const_cast<ConfigDocuments&>(documents), kind, false);
}

std::string quoted_list(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + config_detail::json_quoted(id);
  return out;
}

// Rotations whose providers[] name `provider_id`.
std::vector<std::string> rotations_using(const ConfigDocuments& documents, std::string_view provider_id) {
  std::vector<std::string> users;
  const json::object* rotations = const_container(documents, EntryKind::rotation);
  if (rotations == nullptr) return users;
  for (const auto& kv : *rotations) {
    const json::object* rotation = kv.value().if_object();
    const json::value* providers = rotation ? rotation->if_contains("providers") : nullptr;
    if (providers == nullptr || !providers->is_array()) continue;
    for (const auto& entry : providers->get_array()) {
      const json::value* id = entry.is_object() ? entry.get_object().if_contains("provider_id") : nullptr;
      if (id != nullptr && id->is_string() && id->get_string() == provider_id) {
        users.emplace_back(kv.key());
        break;
      }
    }
  }
  return users;
}

bool names_model(const json::value* v, std::string_view id) { return v != nullptr && v->is_string() && v->get_string() == id; }

// Autoselects whose fallback or available_models[].model_id name `rotation_id`.
std::vector<std::string> autoselects_using(const ConfigDocuments& documents, std::string_view rotation_id) {
  std::vector<std::string> users;
  const json::object* autoselects = const_container(documents, EntryKind::autoselect);
  if (autoselects == nullptr) return users;
  for (const auto& kv : *autoselects) {
    const json::object* a = kv.value().if_object();
    if (a == nullptr) continue;
    bool uses = names_model(a->if_contains("fallback"), rotation_id);
    const json::value* models = a->if_contains("available_models");
    if (!uses && models != nullptr && models->is_array()) {
      for (const auto& m : models->get_array())
        uses = uses || (m.is_object() && names_model(m.get_object().if_contains("model_id"), rotation_id));
    }
    if (uses) users.emplace_back(kv.key());
  }
  return users;
}

const json::value* at_path(const json::value& root, std::initializer_list<std::string_view> keys) {
  const json::value* v = &root;
  for (auto key : keys) {
    const json::object* obj = v->if_object();
    v = obj ? obj->if_contains(key) : nullptr;
    if (v == nullptr) return nullptr;
  }
  return v;
}

json::object& section(json::object& root, std::string_view key) {
  json::value& v = root[key];
  if (!v.is_object()) v = json::object();
  return v.get_object();
}

EditResult invalid(std::string message) { return {EditResult::Status::invalid, std::move(message)}; }

}  // namespace

ConfigFile entry_file(EntryKind kind) {
  switch (kind) {
    case EntryKind::provider: return ConfigFile::providers;
    case EntryKind::rotation: return ConfigFile::rotations;
    case EntryKind::autoselect: return ConfigFile::autoselect;
  }
  return ConfigFile::providers;
}

std::string_view entry_container_key(EntryKind kind) {
  switch (kind) {
    case EntryKind::provider: return "providers";
    case EntryKind::rotation: return "rotations";
    case EntryKind::autoselect: return "";
  }
  return "";
}

const json::object* find_entry(const ConfigDocuments& documents, EntryKind kind, std::string_view id) {
  const json::object* entries = const_container(documents, kind);
  const json::value* entry = entries ? entries->if_contains(id) : nullptr;
  return entry ? entry->if_object() : nullptr;
}

EditResult put_entry(ConfigDocuments& documents, EntryKind kind, std::string_view id, json::object entry) {
  json::object* entries = container(documents, kind, true);
  if (entries == nullptr) {
    return invalid(fmt::format("{} is not an object where its entries belong; fix the file first",
                               config_file_name(entry_file(kind))));
  }
  const bool exists = entries->contains(id);
  (*entries)[id] = std::move(entry);  // an existing key keeps its place
  documents.mark_changed(entry_file(kind));
  return {exists ? EditResult::Status::ok : EditResult::Status::created, {}};
}

EditResult delete_entry(ConfigDocuments& documents, EntryKind kind, std::string_view id) {
  json::object* entries = container(documents, kind, false);
  if (entries == nullptr || !entries->contains(id)) return {EditResult::Status::not_found, {}};
  std::vector<std::string> users;
  if (kind == EntryKind::provider) users = rotations_using(documents, id);
  if (kind == EntryKind::rotation) users = autoselects_using(documents, id);
  if (!users.empty()) {
    const char* what = kind == EntryKind::provider ? "rotation" : "autoselect";
    return {EditResult::Status::conflict,
            fmt::format("{} is used by {} {}; remove it there first", config_detail::json_quoted(id),
                        users.size() == 1 ? what : (kind == EntryKind::provider ? "rotations" : "autoselects"),
                        quoted_list(users))};
  }
  entries->erase(id);
  documents.mark_changed(entry_file(kind));
  return {};
}

namespace {

constexpr std::string_view kStartOnly[] = {
    // main.cpp: the listener and its sessions' bounds.
    "server.host",
    "server.port",
    "server.header_timeout",
    "server.idle_timeout",
    "server.shutdown_grace",
    "server.max_connections",
    "server.max_inflight_requests",
    "server.protocol",
    "server.http_port",
    "server.ssl_reload_interval",
    // main opens the access log once (pipeline/access_log_writer.hpp).
    "server.access_log",
    "server.log_format",
    // store/ opens it, the usage recorder and the accounts' upkeep read it, at start.
    "database",
    // App makes the response cache once: its backend and that backend's settings.
    "response_cache.backend",
    "response_cache.max_size",
    "response_cache.max_memory_cache",
    "response_cache.max_memory_bytes",
    "response_cache.redis_host",
    "response_cache.redis_port",
    "response_cache.redis_db",
    "response_cache.redis_password",
    "response_cache.redis_key_prefix",
    "response_cache.sqlite_path",
    "response_cache.mysql_host",
    "response_cache.mysql_port",
    "response_cache.mysql_user",
    "response_cache.mysql_password",
    "response_cache.mysql_database",
    "response_cache.file_dir",
    // GatewayState's bounded maps.
    "routing.max_tracked_keys",
    "autoselect.cache_max_entries",
    // auth/bootstrap.cpp: the first admin's name and password, read at a
    // start only while the database has no active admin; afterwards users
    // change on the users page (a restart alone does not apply them).
    "dashboard.username",
    "dashboard.password",
    // pipeline/tor_service.hpp: the onion service is published at start
    // (socks_host and socks_port apply at once: providers' `proxy: "tor"`).
    "tor.enabled",
    "tor.control_host",
    "tor.control_port",
    "tor.control_password",
    "tor.hidden_service_dir",
    "tor.hidden_service_port",
};

constexpr std::string_view kUnused[] = {
    "cache",
    "batching",
    "client_rate_limiting",
    "signup",
    "smtp",
    "oauth2",
    "billing",
    "currency",
    "payment_gateways",
};

const json::value* at_dotted(const json::value& root, std::string_view path) {
  const json::value* v = &root;
  while (v != nullptr) {
    const auto dot = path.find('.');
    const json::object* obj = v->if_object();
    v = obj ? obj->if_contains(path.substr(0, dot)) : nullptr;
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  return v;
}

}  // namespace

std::span<const std::string_view> start_only_settings() { return kStartOnly; }
std::span<const std::string_view> unused_settings() { return kUnused; }

void put_settings(ConfigDocuments& documents, const json::object& sections) {
  json::value& root = documents.doc(ConfigFile::aisbf);
  if (!root.is_object()) root = json::object();
  json::object& obj = root.get_object();
  for (const auto& kv : sections) obj[kv.key()] = kv.value();
  documents.mark_changed(ConfigFile::aisbf);
}

std::vector<std::string> settings_awaiting_restart(const json::value& running, const json::value& file) {
  std::vector<std::string> restart;
  for (std::string_view path : kStartOnly) {
    const json::value* a = at_dotted(running, path);
    const json::value* b = at_dotted(file, path);
    if ((a == nullptr) != (b == nullptr) || (a != nullptr && *a != *b)) restart.emplace_back(path);
  }
  return restart;
}

json::object condensation_settings(const json::value& aisbf) {
  auto or_null = [](const json::value* v) { return v ? *v : json::value(nullptr); };
  json::object out;
  out["condensation_model_id"] = or_null(at_path(aisbf, {"internal_model", "condensation_model_id"}));
  out["condensation_max_tokens"] = or_null(at_path(aisbf, {"internal_model", "condensation_max_tokens"}));
  out["mode"] = or_null(at_path(aisbf, {"feature_controls", "context_condensation", "mode"}));
  return out;
}

EditResult put_condensation(ConfigDocuments& documents, const json::object& body) {
  for (const auto& kv : body) {
    const std::string_view key = kv.key();
    const json::value& v = kv.value();
    if (key == "condensation_model_id" && !v.is_string()) return invalid("condensation_model_id: expected a string");
    if (key == "condensation_max_tokens" && !(v.is_int64() && v.get_int64() >= 64))
      return invalid("condensation_max_tokens: expected an integer of at least 64");
    if (key == "mode" && !(v.is_string() && (v.get_string() == "enabled" || v.get_string() == "disabled" ||
                                             v.get_string() == "inherit")))
      return invalid("mode: expected \"enabled\", \"disabled\" or \"inherit\"");
    if (key != "condensation_model_id" && key != "condensation_max_tokens" && key != "mode")
      return invalid(fmt::format("{}: unknown field (expected condensation_model_id, condensation_max_tokens, mode)",
                                 key));
  }
  json::value& root = documents.doc(ConfigFile::aisbf);
  if (!root.is_object()) root = json::object();
  json::object& obj = root.get_object();
  for (const auto& kv : body) {
    if (kv.key() == "mode") section(section(obj, "feature_controls"), "context_condensation")["mode"] = kv.value();
    else section(obj, "internal_model")[kv.key()] = kv.value();
  }
  documents.mark_changed(ConfigFile::aisbf);
  return {};
}

}  // namespace aisbf

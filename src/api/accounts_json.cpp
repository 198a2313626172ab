#include "api/accounts_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "auth/passwords.hpp"
#include "limits/quotas.hpp"

namespace aisbf::api {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxDescription = 200;
constexpr std::size_t kMaxQuotasJson = 4096;

GatewayError field_error(std::string_view field, std::string message) {
  auto e = make_error(ErrorKind::invalid_request, fmt::format("'{}': {}", field, message));
  e.code = "invalid_value";
  e.param = std::string(field);
  return e;
}

GatewayError body_error(std::string message) {
  auto e = make_error(ErrorKind::invalid_request, std::move(message));
  e.code = "invalid_body";
  return e;
}

Expected<json::object> parse_body(std::string_view body) {
  json::parse_options options;
  options.max_depth = 16;
  boost::system::error_code ec;
  auto value = json::parse(body, ec, {}, options);
  if (ec || !value.is_object()) return body_error("the body must be a JSON object");
  return std::move(value.as_object());
}

json::value seconds_or_null(store::UnixMs ms) {
  if (ms == 0) return nullptr;
  return ms / 1000;
}

// A string member: nullopt when absent, an error when of another type.
Expected<std::optional<std::string>> string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<std::string>{};
  if (!v->is_string()) return field_error(key, "must be a string");
  return std::optional<std::string>(std::string(v->as_string()));
}

Expected<std::optional<bool>> bool_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<bool>{};
  if (!v->is_bool()) return field_error(key, "must be true or false");
  return std::optional<bool>(v->as_bool());
}

Expected<std::optional<store::UserRole>> role_field(const json::object& o) {
  auto s = string_field(o, "role");
  if (!s) return s.error();
  if (!s.value()) return std::optional<store::UserRole>{};
  if (*s.value() == "admin") return std::optional<store::UserRole>(store::UserRole::admin);
  if (*s.value() == "user") return std::optional<store::UserRole>(store::UserRole::user);
  return field_error("role", "must be \"admin\" or \"user\"");
}

// Quotas are kept as JSON text (limits/quotas.hpp's fields, checked here;
// the account index parses them once when it stores the entry), bounded.
Expected<std::optional<std::string>> quotas_field(const json::object& o) {
  const auto* v = o.if_contains("quotas");
  if (v == nullptr || v->is_null()) return std::optional<std::string>{};
  if (!v->is_object()) return field_error("quotas", "must be an object");
  auto text = json::serialize(*v);
  if (text.size() > kMaxQuotasJson) return field_error("quotas", "is too large");
  if (auto parsed = limits::parse_quotas(text); !parsed.spec) return field_error(parsed.field, parsed.why);
  return std::optional<std::string>(std::move(text));
}

Expected<std::string> password_field(const json::object& o, std::string_view key) {
  auto s = string_field(o, key);
  if (!s) return s.error();
  if (!s.value()) return field_error(key, "is required");
  if (!auth::acceptable_password(*s.value())) return field_error(key, "must be 8 to 1024 bytes long");
  return std::move(*s.value());
}

// The stored quotas text as an object ({} for none or unreadable text).
json::value quotas_object(const std::string& text) {
  json::value quotas = json::object{};
  boost::system::error_code ec;
  if (!text.empty()) {
    auto parsed = json::parse(text, ec);
    if (!ec && parsed.is_object()) quotas = std::move(parsed);
  }
  return quotas;
}

json::object token_object(const store::ApiToken& t) {
  return json::object{{"id", t.id},
                      {"description", t.description},
                      {"quotas", quotas_object(t.quotas_json)},
                      {"created", seconds_or_null(t.created_ms)},
                      {"last_used", seconds_or_null(t.last_used_ms)},
                      {"expires", seconds_or_null(t.expires_ms)},
                      {"active", t.active}};
}

json::object user_object(const store::User& u) {
  json::value quotas = quotas_object(u.quotas_json);
  return json::object{{"username", u.username},
                      {"role", role_name(u.role)},
                      {"active", u.active},
                      {"allow_private_endpoints", u.allow_private_endpoints},
                      {"quotas", std::move(quotas)},
                      {"created", seconds_or_null(u.created_ms)},
                      {"last_login", seconds_or_null(u.last_login_ms)},
                      {"must_change_password", u.must_change_password}};
}

}  // namespace

const char* role_name(store::UserRole role) { return role == store::UserRole::admin ? "admin" : "user"; }

std::string user_json(const store::User& user) { return json::serialize(user_object(user)); }

std::string users_list_json(const std::vector<store::User>& users) {
  json::array data;
  for (const auto& u : users) data.emplace_back(user_object(u));
  return json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}});
}

std::string tokens_list_json(const std::vector<store::ApiToken>& tokens) {
  json::array data;
  for (const auto& t : tokens) data.emplace_back(token_object(t));
  return json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}});
}

std::string created_token_json(const store::ApiToken& token, std::string_view secret) {
  auto o = token_object(token);
  o["token"] = secret;
  return json::serialize(o);
}

std::string login_json(std::string_view csrf_token, const store::User& user) {
  return json::serialize(json::object{{"csrf_token", csrf_token},
                                      {"user", json::object{{"username", user.username},
                                                            {"role", role_name(user.role)},
                                                            {"must_change_password", user.must_change_password}}}});
}

std::string me_json(const auth::Principal& p, std::string_view csrf_token) {
  const char* kind = "anonymous";
  switch (p.kind) {
    case auth::PrincipalKind::anonymous: break;
    case auth::PrincipalKind::global_token: kind = "global_token"; break;
    case auth::PrincipalKind::user_token: kind = "user_token"; break;
    case auth::PrincipalKind::session: kind = "session"; break;
  }
  json::object o{{"kind", kind}};
  if (!p.user_id.empty()) o["user"] = p.user_id;
  o["role"] = p.role == auth::Role::admin ? "admin" : p.role == auth::Role::user ? "user" : nullptr;
  o["must_change_password"] = p.password_change_required;
  if (!csrf_token.empty()) o["csrf_token"] = csrf_token;
  return json::serialize(o);
}

Expected<LoginBody> parse_login(std::string_view body) {
  auto o = parse_body(body);
  if (!o) return o.error();
  auto username = string_field(*o, "username");
  if (!username) return username.error();
  auto password = string_field(*o, "password");
  if (!password) return password.error();
  if (!username.value() || username.value()->empty()) return field_error("username", "is required");
  if (!password.value() || password.value()->empty()) return field_error("password", "is required");
  if (username.value()->size() > 64 || password.value()->size() > 1024)
    return field_error(username.value()->size() > 64 ? "username" : "password", "is too long");
  return LoginBody{std::move(*username.value()), std::move(*password.value())};
}

Expected<NewUserBody> parse_new_user(std::string_view body) {
  auto o = parse_body(body);
  if (!o) return o.error();
  NewUserBody out;
  auto username = string_field(*o, "username");
  if (!username) return username.error();
  if (!username.value() || !auth::valid_username(*username.value()))
    return field_error("username", "must match [a-z0-9][a-z0-9_.-]{0,62}");
  out.user.username = std::move(*username.value());
  auto password = password_field(*o, "password");
  if (!password) return password.error();
  out.password = std::move(password.value());
  auto patch = parse_user_patch(body);  // the optional fields, checked the same way
  if (!patch) return patch.error();
  out.user.role = patch->role.value_or(store::UserRole::user);
  out.user.active = patch->active.value_or(true);
  out.user.allow_private_endpoints = patch->allow_private_endpoints.value_or(false);
  out.user.quotas_json = patch->quotas_json.value_or("{}");
  return out;
}

Expected<UserPatch> parse_user_patch(std::string_view body) {
  auto o = parse_body(body);
  if (!o) return o.error();
  UserPatch out;
  auto role = role_field(*o);
  if (!role) return role.error();
  out.role = role.value();
  auto active = bool_field(*o, "active");
  if (!active) return active.error();
  out.active = active.value();
  auto priv = bool_field(*o, "allow_private_endpoints");
  if (!priv) return priv.error();
  out.allow_private_endpoints = priv.value();
  auto quotas = quotas_field(*o);
  if (!quotas) return quotas.error();
  out.quotas_json = std::move(quotas.value());
  if (o->contains("password")) {
    auto password = password_field(*o, "password");
    if (!password) return password.error();
    out.password = std::move(password.value());
  }
  return out;
}

Expected<NewTokenBody> parse_new_token(std::string_view body, store::UnixMs now) {
  NewTokenBody out;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return out;  // no body: defaults
  auto o = parse_body(body);
  if (!o) return o.error();
  auto description = string_field(*o, "description");
  if (!description) return description.error();
  if (description.value()) {
    if (description.value()->size() > kMaxDescription) return field_error("description", "is longer than 200 bytes");
    out.description = std::move(*description.value());
  }
  constexpr std::int64_t kMaxSeconds = 100LL * 365 * 24 * 3600;
  for (std::string_view key : {"expires_in", "expires_at"}) {
    const auto* v = o->if_contains(key);
    if (v == nullptr || v->is_null()) continue;
    if (!v->is_int64() && !v->is_uint64()) return field_error(key, "must be a whole number of seconds");
    const auto seconds = v->is_int64() ? v->as_int64() : static_cast<std::int64_t>(std::min<std::uint64_t>(v->as_uint64(), kMaxSeconds * 2));
    const auto at_ms = key == "expires_in" ? now + seconds * 1000 : seconds * 1000;
    if (seconds <= 0 || seconds > kMaxSeconds * (key == "expires_at" ? 2 : 1) || at_ms <= now)
      return field_error(key, "must be in the future");
    out.expires_ms = at_ms;
  }
  auto quotas = quotas_field(*o);
  if (!quotas) return quotas.error();
  out.quotas_json = std::move(quotas.value());
  return out;
}

Expected<PasswordChange> parse_password_change(std::string_view body) {
  auto o = parse_body(body);
  if (!o) return o.error();
  auto current = string_field(*o, "current_password");
  if (!current) return current.error();
  if (!current.value() || current.value()->empty() || current.value()->size() > 1024)
    return field_error("current_password", "is required");
  auto next = password_field(*o, "new_password");
  if (!next) return next.error();
  if (next.value() == *current.value()) return field_error("new_password", "must differ from the current password");
  return PasswordChange{std::move(*current.value()), std::move(next.value())};
}

}  // namespace aisbf::api

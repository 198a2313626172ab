#include "pipeline/routes_admin_config.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/admin_config_json.hpp"
#include "api/openapi.hpp"
#include "auth/host_check.hpp"
#include "config/config_documents.hpp"
#include "config/prompt_files.hpp"
#include "pipeline/app.hpp"
#include "pipeline/provider_key_guard.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/route_table.hpp"

namespace aisbf::admin_config {

namespace json = boost::json;

namespace {

// What an edit job leaves when it failed without an answer (a bug: it threw).
Answer edit_failed() { return {500, {}, make_error(ErrorKind::internal, "the config edit failed", "internal_error")}; }

Answer json_answer(int status, std::string body) { return {status, std::move(body), std::nullopt}; }
Answer error_answer(GatewayError e) { return {e.status, {}, std::move(e)}; }

Answer conflict(std::string message) {
  auto e = make_error(ErrorKind::invalid_request, std::move(message), "conflict");
  e.status = 409;
  return error_answer(std::move(e));
}

awaitable<void> send(http::Exchange& ex, RequestContext& ctx, const Answer& a) {
  if (a.error) co_return co_await send_error(ex, *a.error, ctx);
  co_await send_json(ex, a.status, a.body, ctx.request_id);
}

std::optional<json::object> body_object(const http::Exchange& ex) {
  boost::system::error_code ec;
  json::value v = json::parse(ex.request().body(), ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

GatewayError bad_body(std::string_view expected) {
  return make_error(ErrorKind::invalid_request, fmt::format("the body must be {}", expected), "invalid_body");
}

std::span<const std::string_view> reserved_words() {
  static const std::vector<std::string_view> words = reserved_route_words();
  return words;
}

std::string entry_path(EntryKind kind, std::string_view id) {
  const auto key = entry_container_key(kind);
  return key.empty() ? std::string(id) : fmt::format("{}.{}", key, id);
}

// Checks the edited documents as a reload would, writes the changed files
// and swaps the snapshot. `ok` builds the success answer from the new
// snapshot and the load's warnings. Runs under the reload mutex.
template <typename Ok>
Answer commit(App& app, ConfigDocuments& documents, Ok&& ok) {
  LoadResult loaded = load_documents_config(documents, {.reserved_route_words = reserved_words()});
  if (!loaded.ok()) return json_answer(400, api::invalid_config_json(loaded.diagnostics));
  if (auto error = write_changed_documents(documents)) {
    spdlog::error("admin config: cannot write {}: {}", error->path, error->message);
    return error_answer(
        make_error(ErrorKind::internal,
                   fmt::format("could not write {}: {}; the configuration is unchanged", error->path, error->message),
                   "write_failed"));
  }
  app.replace_config(loaded.config);
  return ok(*loaded.config, loaded.diagnostics);
}

// Reads the four files for an edit; a broken one is the caller's 400.
std::optional<ConfigDocuments> read_documents(App& app, Answer& answer) {
  DocumentsRead read = read_config_documents(app.config_dir());
  if (!read.documents) answer = json_answer(400, api::invalid_config_json(read.errors));
  return std::move(read.documents);
}

Answer put_entry_job(App& app, EntryKind kind, const std::string& id, json::value sent) {
  Answer answer = edit_failed();
  auto documents = read_documents(app, answer);
  if (!documents) return answer;
  const json::object* stored = find_entry(*documents, kind, id);
  if (kind == EntryKind::provider && sent.is_object()) {
    if (auto e = masked_key_elsewhere(sent.get_object(), stored, entry_path(kind, id)))
      return error_answer(std::move(*e));
    if (auto e = env_key_introduced(sent.get_object(), stored, entry_path(kind, id)))
      return error_answer(std::move(*e));
  }
  const json::value stored_value = stored ? json::value(*stored) : json::value();
  if (auto e = api::restore_masked(sent, stored ? &stored_value : nullptr, entry_path(kind, id)))
    return error_answer(make_error(ErrorKind::invalid_request, e->message, "masked_value", e->path));
  EditResult edit = aisbf::put_entry(*documents, kind, id, sent.get_object());
  if (edit.status == EditResult::Status::invalid)
    return error_answer(make_error(ErrorKind::invalid_request, edit.message, "invalid_config"));
  const int status = edit.status == EditResult::Status::created ? 201 : 200;
  spdlog::info("admin config: {} {} {}", status == 201 ? "created" : "replaced", api::entry_kind_name(kind), id);
  return commit(app, *documents, [&](const Config&, const std::vector<Diagnostic>& diagnostics) {
    return json_answer(status, api::entry_json(kind, id, sent.get_object(), &diagnostics));
  });
}

Answer delete_entry_job(App& app, EntryKind kind, const std::string& id) {
  Answer answer = edit_failed();
  auto documents = read_documents(app, answer);
  if (!documents) return answer;
  EditResult edit = aisbf::delete_entry(*documents, kind, id);
  if (edit.status == EditResult::Status::not_found)
    return error_answer(
        make_error(ErrorKind::not_found, fmt::format("no {} '{}'", api::entry_kind_name(kind), id), "not_found"));
  if (edit.status == EditResult::Status::conflict) return conflict(edit.message);
  spdlog::info("admin config: deleted {} {}", api::entry_kind_name(kind), id);
  return commit(app, *documents, [](const Config&, const std::vector<Diagnostic>&) { return json_answer(204, {}); });
}

const json::object* snapshot_entry(const Config& config, EntryKind kind, std::string_view id) {
  switch (kind) {
    case EntryKind::provider: {
      const auto* p = config.find_provider(id);
      return p ? &p->raw : nullptr;
    }
    case EntryKind::rotation: {
      const auto* r = config.find_rotation(id);
      return r ? &r->raw : nullptr;
    }
    case EntryKind::autoselect: {
      const auto* a = config.find_autoselect(id);
      return a ? &a->raw : nullptr;
    }
  }
  return nullptr;
}

// The settings as the files hold them now (`aisbf`), with what applies when
// and, measured against aisbf.json as the server started with it, the
// start-only settings written since and not yet in effect.
std::string settings_json(const App& app, const json::object& aisbf, const std::vector<Diagnostic>* diagnostics) {
  json::object body;
  body["settings"] = api::masked(aisbf);
  auto list = [](std::span<const std::string_view> paths) {
    json::array out;
    for (auto p : paths) out.emplace_back(p);
    return out;
  };
  body["start_only"] = list(start_only_settings());
  body["unused"] = list(unused_settings());
  json::array restart;
  for (const auto& p : settings_awaiting_restart(app.started_settings(), aisbf)) restart.emplace_back(p);
  body["restart_required"] = std::move(restart);
  if (diagnostics != nullptr) body["warnings"] = api::warning_lines(*diagnostics);
  return json::serialize(body);
}

// auth off and a listener that is not loopback, as aisbf.json says (main.cpp
// refuses to start so without --allow-unauthenticated).
bool auth_on(const json::value& aisbf) {
  const json::value* enabled = aisbf.is_object() ? aisbf.get_object().if_contains("auth") : nullptr;
  enabled = enabled != nullptr && enabled->is_object() ? enabled->get_object().if_contains("enabled") : nullptr;
  return enabled != nullptr && enabled->is_bool() && enabled->get_bool();
}

bool open_to_all(const json::value& aisbf) {
  if (auth_on(aisbf)) return false;
  const json::value* host = aisbf.is_object() ? aisbf.get_object().if_contains("server") : nullptr;
  host = host != nullptr && host->is_object() ? host->get_object().if_contains("host") : nullptr;
  const std::string fallback = ServerConfig{}.host;
  return !auth::is_loopback_name(host != nullptr && host->is_string() ? std::string_view(host->get_string())
                                                                      : std::string_view(fallback));
}

Answer put_settings_job(App& app, json::value sent) {
  Answer answer = edit_failed();
  auto documents = read_documents(app, answer);
  if (!documents) return answer;
  if (auto e = api::restore_masked(sent, &documents->doc(ConfigFile::aisbf), ""))
    return error_answer(make_error(ErrorKind::invalid_request, e->message, "masked_value", e->path));
  const bool was_open = open_to_all(documents->doc(ConfigFile::aisbf));
  aisbf::put_settings(*documents, sent.get_object());
  // Turning auth off with a public listener (or moving an unauthenticated
  // listener off loopback) would let anyone spend the providers' keys, and
  // the next start would refuse it anyway.
  if (!was_open && open_to_all(documents->doc(ConfigFile::aisbf))) {
    return error_answer(make_error(
        ErrorKind::invalid_request,
        "auth.enabled: auth cannot be off while server.host is not a loopback address (anyone could spend your "
        "provider keys, and aisbf refuses to start so); set server.host to 127.0.0.1 first, or keep auth on",
        "auth_required", "auth.enabled"));
  }
  // The published onion service is a public listener too (main refuses to
  // publish it with auth off unless --allow-unauthenticated).
  if (app.onion_published() && !app.unauthenticated_allowed() && !auth_on(documents->doc(ConfigFile::aisbf))) {
    return error_answer(make_error(ErrorKind::invalid_request,
                                   "auth.enabled: auth cannot be off while the TOR onion service is published (anyone "
                                   "on TOR could use the gateway, admin routes included); set tor.enabled to false "
                                   "and restart aisbf first, or keep auth on",
                                   "auth_required", "auth.enabled"));
  }
  spdlog::info("admin config: aisbf.json settings replaced ({} sections)", sent.get_object().size());
  return commit(app, *documents, [&](const Config& config, const std::vector<Diagnostic>& diagnostics) {
    return json_answer(200, settings_json(app, config.aisbf, &diagnostics));
  });
}

Answer put_condensation_job(App& app, const json::object& sent) {
  Answer answer = edit_failed();
  auto documents = read_documents(app, answer);
  if (!documents) return answer;
  EditResult edit = aisbf::put_condensation(*documents, sent);
  if (edit.status == EditResult::Status::invalid) {
    const std::string param = edit.message.substr(0, edit.message.find(':'));
    return error_answer(make_error(ErrorKind::invalid_request, edit.message, "invalid_config", param));
  }
  return commit(app, *documents, [](const Config& config, const std::vector<Diagnostic>&) {
    return json_answer(200, json::serialize(condensation_settings(config.aisbf)));
  });
}

GatewayError unknown_prompt(std::string_view name) {
  std::string names;
  for (auto n : kPromptNames) names += (names.empty() ? "" : ", ") + std::string(n);
  return make_error(ErrorKind::not_found, fmt::format("no prompt named '{}' (prompts: {})", name, names), "not_found");
}

// `is_default`: no file yet, `content` is the built-in text (a PUT writes the file).
// `default_text`: the built-in text always, to compare the file with or reset it.
std::string prompt_json(std::string_view name, std::string_view content, bool is_default = false) {
  return json::serialize(json::object{
      {"name", name}, {"content", content}, {"default", is_default}, {"default_text", default_prompt(name)}});
}

}  // namespace

template <EntryKind K>
awaitable<void> list_entries(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  co_await send_json(ex, 200, api::entries_json(K, *ctx.config), ctx.request_id);
}

Answer read_entry(const Config& config, EntryKind kind, std::string_view id) {
  if (const json::object* entry = snapshot_entry(config, kind, id)) return json_answer(200, api::entry_json(kind, id, *entry));
  return error_answer(
      make_error(ErrorKind::not_found, fmt::format("no {} '{}'", api::entry_kind_name(kind), id), "not_found"));
}

awaitable<Answer> write_entry(App& app, EntryKind kind, std::string id, json::object body) {
  if (const json::value* sent_id = body.if_contains("id");
      sent_id != nullptr && !(sent_id->is_string() && sent_id->get_string() == id)) {
    co_return error_answer(make_error(ErrorKind::invalid_request,
                                      fmt::format("the body's id does not match the path's '{}'", id), "id_mismatch",
                                      "id"));
  }
  Answer answer = edit_failed();
  json::value sent = std::move(body);
  co_await app.run_exclusive([&] { answer = put_entry_job(app, kind, id, std::move(sent)); });
  co_return answer;
}

awaitable<Answer> remove_entry(App& app, EntryKind kind, std::string id) {
  Answer answer = edit_failed();
  co_await app.run_exclusive([&] { answer = delete_entry_job(app, kind, id); });
  co_return answer;
}

template <EntryKind K>
awaitable<void> get_entry(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  const Answer answer = read_entry(*ctx.config, K, m.param("id"));
  co_await send(ex, ctx, answer);
}

template <EntryKind K>
awaitable<void> put_entry(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  auto body = body_object(ex);
  if (!body) co_return co_await send_error(ex, bad_body(fmt::format("a {} object", api::entry_kind_name(K))), ctx);
  const Answer answer = co_await write_entry(app, K, std::string(m.param("id")), std::move(*body));
  co_await send(ex, ctx, answer);
}

template <EntryKind K>
awaitable<void> delete_entry(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  const Answer answer = co_await remove_entry(app, K, std::string(m.param("id")));
  co_await send(ex, ctx, answer);
}

#define AISBF_INSTANTIATE(K)                                                                             \
  template awaitable<void> list_entries<K>(App&, http::Exchange&, RequestContext&, const RouteMatch&); \
  template awaitable<void> get_entry<K>(App&, http::Exchange&, RequestContext&, const RouteMatch&);    \
  template awaitable<void> put_entry<K>(App&, http::Exchange&, RequestContext&, const RouteMatch&);    \
  template awaitable<void> delete_entry<K>(App&, http::Exchange&, RequestContext&, const RouteMatch&);
AISBF_INSTANTIATE(EntryKind::provider)
AISBF_INSTANTIATE(EntryKind::rotation)
AISBF_INSTANTIATE(EntryKind::autoselect)
#undef AISBF_INSTANTIATE

std::string settings_body(const App& app, const Config& config) { return settings_json(app, config.aisbf, nullptr); }

awaitable<Answer> write_settings(App& app, json::object body) {
  Answer answer = edit_failed();
  json::value sent = std::move(body);
  co_await app.run_exclusive([&] { answer = put_settings_job(app, std::move(sent)); });
  co_return answer;
}

awaitable<void> get_settings(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  co_await send_json(ex, 200, settings_body(app, *ctx.config), ctx.request_id);
}

awaitable<void> put_settings(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  auto body = body_object(ex);
  if (!body) co_return co_await send_error(ex, bad_body("an object of aisbf.json sections"), ctx);
  const Answer answer = co_await write_settings(app, std::move(*body));
  co_await send(ex, ctx, answer);
}

awaitable<void> get_condensation(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  co_await send_json(ex, 200, json::serialize(condensation_settings(ctx.config->aisbf)), ctx.request_id);
}

awaitable<void> put_condensation(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  auto body = body_object(ex);
  if (!body) co_return co_await send_error(ex, bad_body("an object of condensation settings"), ctx);
  Answer answer = edit_failed();
  co_await app.run_exclusive([&] { answer = put_condensation_job(app, *body); });
  co_await send(ex, ctx, answer);
}

awaitable<void> get_prompt(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  const std::string name(m.param("name"));
  if (!is_prompt_name(name)) co_return co_await send_error(ex, unknown_prompt(name), ctx);
  PromptRead read;
  co_await app.run_exclusive([&] { read = read_prompt(app.config_dir(), name); });
  if (read.status == PromptRead::Status::ok)
    co_return co_await send_json(ex, 200, prompt_json(name, read.content), ctx.request_id);
  // As AISBF's dashboard shows its shipped default for a prompt not written yet.
  if (read.status == PromptRead::Status::missing)
    co_return co_await send_json(ex, 200, prompt_json(name, default_prompt(name), true), ctx.request_id);
  spdlog::error("admin config: cannot read {}.md: {}", name, read.error);
  co_await send_error(
      ex, make_error(ErrorKind::internal, fmt::format("cannot read {}.md: {}", name, read.error), "read_failed"), ctx);
}

awaitable<void> put_prompt(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  const std::string name(m.param("name"));
  if (!is_prompt_name(name)) co_return co_await send_error(ex, unknown_prompt(name), ctx);
  auto body = body_object(ex);
  const json::value* content = body ? body->if_contains("content") : nullptr;
  if (content == nullptr || !content->is_string())
    co_return co_await send_error(ex, bad_body(R"({"content": "<the prompt text>"})"), ctx);
  if (content->get_string().size() > kMaxPromptBytes) {
    co_return co_await send_error(
        ex, make_error(ErrorKind::payload_too_large, "content is larger than 256 KiB", "content_too_large", "content"),
        ctx);
  }
  std::optional<WriteError> error;
  co_await app.run_exclusive([&] {
    error = write_prompt(app.config_dir(), name, content->get_string());
    if (!error) app.replace_config(app.config());  // the snapshot holds the prompts: swap one that reads the new text
  });
  if (error) {
    spdlog::error("admin config: cannot write {}: {}", error->path, error->message);
    co_return co_await send_error(
        ex,
        make_error(ErrorKind::internal, fmt::format("could not write {}.md: {}", name, error->message), "write_failed"),
        ctx);
  }
  spdlog::info("admin config: prompt {} written ({} bytes)", name, content->get_string().size());
  co_await send_json(ex, 200, prompt_json(name, content->get_string()), ctx.request_id);
}

awaitable<void> openapi(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  co_await send_json(ex, 200, api::openapi_json(), ctx.request_id);
}

}  // namespace aisbf::admin_config

// PUT and DELETE of a user's own provider, rotation or autoselect (and
// MCP's set_user_* / delete_user_* through save_doc and remove_doc):
// validated by the loader check-config uses (400 naming the JSON path),
// a provider's endpoint checked against the private-address rule (400
// naming `endpoint`), keys sealed before they reach the store.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/parse.hpp>
#include <cctype>
#include <chrono>

#include "api/admin_config_json.hpp"
#include "api/user_json.hpp"
#include "auth/secret_box.hpp"
#include "core/address_policy.hpp"
#include "http/endpoint.hpp"
#include "pipeline/app.hpp"
#include "pipeline/db_pool.hpp"
#include "pipeline/provider_key_guard.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/upstream_target.hpp"
#include "pipeline/user_routes.hpp"

namespace aisbf::user_routes {

namespace {

namespace json = boost::json;
using store::DocKind;

constexpr std::size_t kMaxIdBytes = 128;
constexpr auto kEndpointLookup = std::chrono::seconds(3);

GatewayError unavailable() {
  return coded_error(ErrorKind::unavailable, "the database is unavailable; try again later", "store_unavailable");
}

GatewayError conflict(std::string message) {
  auto e = coded_error(ErrorKind::invalid_request, std::move(message), "conflict");
  e.status = 409;
  return e;
}

GatewayError from_store(const store::StoreError& e) {
  if (e.kind == store::StoreError::Kind::conflict) return conflict(e.message);
  if (e.kind == store::StoreError::Kind::invalid) return coded_error(ErrorKind::invalid_request, e.message, "invalid");
  spdlog::warn("user document write: {}", e.message);
  if (e.kind == store::StoreError::Kind::unavailable) return unavailable();
  return coded_error(ErrorKind::internal, "the user store failed; see the gateway's log", "store_error");
}

awaitable<store::Result<std::vector<store::ConfigDoc>>> read_docs(const UserViews& views, std::string username) {
  store::Store* store = views.sources().store;
  // Wrapped: the DB pool's awaitable needs a default-constructible result.
  // By reference (the frame outlives the await): g++ 12 frees a copied
  // coroutine parameter's string twice.
  auto r = co_await views.sources().db->run(
      [store, &username] { return std::optional<store::Result<std::vector<store::ConfigDoc>>>(store->list_docs(username)); });
  co_return std::move(*r);
}

// The first error the loader finds in the document `kind id`.
std::optional<GatewayError> first_error(const std::vector<Diagnostic>& diagnostics, DocKind kind, std::string_view id) {
  const std::string label = routing::doc_label(kind, id);
  for (const auto& d : diagnostics) {
    if (d.severity != Diagnostic::Severity::error || d.file != label) continue;
    const std::string where = d.json_path.empty() ? "the document" : d.json_path;
    return coded_error(ErrorKind::invalid_request, fmt::format("{}: {}", where, d.message), "invalid_config",
                       d.json_path);
  }
  return std::nullopt;
}

// A key sent back masked (as a GET showed it) keeps the one stored at the
// same place; a masked value that matches none there is refused (the real
// value must be sent), as the admin routes do (api::restore_masked). It
// was matched by position among the document's keys, and an unmatched mask
// was stored as the key.
// A provider's masked key is kept only while the entry goes where it went
// (provider_key_guard.hpp).
std::optional<GatewayError> keep_masked_keys(json::object& doc, const routing::UserDoc* old) {
  if (old != nullptr && old->kind == DocKind::provider) {
    if (auto e = masked_key_elsewhere(doc, &old->value)) return e;
  }
  json::value sent = std::move(doc);
  const json::value stored = old != nullptr ? json::value(old->value) : json::value();
  std::optional<api::RestoreError> refused = api::restore_masked(sent, old != nullptr ? &stored : nullptr, "");
  doc = std::move(sent.get_object());
  if (!refused) return std::nullopt;
  return coded_error(ErrorKind::invalid_request, refused->message, "invalid_config", refused->path);
}

GatewayError private_endpoint(AddressClass why) {
  return coded_error(ErrorKind::invalid_request,
                     fmt::format("endpoint: resolves to a {} address; your providers may only reach public addresses "
                                 "(an admin can allow private endpoints)",
                                 address_class_name(why)),
                     "private_endpoint_refused", "endpoint");
}

bool is_onion_host(std::string_view host) {
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.size() < 6) return false;
  std::string tail(host.substr(host.size() - 6));
  for (auto& ch : tail) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return tail == ".onion";
}

// Save-time SSRF check: a literal host at once, a name resolved once with a
// bounded wait (a failed lookup is not a refusal: the connect-time check
// stays the rule).
awaitable<std::optional<GatewayError>> check_endpoint(http::UpstreamPool& pool, const ProviderConfig& provider,
                                                      bool tor_enabled) {
  const auto target = upstream_target(provider, nullptr, {});
  auto endpoint = http::parse_endpoint(target.endpoint);
  if (!endpoint) {
    co_return coded_error(ErrorKind::invalid_request, "endpoint: expected an http:// or https:// URL",
                          "invalid_config", "endpoint");
  }
  // tor's SOCKS port is the admin's only when the admin turned tor on;
  // otherwise whatever listens there (an ssh -D, a corporate proxy) could
  // reach the gateway's network by name.
  if (provider.proxy && provider.proxy->tor && !tor_enabled) {
    co_return coded_error(ErrorKind::invalid_request,
                          "proxy: \"tor\" is not available (the gateway's tor section is not enabled)",
                          "private_endpoint_refused", "proxy");
  }
  if (is_onion_host(endpoint->host)) {
    co_return coded_error(ErrorKind::invalid_request,
                          "endpoint: .onion hosts are refused for your providers (one may be this gateway's own "
                          "service, reached over loopback; an admin can allow private endpoints)",
                          "private_endpoint_refused", "endpoint");
  }
  // A SOCKS5 proxy of the user's own is an address the gateway connects to
  // (tor's, from aisbf.json, is the admin's).
  if (provider.proxy && !provider.proxy->tor) {
    auto proxy = classify_host_literal(provider.proxy->host);
    if (!proxy || !is_public(*proxy)) {
      co_return coded_error(ErrorKind::invalid_request,
                            proxy ? fmt::format("proxy: a {} address; your providers may only reach public addresses "
                                                "(an admin can allow private endpoints)",
                                                address_class_name(*proxy))
                                  : std::string("proxy: the SOCKS5 proxy's host must be an IP address"),
                            "private_endpoint_refused", "proxy");
    }
  }
  if (auto literal = classify_host_literal(endpoint->host)) {
    if (!is_public(*literal)) co_return private_endpoint(*literal);
    co_return std::nullopt;
  }
  if (provider.proxy) co_return std::nullopt;  // the proxy resolves the name, in its own network
  boost::asio::steady_timer wait(pool.io());
  auto [ec, results] = co_await pool.dns().resolve(endpoint->host, endpoint->port,
                                                   std::chrono::steady_clock::now() + kEndpointLookup, wait);
  if (ec) co_return std::nullopt;
  for (const auto& entry : results) {
    const auto address = entry.endpoint().address();
    const auto c = address.is_v4() ? classify_ipv4(address.to_v4().to_bytes()) : classify_ipv6(address.to_v6().to_bytes());
    if (!is_public(c)) co_return private_endpoint(c);
  }
  co_return std::nullopt;
}

std::optional<GatewayError> bad_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) {
    return coded_error(ErrorKind::invalid_request, fmt::format("id: 1 to {} bytes", kMaxIdBytes), "invalid_id", "id");
  }
  return std::nullopt;
}

awaitable<void> put_doc(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m, DocKind K) {
  if (auto e = co_await enter_namespace(app, ctx, m, false)) co_return co_await send_error(ex, *e, ctx);
  boost::system::error_code ec;
  auto body = json::parse(ex.request().body(), ec);
  if (ec || !body.is_object()) {
    co_return co_await send_error(
        ex, coded_error(ErrorKind::invalid_request, "expected a JSON object (the entry, as in the global file)",
                        "invalid_body"),
        ctx);
  }
  std::string id(m.param("id"));
  auto saved = co_await save_doc(app, ex.upstream_pool(), ctx, K, std::move(id), std::move(body.as_object()));
  if (!saved) co_return co_await send_error(ex, saved.error(), ctx);
  co_await send_json(ex, saved->created ? 201 : 200, saved->json, ctx.request_id);
}

awaitable<void> delete_doc(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m, DocKind K) {
  if (auto e = co_await enter_namespace(app, ctx, m, false)) co_return co_await send_error(ex, *e, ctx);
  std::string id(m.param("id"));
  if (auto e = co_await remove_doc(app, ctx, K, std::move(id))) co_return co_await send_error(ex, *e, ctx);
  HeaderList extra{{"x-request-id", ctx.request_id}};
  co_await ex.send(204, std::string_view("application/json"), std::string_view(), extra);
}

}  // namespace

awaitable<Expected<SavedDoc>> save_doc(App& app, http::UpstreamPool& pool, const RequestContext& ctx, DocKind K,
                                       std::string id, json::object value) {
  if (auto e = bad_id(id)) co_return std::move(*e);
  UserViews& views = app.user_views();
  const auto& src = views.sources();
  if (src.store == nullptr || src.db == nullptr || src.box == nullptr) co_return unavailable();
  auto stored = co_await read_docs(views, ctx.namespace_user);
  if (!stored) co_return from_store(stored.error());
  auto docs = views.open_docs(stored.value());
  routing::UserDoc* old = nullptr;
  for (auto& d : docs) {
    if (d.id != id) continue;
    if (d.kind != K) {
      co_return conflict(
          fmt::format("you have a {} named '{}' already; ids are unique across kinds", routing::kind_name(d.kind), id));
    }
    old = &d;
  }
  if (auto e = keep_masked_keys(value, old)) co_return std::move(*e);
  const bool created = old == nullptr;
  if (created) docs.push_back(routing::UserDoc{K, id, value});
  else old->value = value;
  auto loaded = routing::load_user_docs(*ctx.config, docs, views.reserved_words());
  if (auto e = first_error(loaded.diagnostics, K, id)) co_return std::move(*e);
  if (K == DocKind::provider && loaded.config && !views.allow_private_endpoints(ctx.namespace_user)) {
    if (const auto* p = loaded.config->find_provider(id)) {
      if (auto e = co_await check_endpoint(pool, *p, ctx.config->tor.enabled)) co_return std::move(*e);
    }
  }
  store::ConfigDoc doc{ctx.namespace_user, K, id, views.seal_doc(K, value),
                       std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count()};
  store::Store* store = src.store;
  auto put = *co_await src.db->run(
      [store, &doc] { return std::optional<store::Result<store::Done>>(store->put_doc(doc)); });
  views.invalidate(ctx.namespace_user);
  if (!put) co_return from_store(put.error());
  const routing::UserDoc saved{K, id, std::move(value)};
  co_return SavedDoc{created, api::user_doc_json(saved)};
}

awaitable<std::optional<GatewayError>> remove_doc(App& app, const RequestContext& ctx, DocKind K, std::string id) {
  UserViews& views = app.user_views();
  const auto& src = views.sources();
  if (src.store == nullptr || src.db == nullptr) co_return unavailable();
  auto stored = co_await read_docs(views, ctx.namespace_user);
  if (!stored) co_return from_store(stored.error());
  auto docs = views.open_docs(stored.value());
  auto it = std::find_if(docs.begin(), docs.end(), [&](const auto& d) { return d.kind == K && d.id == id; });
  if (it == docs.end()) {
    co_return coded_error(ErrorKind::not_found, fmt::format("you have no {} named '{}'", routing::kind_name(K), id),
                          "not_found");
  }
  // A rotation of theirs that would be left naming nothing: say which
  // (documents broken already are not the delete's fault).
  const auto before = routing::load_user_docs(*ctx.config, docs, views.reserved_words());
  docs.erase(it);
  auto loaded = routing::load_user_docs(*ctx.config, docs, views.reserved_words());
  for (const auto& d : docs) {
    if (first_error(before.diagnostics, d.kind, d.id)) continue;
    if (auto e = first_error(loaded.diagnostics, d.kind, d.id)) {
      co_return conflict(fmt::format("{} '{}' depends on it ({})", routing::kind_name(d.kind), d.id, e->message));
    }
  }
  store::Store* store = src.store;
  auto gone = *co_await src.db->run([store, &ctx, &id, K] {
    return std::optional<store::Result<store::Done>>(store->delete_doc(ctx.namespace_user, K, id));
  });
  views.invalidate(ctx.namespace_user);
  if (!gone && gone.error().kind != store::StoreError::Kind::not_found) co_return from_store(gone.error());
  co_return std::nullopt;
}

// Thin: g++ 12 miscompiles string literals in templated coroutines.
template <DocKind K>
awaitable<void> doc_put(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  return put_doc(app, ex, ctx, m, K);
}
template <DocKind K>
awaitable<void> doc_delete(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  return delete_doc(app, ex, ctx, m, K);
}

#define AISBF_USER_WRITES(K)                                                                            \
  template awaitable<void> doc_put<K>(App&, http::Exchange&, RequestContext&, const RouteMatch&);    \
  template awaitable<void> doc_delete<K>(App&, http::Exchange&, RequestContext&, const RouteMatch&);
AISBF_USER_WRITES(DocKind::provider)
AISBF_USER_WRITES(DocKind::rotation)
AISBF_USER_WRITES(DocKind::autoselect)
#undef AISBF_USER_WRITES

}  // namespace aisbf::user_routes

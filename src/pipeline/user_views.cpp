#include "pipeline/user_views.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "api/user_json.hpp"
#include "auth/account_index.hpp"
#include "auth/secret_box.hpp"
#include "pipeline/db_pool.hpp"
#include "pipeline/request_context.hpp"
#include "pipeline/route_table.hpp"
#include "routing/resolve.hpp"

namespace aisbf {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

GatewayError store_unavailable() {
  auto e = make_error(ErrorKind::unavailable,
                      "the user's providers, rotations and autoselects cannot be loaded: the database is unavailable");
  e.code = "store_unavailable";
  return e;
}

// Ids of the documents the diagnostics blame (their `file` is "<kind> <id>").
bool blamed(const std::vector<Diagnostic>& diagnostics, const routing::UserDoc& doc) {
  const std::string label = routing::doc_label(doc.kind, doc.id);
  for (const auto& d : diagnostics) {
    if (d.severity == Diagnostic::Severity::error && d.file == label) return true;
  }
  return false;
}

}  // namespace

UserViews::UserViews(std::size_t capacity, std::chrono::seconds refresh) : capacity_(capacity), refresh_(refresh) {}
UserViews::~UserViews() = default;

void UserViews::attach(Sources sources) { sources_ = sources; }

void UserViews::attach(store::Store* store, DbPool* db, auth::AccountIndex* accounts,
                       const std::filesystem::path& key_file) {
  std::string error;
  if (auto box = auth::SecretBox::load_or_create(key_file, &error)) {
    own_box_ = std::make_unique<auth::SecretBox>(*box);
  } else {
    spdlog::error("{}: {}; users' provider documents cannot be written", key_file.string(), error);
  }
  attach(Sources{store, db, own_box_.get(), accounts});
}

std::span<const std::string_view> UserViews::reserved_words() const {
  static const auto words = reserved_route_words();
  return words;
}

bool UserViews::allow_private_endpoints(std::string_view username) const {
  if (sources_.accounts == nullptr) return false;
  auto user = sources_.accounts->user(username);
  return user && user->allow_private_endpoints;
}

bool UserViews::user_exists(std::string_view username) const {
  return sources_.accounts != nullptr && sources_.accounts->user(username).has_value();
}

std::optional<UserViews::Entry> UserViews::find(const std::string& username, std::uint64_t* writes) {
  std::lock_guard lock(mutex_);
  *writes = writes_;
  auto it = entries_.find(username);
  if (it == entries_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second.second);
  return it->second.first;
}

void UserViews::put(const std::string& username, Entry entry, std::uint64_t writes) {
  std::lock_guard lock(mutex_);
  if (writes != writes_) return;
  if (auto it = entries_.find(username); it != entries_.end()) {
    it->second.first = std::move(entry);
    lru_.splice(lru_.begin(), lru_, it->second.second);
    return;
  }
  while (entries_.size() >= capacity_ && !lru_.empty()) {
    entries_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(username);
  entries_.emplace(username, std::pair{std::move(entry), lru_.begin()});
}

void UserViews::invalidate(std::string_view username) {
  std::lock_guard lock(mutex_);
  ++writes_;
  auto it = entries_.find(std::string(username));
  if (it == entries_.end()) return;
  lru_.erase(it->second.second);
  entries_.erase(it);
}

std::string UserViews::seal_doc(store::DocKind kind, const json::object& value) const {
  json::object copy = value;
  api::for_each_secret(kind, copy, [this](json::value& key) {
    if (!key.get_string().empty() && sources_.box != nullptr) key = sources_.box->seal(std::string_view(key.get_string()));
  });
  return json::serialize(copy);
}

std::vector<routing::UserDoc> UserViews::open_docs(const std::vector<store::ConfigDoc>& stored) const {
  std::vector<routing::UserDoc> docs;
  for (const auto& d : stored) {
    boost::system::error_code ec;
    auto parsed = json::parse(d.json, ec);
    if (ec || !parsed.is_object()) {
      spdlog::warn("user '{}': stored {} '{}' is not a JSON object; ignored", d.username, routing::kind_name(d.kind),
                   d.id);
      continue;
    }
    routing::UserDoc doc{d.kind, d.id, std::move(parsed.as_object())};
    api::for_each_secret(d.kind, doc.value, [&](json::value& key) {
      if (!auth::SecretBox::is_sealed(key.get_string())) return;
      std::optional<std::string> opened = sources_.box ? sources_.box->open(key.get_string()) : std::nullopt;
      if (!opened) {
        spdlog::warn("user '{}': a key in {} '{}' cannot be opened (another secret.key?); sent without it",
                     d.username, routing::kind_name(d.kind), d.id);
      }
      key = opened.value_or("");
    });
    docs.push_back(std::move(doc));
  }
  return docs;
}

std::shared_ptr<const routing::UserView> UserViews::build(const std::shared_ptr<const Config>& global,
                                                          const std::string& username,
                                                          const std::vector<routing::UserDoc>& docs) {
  const bool allow = allow_private_endpoints(username);
  auto built = routing::build_user_view(global, username, docs, allow, reserved_words());
  if (built.view) return built.view;
  // Documents valid when saved can break later (a global provider their
  // rotation named was removed): serve the others rather than none.
  std::vector<routing::UserDoc> kept;
  for (const auto& d : docs) {
    if (blamed(built.diagnostics, d)) {
      spdlog::warn("user '{}': {} '{}' no longer loads; left out", username, routing::kind_name(d.kind), d.id);
    } else {
      kept.push_back(d);
    }
  }
  built = routing::build_user_view(global, username, std::move(kept), allow, reserved_words());
  if (built.view) return built.view;
  return routing::build_user_view(global, username, {}, allow, reserved_words()).view;
}

boost::asio::awaitable<Expected<std::shared_ptr<const routing::UserView>>> UserViews::get(
    std::shared_ptr<const Config> global, std::string username) {
  std::uint64_t writes = 0;
  auto entry = find(username, &writes);
  const auto now = Clock::now();
  if (entry && now - entry->read_at < refresh_) {
    if (entry->view && entry->view->global == global &&
        entry->view->allow_private_endpoints == allow_private_endpoints(username)) {
      co_return entry->view;
    }
    entry->view = build(global, username, *entry->docs);
    put(username, *entry, writes);
    co_return entry->view;
  }
  if (sources_.store == nullptr || sources_.db == nullptr) co_return store_unavailable();
  store::Store* store = sources_.store;
  // Wrapped: the DB pool's awaitable needs a default-constructible result.
  // By reference (the frame outlives the await): g++ 12 frees a copied
  // coroutine parameter's string twice.
  auto stored = *co_await sources_.db->run([store, &username] {
    return std::optional<store::Result<std::vector<store::ConfigDoc>>>(store->list_docs(username));
  });
  if (!stored) {
    spdlog::warn("user '{}': documents not read: {}", username, stored.error().message);
    if (!entry) co_return store_unavailable();
    entry->read_at = now - refresh_ / 2;  // serve what we had, ask again a little later
  } else {
    entry.emplace();
    entry->docs = std::make_shared<const std::vector<routing::UserDoc>>(open_docs(stored.value()));
    entry->read_at = now;
  }
  entry->view = build(global, username, *entry->docs);
  put(username, *entry, writes);
  co_return entry->view;
}

bool names_user_target(const RequestContext& ctx, std::string_view scope, std::string_view model) {
  if (ctx.namespace_user.empty()) return false;
  return model.starts_with("user-") || routing::names_user_scope(*ctx.config, scope);
}

boost::asio::awaitable<void> ensure_user_view(RequestContext& ctx) {
  if (ctx.user_view || ctx.user_views == nullptr) co_return;
  auto view = co_await ctx.user_views->get(ctx.config, ctx.namespace_user);
  if (view) ctx.user_view = std::move(*view);
}

void serve_from_user_view(RequestContext& ctx) {
  if (!ctx.global_routes) ctx.global_routes = ctx.routes;
  ctx.routes = ctx.user_view->routes;
  ctx.config = ctx.routes->config_ptr();
}

}  // namespace aisbf

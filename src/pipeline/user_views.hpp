// UserViews: each user's namespace view (routing/user_config.hpp), kept in
// memory so a request that names a user's own target does not wait on the
// database. Bounded (LRU, ~1,000 users). An entry keeps the user's documents
// and the view built from them; a view built over an older global snapshot,
// or under a since-changed private-endpoint allowance, is rebuilt from the
// kept documents (no database call); documents are re-read from the store
// after a minute (other instances' writes), and at once after a write made
// here (invalidate). Reads and writes of documents run on the DbPool.
//
// Provider keys are sealed (SecretBox) before they reach the store and
// opened when a view is built; nothing here logs a key.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/asio/awaitable.hpp>

#include "config/config.hpp"
#include "core/expected.hpp"
#include "routing/user_config.hpp"
#include "store/store.hpp"

namespace aisbf {

class DbPool;
struct RequestContext;
namespace auth {
class SecretBox;
class AccountIndex;
}  // namespace auth

class UserViews {
 public:
  struct Sources {
    store::Store* store = nullptr;
    DbPool* db = nullptr;
    const auth::SecretBox* box = nullptr;
    auth::AccountIndex* accounts = nullptr;
  };

  explicit UserViews(std::size_t capacity = 1000, std::chrono::seconds refresh = std::chrono::seconds(60));
  ~UserViews();

  // Set once at start, before requests (the store may be absent: user
  // routes then answer 503 store_unavailable).
  void attach(Sources sources);
  // attach() with a SecretBox read from (or created at) `key_file`; without
  // one, writes of user documents answer 503 (never a key in clear).
  void attach(store::Store* store, DbPool* db, auth::AccountIndex* accounts, const std::filesystem::path& key_file);
  const Sources& sources() const { return sources_; }

  // The user's view over `global`. Errors: 503 store_unavailable.
  boost::asio::awaitable<Expected<std::shared_ptr<const routing::UserView>>> get(
      std::shared_ptr<const Config> global, std::string username);

  // Forgets the user's documents (a write of this instance, a deleted user).
  void invalidate(std::string_view username);

  // Whether an admin lets this user's providers reach private addresses.
  bool allow_private_endpoints(std::string_view username) const;
  // Whether the user exists (AccountIndex).
  bool user_exists(std::string_view username) const;

  // A document as the store keeps it: every key sealed (api::for_each_secret).
  std::string seal_doc(store::DocKind kind, const boost::json::object& value) const;
  // Stored documents parsed, their keys opened (unparseable ones skipped).
  std::vector<routing::UserDoc> open_docs(const std::vector<store::ConfigDoc>& stored) const;

  // Words a user's ids cannot take (the route table's).
  std::span<const std::string_view> reserved_words() const;

 private:
  struct Entry {
    std::shared_ptr<const std::vector<routing::UserDoc>> docs;  // shared: a lookup copies no document
    std::chrono::steady_clock::time_point read_at;
    std::shared_ptr<const routing::UserView> view;
  };
  std::optional<Entry> find(const std::string& username, std::uint64_t* writes);
  // Not kept when a write happened since `writes` was read (the documents may predate it).
  void put(const std::string& username, Entry entry, std::uint64_t writes);
  std::shared_ptr<const routing::UserView> build(const std::shared_ptr<const Config>& global,
                                                 const std::string& username, const std::vector<routing::UserDoc>& docs);

  std::size_t capacity_;
  std::chrono::seconds refresh_;
  Sources sources_;
  std::unique_ptr<auth::SecretBox> own_box_;
  mutable std::mutex mutex_;
  std::uint64_t writes_ = 0;    // invalidations so far
  std::list<std::string> lru_;  // most recent first
  std::unordered_map<std::string, std::pair<Entry, std::list<std::string>::iterator>> entries_;
};

// Whether a request must wait for its namespace's view: ctx.namespace_user
// is set and the request names a user's own target (a `user-…` model id, or
// a /api/{scope}/… scope that names no global target). Not a coroutine, so a
// request on global models never waits on the store nor pays a frame.
bool names_user_target(const RequestContext& ctx, std::string_view scope, std::string_view model);

// Loads the namespace's view into ctx.user_view (after names_user_target). A
// failure leaves it null: resolution then answers 503 store_unavailable.
boost::asio::awaitable<void> ensure_user_view(RequestContext& ctx);

// A resolution named the namespace's own target (Resolution::in_user_view):
// the request is served from the view's table and snapshot from now on, the
// global table kept in ctx.global_routes (the operator's own settings
// resolve there).
void serve_from_user_view(RequestContext& ctx);

}  // namespace aisbf

// A user's namespace: their own providers, rotations and autoselects (the
// documents of the store, in the shapes of the global files) validated by the
// same loader as check-config, and built into a routing table of their own.
// Decisions only: the documents come in as values (pipeline/ reads the store
// and opens the sealed keys).
//
// The user's entries live in the view's Config under internal ids
// ("~<username>/<id>", see internal_id): a '/' can never appear in a global
// id, so they can never shadow or be reached as global ones, and two users'
// providers of the same name never share health or rate-limit keys. Clients
// name them `user-provider/<id>/<model>`, `user-rotation/<id>` and
// `user-autoselect/<id>` (resolve.hpp).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "config/config.hpp"
#include "routing/rotation.hpp"
#include "store/store.hpp"

namespace aisbf::routing {

// One of the user's documents, parsed, with its provider key in clear.
struct UserDoc {
  store::DocKind kind = store::DocKind::provider;
  std::string id;
  boost::json::object value;
};

struct UserView {
  std::string username;
  bool allow_private_endpoints = false;  // as it was when the view was built
  std::shared_ptr<const Config> global;  // the global snapshot it was built over
  // Its config: the user's entries (internal ids) and the global providers
  // their rotations name, with the global server and routing settings.
  std::shared_ptr<const RoutingTable> routes;
  std::vector<UserDoc> docs;  // as loaded, in store order (kind, then id)

  const Config& config() const { return routes->config(); }
  const ProviderConfig* provider(std::string_view id) const;
  const RotationConfig* rotation(std::string_view id) const;
  const AutoselectConfig* autoselect(std::string_view id) const;
  const UserDoc* doc(store::DocKind kind, std::string_view id) const;
};

// "provider", "rotation", "autoselect".
const char* kind_name(store::DocKind kind);
// "provider openai": how diagnostics name the document they are about.
std::string doc_label(store::DocKind kind, std::string_view id);

// "~alice/openai": the id a user's entry carries inside the view's Config.
std::string internal_id(std::string_view username, std::string_view id);

// The user's documents loaded as check-config would load files holding them
// (with the global providers their rotations name, which a user may use).
// Diagnostics come back with paths relative to the entry (e.g. "endpoint"
// for providers.<id>.endpoint) and `file` set to the document's kind.
// Their "env:NAME" keys are not read (a user may not read the server's
// environment) unless `operators_own`: an admin's draft of a global provider.
LoadResult load_user_docs(const Config& global, std::span<const UserDoc> docs,
                          std::span<const std::string_view> reserved_words, bool operators_own = false);

struct BuiltView {
  std::shared_ptr<const UserView> view;  // null when the documents have errors
  std::vector<Diagnostic> diagnostics;
};
BuiltView build_user_view(std::shared_ptr<const Config> global, std::string username, std::vector<UserDoc> docs,
                          bool allow_private_endpoints, std::span<const std::string_view> reserved_words);

}  // namespace aisbf::routing

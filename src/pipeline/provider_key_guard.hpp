// A provider entry sent back with its key masked (as a GET showed it) asks
// "keep the stored key" (api::restore_masked puts it back). That holds only
// while the entry still goes where the key was saved for: the same effective
// endpoint origin (scheme, host, port, after the preset's or the type's
// default) and the same type, preset, api and api_version. Otherwise the
// masked key is refused (400 masked_value, naming the key's field) and the
// real key must be entered again, so that a caller who can edit an entry (a
// leaked session or token) cannot send the stored key to a host of theirs.
// Used by the admin's and a user's saves and by the provider probes'
// drafts (routes_providers.hpp). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "core/gateway_error.hpp"

namespace aisbf {

// Where an entry's requests go, as far as its key is concerned.
struct ProviderDestination {
  std::string origin;  // "https://host:port" (host lowercased); the raw URL when it is no http(s) one
  std::string type;
  std::string preset;  // the preset in effect (`type` naming one, else `preset` with type openai)
  std::string api;     // "chat" unless set ("responses" for codex)
  std::string api_version;
  // `proxy` as written: a key sent over plain http:// is readable by the proxy.
  std::string proxy;
  bool operator==(const ProviderDestination&) const = default;
};

ProviderDestination provider_destination(const boost::json::object& entry);

// The refusal when `sent` carries a masked secret while its destination
// differs from `stored`'s (null `stored`: a new entry, nothing to keep;
// restore_masked refuses such a mask itself). `path`: the entry's JSON path
// in its file ("providers.mock"; empty for a user's document or a draft),
// prefixed to the error's param.
std::optional<GatewayError> masked_key_elsewhere(const boost::json::object& sent, const boost::json::object* stored,
                                                 std::string_view path = {});

// The refusal when `sent`'s api_key is an "env:NAME" reference (env_keys.hpp)
// that `stored` (null: a new entry) does not already hold with the same
// destination. Such a reference reads the server's environment at load, so
// a caller of the API or MCP (an admin, a full-config token) may keep one the
// operator wrote but never introduce one: it could send any variable to a
// host of theirs. `path` as above.
std::optional<GatewayError> env_key_introduced(const boost::json::object& sent, const boost::json::object* stored,
                                               std::string_view path = {});

}  // namespace aisbf

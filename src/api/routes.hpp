// Routes as data: what a route is (methods, path pattern, auth policy, the
// client format of its errors, what it asks of a body) and the matcher that
// finds the route of a method and path. Pure: no I/O, no config. The table
// itself, with the handlers, is pipeline/route_table.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/policy.hpp"

namespace aisbf::api {

// Methods as bits, so that a route takes a set.
using MethodSet = std::uint8_t;
inline constexpr MethodSet kMethodGet = 1, kMethodHead = 2, kMethodPost = 4, kMethodPut = 8, kMethodPatch = 16,
                           kMethodDelete = 32, kMethodOptions = 64;
inline constexpr MethodSet kGet = kMethodGet | kMethodHead;  // a GET route answers HEAD too
inline constexpr MethodSet kPost = kMethodPost;
// The bit of a request's method; 0 for a method no route takes.
MethodSet method_bit(std::string_view method);

// The format the route's clients speak, so errors come back in it.
enum class ClientFormat : std::uint8_t {
  openai_chat,
  openai_completions,
  openai_responses,
  anthropic_messages,
  // OpenAI's shape, or Anthropic's (x-api-key read, errors and answers in
  // its shape) when the request carries `anthropic-version`: the model
  // lists, which both SDKs call on the same paths.
  openai_or_anthropic,
};

// What the route asks of a request body.
enum class BodyRule : std::uint8_t {
  any,            // not looked at (GET routes)
  json,           // Content-Type must be application/json (415 otherwise)
  json_if_sent,   // none, or one sent as application/json
  // multipart/form-data (415 otherwise), read by the handler as it arrives
  // (http::BodyStream) within server.max_upload_bytes: uploads.
  multipart,
};

struct RouteSpec {
  std::string_view name;  // stable id; the aliases of one route share it
  MethodSet methods = kGet;
  // "/api/{scope}/chat/completions": `{name}` takes one non-empty path
  // segment, a last `{name*}` the non-empty rest ('/' included). Literal
  // text compares as sent (not decoded); parameters come back decoded.
  std::string_view pattern;
  auth::AuthPolicy policy = auth::AuthPolicy::gateway_token;
  ClientFormat format = ClientFormat::openai_chat;
  BodyRule body = BodyRule::any;
  // Changes the gateway's state (admin actions): a browser on another site
  // must not reach it (Origin check), and a body must be JSON.
  bool state_changing = false;
};

inline constexpr std::size_t kMaxPathParams = 2;

struct RouteMatch {
  enum class Outcome : std::uint8_t { matched, method_not_allowed, not_found };
  Outcome outcome = Outcome::not_found;
  std::size_t route = 0;  // index of the spec whose pattern matched (matched, method_not_allowed)
  bool bad_escape = false;  // a path parameter had an invalid %-escape
  std::array<std::string_view, kMaxPathParams> names{};  // views into the spec's pattern
  std::array<std::string, kMaxPathParams> values{};      // decoded

  // The decoded value of the parameter `name`; empty when the route has none.
  std::string_view param(std::string_view name) const;
};

// Compiles the patterns of a table once (at start) and matches requests
// against it. The specs' strings must outlive the matcher (static tables).
//
// Precedence: a pattern without parameters wins over one with; among those
// with parameters the first in table order wins. The first pattern whose
// path matches decides: when its route does not take the method, only
// routes with the very same pattern are tried, else 405 — so a more general
// pattern further down never serves a method a closer one refused.
class RouteMatcher {
 public:
  // Throws std::invalid_argument on a malformed pattern (a bug, seen at start).
  explicit RouteMatcher(std::span<const RouteSpec> specs);

  // `target` is the request target as received (path plus optional query).
  RouteMatch match(std::string_view method, std::string_view target) const;
  // The same request matched again against the route `index` it matched
  // before (the head was judged already): only that route's parameters are
  // read, no other pattern is tried. not_found when it does not match.
  RouteMatch match_at(std::size_t index, std::string_view target) const;

  // The literal words that follow "/api/" in the patterns ("models", "v1",
  // "admin", …): a provider or rotation with such an id could not be reached
  // at /api/{id}/….
  std::vector<std::string_view> api_words() const;

 private:
  struct Piece {
    std::string_view text;  // literal text, or the parameter's name
    enum class Kind : std::uint8_t { literal, segment, rest } kind = Kind::literal;
  };
  struct Compiled {
    std::string_view pattern;
    MethodSet methods = 0;
    std::vector<Piece> pieces;  // empty for a literal pattern (compared whole)
  };
  bool match_pieces(const Compiled& c, std::string_view path, RouteMatch& out) const;
  RouteMatch finish(std::size_t index, MethodSet method, std::string_view path, bool literal) const;

  std::vector<Compiled> compiled_;
  std::vector<std::size_t> literal_;        // indices of literal patterns, in table order
  std::vector<std::size_t> parameterised_;  // the others, in table order
};

}  // namespace aisbf::api

#include "api/routes.hpp"

#include <stdexcept>

#include "core/model_id.hpp"

namespace aisbf::api {

namespace {

// A plain loop: find_first_of with a two-character set costs a search of
// the set for every character of the path (~200 instructions a request).
std::string_view strip_query(std::string_view target) {
  for (std::size_t i = 0; i < target.size(); ++i) {
    if (target[i] == '?' || target[i] == '#') return target.substr(0, i);
  }
  return target;
}

// Collapses a trailing slash so "/api/v1/models/" matches "/api/v1/models".
std::string_view strip_trailing_slash(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

[[noreturn]] void bad_pattern(std::string_view pattern, const char* why) {
  throw std::invalid_argument("route pattern '" + std::string(pattern) + "': " + why);
}

}  // namespace

MethodSet method_bit(std::string_view method) {
  if (method == "GET") return kMethodGet;
  if (method == "POST") return kMethodPost;
  if (method == "HEAD") return kMethodHead;
  if (method == "PUT") return kMethodPut;
  if (method == "PATCH") return kMethodPatch;
  if (method == "DELETE") return kMethodDelete;
  if (method == "OPTIONS") return kMethodOptions;
  return 0;
}

std::string_view RouteMatch::param(std::string_view name) const {
  for (std::size_t i = 0; i < kMaxPathParams; ++i) {
    if (!names[i].empty() && names[i] == name) return values[i];
  }
  return {};
}

RouteMatcher::RouteMatcher(std::span<const RouteSpec> specs) {
  for (const auto& spec : specs) {
    Compiled c{spec.pattern, spec.methods, {}};
    auto p = spec.pattern;
    if (p.empty() || p.front() != '/') bad_pattern(spec.pattern, "must start with '/'");
    std::size_t params = 0;
    while (!p.empty()) {
      auto open = p.find('{');
      if (open != 0) {
        c.pieces.push_back({p.substr(0, open), Piece::Kind::literal});
        if (open == std::string_view::npos) break;
        p.remove_prefix(open);
        continue;
      }
      if (c.pieces.empty() || c.pieces.back().kind != Piece::Kind::literal || c.pieces.back().text.back() != '/')
        bad_pattern(spec.pattern, "a parameter must start a segment");
      auto close = p.find('}');
      if (close == std::string_view::npos || close < 2) bad_pattern(spec.pattern, "unclosed or empty '{'");
      auto name = p.substr(1, close - 1);
      const bool rest = name.back() == '*';
      if (rest) name.remove_suffix(1);
      if (++params > kMaxPathParams) bad_pattern(spec.pattern, "too many parameters");
      p.remove_prefix(close + 1);
      if (rest && !p.empty()) bad_pattern(spec.pattern, "{name*} must come last");
      if (!p.empty() && p.front() != '/') bad_pattern(spec.pattern, "a parameter must end a segment");
      c.pieces.push_back({name, rest ? Piece::Kind::rest : Piece::Kind::segment});
    }
    const bool literal = params == 0;
    if (literal) c.pieces.clear();
    (literal ? literal_ : parameterised_).push_back(compiled_.size());
    compiled_.push_back(std::move(c));
  }
}

bool RouteMatcher::match_pieces(const Compiled& c, std::string_view path, RouteMatch& out) const {
  std::array<std::string_view, kMaxPathParams> raw{};
  std::size_t n = 0;
  for (const auto& piece : c.pieces) {
    if (piece.kind == Piece::Kind::literal) {
      if (path.substr(0, piece.text.size()) != piece.text) return false;
      path.remove_prefix(piece.text.size());
      continue;
    }
    auto len = piece.kind == Piece::Kind::rest ? path.size() : path.find('/');
    if (len == std::string_view::npos) len = path.size();
    if (len == 0) return false;
    out.names[n] = piece.text;
    raw[n++] = path.substr(0, len);
    path.remove_prefix(len);
  }
  if (!path.empty()) return false;
  for (std::size_t i = 0; i < n; ++i) {
    bool ok = true;
    out.values[i] = percent_decode(raw[i], &ok);
    if (!ok) out.bad_escape = true;
  }
  return true;
}

RouteMatch RouteMatcher::match(std::string_view method, std::string_view target) const {
  const auto path = strip_trailing_slash(strip_query(target));
  const MethodSet bit = method_bit(method);
  // The first route of `list` from `pos` on with the same pattern that takes the method.
  auto settle = [&](const std::vector<std::size_t>& list, std::size_t pos, RouteMatch& m) {
    const auto& pattern = compiled_[list[pos]].pattern;
    m.route = list[pos];
    m.outcome = RouteMatch::Outcome::method_not_allowed;
    for (std::size_t k = pos; k < list.size(); ++k) {
      const auto& c = compiled_[list[k]];
      if (c.pattern == pattern && (c.methods & bit) != 0) {
        m.route = list[k];
        m.outcome = RouteMatch::Outcome::matched;
        return;
      }
    }
  };
  RouteMatch m;
  for (std::size_t k = 0; k < literal_.size(); ++k) {
    if (compiled_[literal_[k]].pattern == path) {
      settle(literal_, k, m);
      return m;
    }
  }
  for (std::size_t k = 0; k < parameterised_.size(); ++k) {
    if (match_pieces(compiled_[parameterised_[k]], path, m)) {
      settle(parameterised_, k, m);
      return m;
    }
    m.names = {};  // a partial match may have left names behind (values are set on success only)
  }
  return m;
}

RouteMatch RouteMatcher::match_at(std::size_t index, std::string_view target) const {
  RouteMatch m;
  if (index >= compiled_.size()) return m;
  const Compiled& c = compiled_[index];
  const auto path = strip_trailing_slash(strip_query(target));
  if (c.pieces.empty() ? c.pattern != path : !match_pieces(c, path, m)) return RouteMatch{};
  m.route = index;
  m.outcome = RouteMatch::Outcome::matched;
  return m;
}

std::vector<std::string_view> RouteMatcher::api_words() const {
  constexpr std::string_view kApi = "/api/";
  std::vector<std::string_view> words;
  for (const auto& c : compiled_) {
    if (c.pattern.substr(0, kApi.size()) != kApi) continue;
    auto rest = c.pattern.substr(kApi.size());
    auto word = rest.substr(0, rest.find('/'));
    if (word.empty() || word.front() == '{') continue;
    bool seen = false;
    for (auto w : words) seen |= w == word;
    if (!seen) words.push_back(word);
  }
  return words;
}

}  // namespace aisbf::api

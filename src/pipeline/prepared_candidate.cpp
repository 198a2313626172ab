#include "pipeline/prepared_candidate.hpp"

#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "pipeline/upstream_target.hpp"
#include "providers/registry.hpp"

namespace aisbf {

namespace {

GatewayError unsupported_type(const ProviderConfig& provider) {
  auto e = make_error(ErrorKind::unsupported, fmt::format("unsupported provider type '{}' (provider '{}')",
                                                          provider.type, provider.id));
  e.code = "unsupported_provider_type";
  return e;
}

GatewayError bad_endpoint(const ProviderConfig& provider) {
  auto e = make_error(ErrorKind::internal,
                      fmt::format("provider '{}' has no usable endpoint (expected an http:// or https:// URL)", provider.id));
  e.code = "invalid_provider_endpoint";
  return e;
}

// Endpoints are parsed once per worker thread, not on every request. Shared
// pointers: an attempt in flight keeps its endpoint if the cache is cleared.
// Keyed by the URL, the address rule and the proxy, which change the pool key.
std::shared_ptr<const http::Endpoint> cached_endpoint(const std::string& url, const ProviderConfig& provider) {
  thread_local std::unordered_map<std::string, std::shared_ptr<const http::Endpoint>> cache;
  const bool public_only = provider.public_addresses_only;
  std::string key = public_only ? "public-only " + url : url;
  if (provider.proxy)
    key += fmt::format(" via {}:{}{}", provider.proxy->host, provider.proxy->port, provider.proxy->tor ? " tor" : "");
  auto it = cache.find(key);
  if (it == cache.end()) {
    if (cache.size() > 4096) cache.clear();  // bounded across config reloads
    auto parsed = http::provider_endpoint(url, provider);
    it = cache.emplace(std::move(key), parsed ? std::make_shared<const http::Endpoint>(std::move(*parsed)) : nullptr)
             .first;
  }
  return it->second;
}

}  // namespace

Expected<PreparedCandidate> prepare_candidate(const routing::Candidate& c) {
  PreparedCandidate p;
  p.adapter = find_provider_adapter(c.provider->type, c.provider->api);
  if (p.adapter == nullptr) return unsupported_type(*c.provider);
  p.target = upstream_target(*c.provider, c.model, c.upstream_model);
  if (!c.api_key.empty()) p.target.api_key = c.api_key;
  p.endpoint = cached_endpoint(p.target.endpoint, *c.provider);
  if (p.endpoint == nullptr) return bad_endpoint(*c.provider);
  p.auth_headers = p.adapter->auth_headers(p.target);
  for (bool stream : {false, true}) {
    p.passthrough_path[stream] = p.endpoint->base_path + p.adapter->chat_path(p.target, stream);
  }
  return p;
}

namespace {

// The prepared candidates of the routing tables this worker thread serves,
// so that a request builds no UpstreamTarget, looks up no endpoint and
// copies no string of them. A table's candidates live as long as the table,
// and every request holds its table (ctx.routes): entries are keyed by the
// candidate's address within one generation per table, which is dropped
// once the table is gone (the weak_ptr also keeps a new table from reusing
// a dead one's identity). One thread's: no lock.
class PreparedCache {
 public:
  // Null when `c` cannot be prepared (the error is not cached: it is rare,
  // and the config that caused it is usually replaced).
  const PreparedCandidate* find(const std::shared_ptr<const routing::RoutingTable>& table, const routing::Candidate& c) {
    Generation& gen = generation(table);
    auto it = gen.entries.find(&c);
    if (it != gen.entries.end()) return &it->second;
    auto prepared = prepare_candidate(c);
    if (!prepared) return nullptr;
    return &gen.entries.emplace(&c, std::move(*prepared)).first->second;
  }

 private:
  struct Generation {
    std::weak_ptr<const routing::RoutingTable> table;
    std::unordered_map<const routing::Candidate*, PreparedCandidate> entries;  // node-based: addresses stay put
  };

  static bool same(const std::weak_ptr<const routing::RoutingTable>& a,
                   const std::shared_ptr<const routing::RoutingTable>& b) {
    return !a.owner_before(b) && !b.owner_before(a);
  }

  Generation& generation(const std::shared_ptr<const routing::RoutingTable>& table) {
    // Newest last: the live table is almost always the last one.
    for (auto it = generations_.rbegin(); it != generations_.rend(); ++it) {
      if (same(it->table, table)) return *it;
    }
    std::erase_if(generations_, [](const Generation& g) { return g.table.expired(); });
    generations_.push_back(Generation{table, {}});
    return generations_.back();
  }

  std::vector<Generation> generations_;  // moved on growth: handed-out pointers are to map nodes, which stay
};

}  // namespace

const PreparedCandidate* cached_preparation(const std::shared_ptr<const routing::RoutingTable>& table,
                                            const routing::Candidate& candidate) {
  thread_local PreparedCache cache;
  return cache.find(table, candidate);
}

Expected<const PreparedCandidate*> prepare_for_attempt(const std::shared_ptr<const routing::RoutingTable>& table,
                                                       const routing::Candidate& candidate, bool in_table,
                                                       std::optional<PreparedCandidate>& own) {
  if (in_table) {
    if (const PreparedCandidate* p = cached_preparation(table, candidate)) return p;
  }
  auto prepared = prepare_candidate(candidate);
  if (!prepared) return prepared.take_error();
  return &own.emplace(std::move(*prepared));
}

}  // namespace aisbf

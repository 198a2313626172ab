#include "pipeline/context_cache.hpp"

#include <algorithm>
#include <vector>

#include <spdlog/spdlog.h>

#include "core/log_text.hpp"
#include "core/sha256.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/request_context.hpp"
#include "pipeline/translate.hpp"

namespace aisbf {

namespace {

constexpr std::size_t kMaxCreateAnswer = 1u << 20;
// How long a refused creation is not asked again for the same prefix: a
// model or a prefix the upstream will not cache would otherwise cost a
// refused call on every request.
constexpr std::chrono::seconds kRefusedFor{60};

// Each boundary's key, k = 0..parts.cacheable: a chain of SHA-256, the
// first over the namespace, the provider, the model and the head, each
// next over the previous and one more turn, so that all of them cost one
// pass over the prefix. The namespace is part of it: one user's prefix is
// never answered from a cache another user's request made (its
// cached-token count would tell).
std::vector<std::string> boundary_keys(std::string_view space, const UpstreamTarget& target,
                                       const gemini::ContextParts& parts) {
  auto add = [](Sha256& sha, std::string_view part) {
    const auto size = static_cast<std::uint64_t>(part.size());
    sha.update(std::string_view(reinterpret_cast<const char*>(&size), sizeof size));
    sha.update(part);
  };
  std::vector<std::string> keys;
  keys.reserve(parts.cacheable + 1);
  Sha256 first;
  const std::string head = gemini::head_text(parts);
  for (std::string_view part :
       {space, std::string_view(target.provider_id), std::string_view(target.upstream_model), std::string_view(head)}) {
    add(first, part);
  }
  keys.push_back(first.hex());
  for (std::size_t k = 1; k <= parts.cacheable; ++k) {
    Sha256 next;
    add(next, keys.back());
    add(next, gemini::turn_text(parts, k));
    keys.push_back(next.hex());
  }
  return keys;
}

// A cache is trusted for 90% of its ttl: one about to expire upstream is
// recreated rather than refused mid-request.
ContextCacheNames::Clock::time_point trusted_until(const NativeCache& cache) {
  const auto ttl = std::chrono::milliseconds(cache.ttl_seconds * 900);
  return ContextCacheNames::Clock::now() + ttl;
}

// POST cachedContents; the new cache's name, or nullopt (logged).
boost::asio::awaitable<std::optional<std::string>> create_cache(RequestContext& ctx, const TranslateJob& job,
                                                                const gemini::ContextParts& parts,
                                                                std::size_t boundary) {
  UpstreamRequest create;
  create.path_suffix = gemini::cached_contents_path();
  create.headers = job.adapter.auth_headers(job.target);
  create.headers.emplace_back("Content-Type", "application/json");
  create.body = gemini::cache_create_body(parts, boundary, job.target);
  const http::OutgoingRequest request = outgoing(create, job.endpoint, false);
  http::UpstreamCall call(job.pool, job.endpoint, job.timeouts, job.target.provider_id);
  ctx.cancel.connect([&call] { call.cancel(); });
  std::optional<std::string> name;
  std::string why;
  if (auto failed = co_await call.start(request)) {
    why = failed->message;
  } else {
    auto answer = co_await call.read_all(kMaxCreateAnswer);
    if (!answer) {
      why = answer.error().message;
    } else if (call.status() != 200) {
      why = "status " + std::to_string(call.status()) + ": " + log_text(*answer, 300);
    } else if (!(name = gemini::created_cache_name(*answer))) {
      why = "an answer without a cache name";
    }
  }
  ctx.cancel.disconnect();
  if (!name) {
    spdlog::warn("gemini context cache for '{}' of '{}' not created ({}); sending the plain request",
                 log_text(job.target.upstream_model, 256), log_text(job.target.provider_id, 128), log_text(why, 512));
  }
  co_return name;
}

}  // namespace

std::optional<std::string> ContextCacheNames::find(const std::string& key, Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.expires <= now) return std::nullopt;
  return it->second.name;
}

void ContextCacheNames::store(const std::string& key, std::string name, Clock::time_point expires) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= max_entries_ && !entries_.contains(key)) {
    const auto now = Clock::now();
    std::erase_if(entries_, [&](const auto& e) { return e.second.expires <= now; });
    if (entries_.size() >= max_entries_) {
      auto soonest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
        return a.second.expires < b.second.expires;
      });
      entries_.erase(soonest);
    }
  }
  entries_[key] = Entry{std::move(name), expires};
}

void ContextCacheNames::forget(const std::string& key, std::string_view name) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.name == name) entries_.erase(it);
}

std::size_t ContextCacheNames::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

bool context_cache_may_apply(const RequestContext& ctx, const TranslateJob& job) {
  return job.target.native_cache.enabled && job.adapter.type() == "google" && ctx.state != nullptr &&
         ctx.state->context_caches;
}

namespace {

// The cache for `key`, made by this request or by the one already making
// it; "" when there is none to use (refused now or lately).
boost::asio::awaitable<std::string> cache_for(RequestContext& ctx, const TranslateJob& job, const std::string& key,
                                              const gemini::ContextParts& parts, std::size_t boundary) {
  ContextCacheNames& names = *ctx.state->context_caches;
  if (auto known = names.find(key, ContextCacheNames::Clock::now())) co_return std::move(*known);
  VectorFlights::Joined joined = names.creations().join(key);
  if (joined.follow) {
    // Another request is creating it: its name (or its refusal) is stored
    // when it settles. Anything else (it gave up, this deadline passed)
    // sends the plain request.
    auto [outcome, unused] = co_await VectorFlights::wait(joined.follow, ctx.deadline, ctx.cancel);
    if (outcome != VectorFlights::Outcome::ready) co_return std::string();
    co_return names.find(key, ContextCacheNames::Clock::now()).value_or(std::string());
  }
  // Leading (or the flight table is full: on its own). A creation that
  // settled between the lookup above and this join has stored its name.
  if (auto known = names.find(key, ContextCacheNames::Clock::now())) {
    if (joined.lead) joined.lead->settle(VectorFlights::Outcome::ready);
    co_return std::move(*known);
  }
  const auto until = trusted_until(job.target.native_cache);
  std::optional<std::string> name = co_await create_cache(ctx, job, parts, boundary);
  if (!name && ctx.cancel.cancelled()) {
    // Its client left: no verdict on the prefix; the waiters send the
    // plain request (a dropped lead settles as abandoned).
    co_return std::string();
  }
  if (name) {
    names.store(key, *name, until);
  } else {
    names.store(key, std::string(), ContextCacheNames::Clock::now() + kRefusedFor);
  }
  if (joined.lead) joined.lead->settle(VectorFlights::Outcome::ready);
  co_return name.value_or(std::string());
}

}  // namespace

boost::asio::awaitable<ContextCacheUse> use_context_cache(RequestContext& ctx, const TranslateJob& job,
                                                          UpstreamRequest& encoded) {
  ContextCacheUse use;
  if (!context_cache_may_apply(ctx, job)) co_return use;
  use.parts = gemini::context_parts(encoded.body, job.target.native_cache);
  if (!use.parts) co_return use;
  const gemini::ContextParts& parts = *use.parts;
  const std::vector<std::string> keys = boundary_keys(ctx.namespace_user, job.target, parts);
  // The longest prefix cached already, and whether the newest one was
  // refused lately (then it is not asked for again).
  ContextCacheNames& names = *ctx.state->context_caches;
  const auto now = ContextCacheNames::Clock::now();
  std::optional<std::size_t> cached;
  std::string cached_name;
  bool newest_refused = false;
  for (std::size_t k = parts.cacheable + 1; k-- > 0;) {
    std::optional<std::string> known = names.find(keys[k], now);
    if (!known) continue;
    if (known->empty()) {
      newest_refused = newest_refused || k == parts.cacheable;
      continue;
    }
    cached = k;
    cached_name = std::move(*known);
    break;
  }
  const gemini::ContextChoice choice = gemini::choose_context_cache(parts, cached, job.target.native_cache.min_tokens);
  std::string name;
  if (choice.create && !newest_refused) {
    name = co_await cache_for(ctx, job, keys[*choice.create], parts, *choice.create);
    if (!name.empty()) use.boundary = *choice.create;
  }
  if (name.empty() && choice.use) {
    name = std::move(cached_name);
    use.boundary = *choice.use;
  }
  if (name.empty()) co_return use;
  use.key = keys[use.boundary];
  use.plain_body = std::move(encoded.body);
  encoded.body = gemini::with_cached_content(parts, use.boundary, name);
  use.name = std::move(name);
  co_return use;
}

bool context_cache_refused(const ContextCacheUse& use, int status) {
  // Gemini answers a missing or expired cache with 403 PERMISSION_DENIED
  // ("CachedContent not found (or permission denied)"), others with 404;
  // a 400 may be the cache's model or fields. Each is retried without that
  // cache; a plain request's own error then speaks for itself.
  return !use.name.empty() && (status == 400 || status == 403 || status == 404);
}

boost::asio::awaitable<void> recover_context_cache(RequestContext& ctx, const TranslateJob& job,
                                                   ContextCacheUse& use, UpstreamRequest& encoded, int status) {
  ContextCacheNames& names = *ctx.state->context_caches;
  names.forget(use.key, use.name);
  use.name.clear();
  if (!use.renewed && status != 400) {
    use.renewed = true;
    const auto until = trusted_until(job.target.native_cache);
    std::optional<std::string> name = co_await create_cache(ctx, job, *use.parts, use.boundary);
    if (name) {
      names.store(use.key, *name, until);
      encoded.body = gemini::with_cached_content(*use.parts, use.boundary, *name);
      use.name = std::move(*name);
      co_return;
    }
    if (!ctx.cancel.cancelled()) names.store(use.key, std::string(), ContextCacheNames::Clock::now() + kRefusedFor);
  } else if (status == 400 && !ctx.cancel.cancelled()) {
    // The upstream would not use it (its model or fields): the plain
    // request serves this prefix for a while, without another creation.
    names.store(use.key, std::string(), ContextCacheNames::Clock::now() + kRefusedFor);
  }
  encoded.body = std::move(use.plain_body);
}

}  // namespace aisbf

#include "pipeline/context_cache.hpp"

#include <sodium.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/log_text.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/request_context.hpp"
#include "pipeline/translate.hpp"

namespace aisbf {

namespace {

constexpr std::size_t kMaxCreateAnswer = 1u << 20;

std::string prefix_key(const UpstreamTarget& target, std::string_view prefix) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  for (std::string_view part : {std::string_view(target.provider_id), std::string_view(target.upstream_model), prefix}) {
    const auto size = static_cast<std::uint64_t>(part.size());
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(&size), sizeof size);
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(part.data()), part.size());
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

// A cache is trusted for 90% of its ttl: one about to expire upstream is
// recreated rather than refused mid-request.
ContextCacheNames::Clock::time_point trusted_until(const NativeCache& cache) {
  const auto ttl = std::chrono::milliseconds(cache.ttl_seconds * 900);
  return ContextCacheNames::Clock::now() + ttl;
}

// POST cachedContents; the new cache's name, or nullopt (logged).
boost::asio::awaitable<std::optional<std::string>> create_cache(RequestContext& ctx, const TranslateJob& job,
                                                                const gemini::ContextSplit& split) {
  UpstreamRequest create;
  create.path_suffix = gemini::cached_contents_path();
  create.headers = job.adapter.auth_headers(job.target);
  create.headers.emplace_back("Content-Type", "application/json");
  create.body = gemini::cache_create_body(split, job.target);
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

boost::asio::awaitable<ContextCacheUse> use_context_cache(RequestContext& ctx, const TranslateJob& job,
                                                          UpstreamRequest& encoded) {
  ContextCacheUse use;
  if (!job.target.native_cache.enabled || job.adapter.type() != "google" || ctx.state == nullptr ||
      !ctx.state->context_caches) {
    co_return use;
  }
  use.split = gemini::split_for_context_cache(encoded.body, job.target.native_cache);
  if (!use.split) co_return use;
  use.key = prefix_key(job.target, use.split->prefix);
  ContextCacheNames& names = *ctx.state->context_caches;
  std::optional<std::string> name = names.find(use.key, ContextCacheNames::Clock::now());
  if (!name) {
    const auto until = trusted_until(job.target.native_cache);
    name = co_await create_cache(ctx, job, *use.split);
    if (!name) co_return use;
    names.store(use.key, *name, until);
  }
  use.plain_body = std::move(encoded.body);
  encoded.body = gemini::with_cached_content(*use.split, *name);
  use.name = std::move(*name);
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
    std::optional<std::string> name = co_await create_cache(ctx, job, *use.split);
    if (name) {
      names.store(use.key, *name, until);
      encoded.body = gemini::with_cached_content(*use.split, *name);
      use.name = std::move(*name);
      co_return;
    }
  }
  encoded.body = std::move(use.plain_body);
}

}  // namespace aisbf

#include "pipeline/description_fetch.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

#include <spdlog/spdlog.h>

#include "pipeline/db_pool.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/user_views.hpp"
#include "pipeline/vector_flights.hpp"
#include "routing/semantic_select.hpp"
#include "store/store.hpp"

namespace aisbf {

namespace {

using Vector = routing::DescriptionVectors::Vector;

// The App's store and DB threads, as users' views reach them; none in
// unit tests, or when no store was opened.
struct StoreHandle {
  store::Store* store = nullptr;
  DbPool* db = nullptr;
};

StoreHandle store_of(const RequestContext& ctx) {
  if (ctx.user_views == nullptr) return {};
  const auto& sources = ctx.user_views->sources();
  if (sources.store == nullptr || sources.db == nullptr) return {};
  return {sources.store, sources.db};
}

std::string hex(const routing::TextDigest& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (unsigned char b : digest) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

// The model key names an endpoint and maybe a user: the store keeps its hash.
std::string model_hash(std::string_view model_key) { return hex(routing::text_digest(model_key)); }

store::UnixMs now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// What the store has of `missing`, in its order (null: not stored).
boost::asio::awaitable<std::vector<Vector>> read_stored(RequestContext& ctx, const std::string& model_key,
                                                        const MissingDescriptions& missing) {
  std::vector<Vector> out(missing.digests.size());
  const StoreHandle handle = store_of(ctx);
  if (handle.store == nullptr) co_return out;
  const std::string model = model_hash(model_key);
  std::vector<std::string> keys;
  for (const auto& d : missing.digests) keys.push_back(hex(d));
  store::Store& store = *handle.store;
  auto find = [&store, &model, &keys] { return store.find_vectors(model, keys); };
  auto found = co_await handle.db->run(find);
  if (!found) {
    spdlog::warn("{} description vectors: the store failed ({}), embedding them", ctx.request_id,
                 store::store_error_kind_name(found.error().kind));
    co_return out;
  }
  for (auto& v : found.value()) {
    auto at = std::find(keys.begin(), keys.end(), v.text_sha256);
    if (at != keys.end()) out[static_cast<std::size_t>(at - keys.begin())] = std::make_shared<const std::vector<float>>(std::move(v.values));
  }
  co_return out;
}

// In memory at once; to the store in the background.
void keep(RequestContext& ctx, const std::string& model_key, const MissingDescriptions& missing,
          const std::vector<Vector>& vectors, const std::vector<std::size_t>& fresh) {
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    if (vectors[i]) ctx.state->description_vectors->store(model_key, missing.digests[i], *vectors[i]);
  }
  const StoreHandle handle = store_of(ctx);
  if (handle.store == nullptr || fresh.empty()) return;
  auto rows = std::make_shared<std::vector<store::StoredVector>>();
  const std::string model = model_hash(model_key);
  const store::UnixMs at = now_ms();
  for (std::size_t i : fresh) rows->push_back({model, hex(missing.digests[i]), *vectors[i], at});
  handle.db->post([store = handle.store, rows, id = ctx.request_id] {
    if (auto r = store->put_vectors(*rows, kStoredVectorsKept); !r)
      spdlog::warn("{} description vectors: not stored ({}); they are embedded again after a restart", id,
                   store::store_error_kind_name(r.error().kind));
  });
}

// Embeds what `vectors` lacks of `missing`, with `prompt` last when not
// empty, in one call (batched by embed_texts), and keeps what it got.
boost::asio::awaitable<Expected<FetchedDescriptions>> embed_lacking(RequestContext& ctx, http::UpstreamPool& pool,
                                                                    EmbeddingsUse use,
                                                                    const MissingDescriptions& missing,
                                                                    std::vector<Vector> vectors,
                                                                    std::string_view prompt) {
  std::vector<std::string> texts;
  std::vector<std::size_t> fresh;
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    if (vectors[i]) continue;
    texts.push_back(missing.texts[i]);
    fresh.push_back(i);
  }
  if (!prompt.empty()) texts.emplace_back(prompt);
  FetchedDescriptions out;
  if (!texts.empty()) {
    auto answer = co_await embed_texts(ctx, pool, use.call, use.model, std::move(texts));
    if (!answer) co_return answer.take_error();
    for (std::size_t k = 0; k < fresh.size(); ++k)
      vectors[fresh[k]] = std::make_shared<const std::vector<float>>(routing::unit_vector(answer->vectors[k]));
    if (!prompt.empty()) out.prompt = std::move(answer->vectors.back());
  }
  keep(ctx, use.model.key, missing, vectors, fresh);
  out.vectors = std::move(vectors);
  co_return out;
}

// The store first, then the upstream; settles `lead` (when there is one).
boost::asio::awaitable<Expected<FetchedDescriptions>> lead(RequestContext& ctx, http::UpstreamPool& pool,
                                                           EmbeddingsUse use, const MissingDescriptions& missing,
                                                           std::string_view prompt, VectorFlights::Lead* flight) {
  std::vector<Vector> stored = co_await read_stored(ctx, use.model.key, missing);
  auto got = co_await embed_lacking(ctx, pool, use, missing, std::move(stored), prompt);
  if (flight != nullptr) {
    if (got) {
      flight->settle(VectorFlights::Outcome::ready, got->vectors);
    } else {
      // Failed: the upstream failed, and the waiters would fail alike.
      // Abandoned: the leader's own limits stopped it (its client left, its
      // deadline, a request the upstream refused, a slot not due): a waiter
      // may lead.
      const GatewayError& e = got.error();
      const bool upstream_failed = e.kind == ErrorKind::upstream_status && (e.status >= 500 || e.status == 429);
      flight->settle(!ctx.cancel.cancelled() && upstream_failed ? VectorFlights::Outcome::failed
                                                                : VectorFlights::Outcome::abandoned);
    }
  }
  co_return got;
}

GatewayError flight_error(VectorFlights::Outcome outcome) {
  const bool failed = outcome == VectorFlights::Outcome::failed;
  auto e = make_error(failed ? ErrorKind::upstream_status : ErrorKind::upstream_timeout,
                      failed ? "a concurrent request's embeddings of the descriptions failed"
                             : "waited past the deadline for a concurrent request's embeddings of the descriptions");
  e.code = failed ? "shared_embeddings_failed" : "shared_embeddings_timeout";
  return e;
}

// The flight's key: the model, then each missing text's digest in order.
std::string flight_key(const std::string& model_key, const MissingDescriptions& missing) {
  std::string key = model_key;
  key.push_back('\0');
  for (const auto& d : missing.digests) key.append(reinterpret_cast<const char*>(d.data()), d.size());
  return key;
}

}  // namespace

boost::asio::awaitable<Expected<FetchedDescriptions>> fetch_descriptions(RequestContext& ctx,
                                                                         http::UpstreamPool& pool, EmbeddingsUse use,
                                                                         const MissingDescriptions& missing,
                                                                         std::string_view prompt) {
  VectorFlights* flights = ctx.state->vector_flights.get();
  std::optional<std::vector<float>> own_prompt;  // a waiter's, embedded while the leader works
  auto with_own_prompt = [&](Expected<FetchedDescriptions> got) {
    if (got && own_prompt) got->prompt = std::move(own_prompt);
    return got;
  };
  const std::string key = flights != nullptr ? flight_key(use.model.key, missing) : std::string();
  // One bound for all the waiting: the own prompt's call and a second round
  // do not extend it.
  auto deadline = std::chrono::steady_clock::now() + use.call.timeout;
  if (ctx.deadline != std::chrono::steady_clock::time_point{}) deadline = std::min(deadline, ctx.deadline);
  // Round two only after an abandoned flight: a waiter may lead then.
  for (int round = 0; round < 2 && flights != nullptr; ++round) {
    VectorFlights::Joined joined = flights->join(key);
    const std::string_view ask = own_prompt ? std::string_view() : prompt;  // named: GCC 12 and co_await
    if (joined.lead) {
      auto got = co_await lead(ctx, pool, use, missing, ask, joined.lead.get());
      co_return with_own_prompt(std::move(got));
    }
    if (!joined.follow) break;  // the table is full: alone
    if (!own_prompt) {
      std::vector<std::string> texts{std::string(prompt)};
      auto answer = co_await embed_texts(ctx, pool, use.call, use.model, std::move(texts));
      if (!answer) co_return answer.take_error();
      own_prompt = std::move(answer->vectors.back());
    }
    auto [outcome, vectors] = co_await VectorFlights::wait(joined.follow, deadline, ctx.cancel);
    if (outcome == VectorFlights::Outcome::ready) co_return with_own_prompt(FetchedDescriptions{std::move(vectors), {}});
    if (outcome != VectorFlights::Outcome::abandoned || ctx.cancel.cancelled()) co_return flight_error(outcome);
  }
  const std::string_view ask = own_prompt ? std::string_view() : prompt;
  auto got = co_await lead(ctx, pool, use, missing, ask, nullptr);
  co_return with_own_prompt(std::move(got));
}

boost::asio::awaitable<Expected<FetchedDescriptions>> refresh_descriptions(RequestContext& ctx,
                                                                           http::UpstreamPool& pool,
                                                                           EmbeddingsUse use,
                                                                           const MissingDescriptions& texts) {
  std::vector<Vector> none(texts.digests.size());
  const std::string_view no_prompt;
  co_return co_await embed_lacking(ctx, pool, use, texts, std::move(none), no_prompt);
}

}  // namespace aisbf

#include "pipeline/stored_responses.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "api/openai/responses_history.hpp"
#include "pipeline/account_errors.hpp"

namespace aisbf {

struct StoredResponses::Shared {
  explicit Shared(store::ResponseStore& s) : store(s) {}
  store::ResponseStore& store;
  std::atomic<std::size_t> pending_bytes{0};
  std::atomic<store::UnixMs> last_prune_ms{0};
};

namespace {

constexpr store::UnixMs kPruneEveryMs = 60'000;

store::UnixMs now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void prune_if_due(StoredResponses::Shared& shared, store::UnixMs now, std::uint64_t keep) {
  store::UnixMs last = shared.last_prune_ms.load();
  if (now - last < kPruneEveryMs || !shared.last_prune_ms.compare_exchange_strong(last, now)) return;
  auto pruned = shared.store.prune_responses(now, static_cast<std::size_t>(keep));
  if (!pruned) spdlog::warn("stored responses: pruning failed: {}", pruned.error().message);
  else if (pruned.value() > 0) spdlog::debug("stored responses: {} pruned", pruned.value());
}

// On a DB thread: the row from the request and its answer.
void write_row(StoredResponses::Shared& shared, store::StoredResponse row, const std::string& body,
               std::chrono::seconds ttl, std::uint64_t keep) {
  auto input = api::input_items_to_store(body);
  if (!input) return;
  if (input->size() + row.response_json.size() > kMaxStoredResponseBytes) {
    spdlog::warn("stored responses: response {} not kept: its conversation is {} bytes, past the {} bytes a stored "
                 "response may hold",
                 row.id, input->size() + row.response_json.size(), kMaxStoredResponseBytes);
    return;
  }
  row.input_json = std::move(*input);
  row.created_ms = now_ms();
  row.expires_ms = row.created_ms + std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count();
  if (auto put = shared.store.put_response(row); !put)
    spdlog::warn("stored responses: response {} not kept: {}", row.id, put.error().message);
  prune_if_due(shared, row.created_ms, keep);
}

}  // namespace

StoredResponses::StoredResponses(store::ResponseStore& store, DbPool& db)
    : shared_(std::make_shared<Shared>(store)), db_(db) {}

boost::asio::awaitable<Expected<std::optional<store::StoredResponse>>> StoredResponses::find(const std::string& owner,
                                                                                            const std::string& id) {
  using Found = Expected<std::optional<store::StoredResponse>>;
  if (!api::plausible_response_id(id)) co_return Found(std::nullopt);
  store::ResponseStore& store = shared_->store;
  auto found = co_await db_.run([&store, &owner, &id] { return store.find_response(owner, id, now_ms()); });
  if (!found) {
    spdlog::warn("stored responses: reading {} failed: {}", id, found.error().message);
    co_return Found(store_unavailable());
  }
  co_return Found(std::move(found.value()));
}

boost::asio::awaitable<Expected<bool>> StoredResponses::remove(const std::string& owner, const std::string& id) {
  if (!api::plausible_response_id(id)) co_return Expected<bool>(false);
  store::ResponseStore& store = shared_->store;
  auto removed = co_await db_.run([&store, &owner, &id] { return store.delete_response(owner, id, now_ms()); });
  if (removed) co_return Expected<bool>(true);
  if (removed.error().kind == store::StoreError::Kind::not_found) co_return Expected<bool>(false);
  spdlog::warn("stored responses: deleting {} failed: {}", id, removed.error().message);
  co_return Expected<bool>(store_unavailable());
}

void StoredResponses::record(std::string owner, std::string request_body, CapturedResponse response,
                             const ResponsesStoreConfig& settings) {
  const std::size_t bytes = request_body.size() + response.json.size();
  if (shared_->pending_bytes.fetch_add(bytes) + bytes > kMaxPendingBytes) {
    shared_->pending_bytes.fetch_sub(bytes);
    spdlog::warn("stored responses: response {} not kept: the database is behind ({} bytes waiting)", response.id,
                 kMaxPendingBytes);
    return;
  }
  store::StoredResponse row;
  row.owner = std::move(owner);
  row.id = std::move(response.id);
  row.response_json = std::move(response.json);
  db_.post([shared = shared_, row = std::move(row), body = std::move(request_body), ttl = settings.ttl,
            keep = settings.max_stored, bytes]() mutable {
    write_row(*shared, std::move(row), body, ttl, keep);
    shared->pending_bytes.fetch_sub(bytes);
  });
}

}  // namespace aisbf

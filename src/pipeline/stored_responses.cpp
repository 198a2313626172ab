#include "pipeline/stored_responses.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <utility>

#include <spdlog/spdlog.h>

#include "api/openai/responses_history.hpp"
#include "core/json_scan.hpp"
#include "pipeline/account_errors.hpp"

namespace aisbf {

using Key = std::pair<std::string, std::string>;  // (owner, id)
using store::Done;
using store::Result;

struct StoredResponses::Pending {
  std::string owner, id;
  store::UnixMs created_ms = 0, expires_ms = 0;
  std::string response_json;
  std::size_t bytes = 0;  // counted in pending_bytes; under Shared::mutex once announced
  std::size_t max_row_bytes = 0;
  std::uint64_t keep = 0;
  bool deleted = false;  // under Shared::mutex

  // The input items kept for it, made once from the request body (a DB
  // thread's work: it parses) so that every reader sees the same item ids;
  // nullopt when the body has no input to keep, or when the response is not
  // valid JSON (the event loop only walked its top level for the id: it is
  // validated here, once, before anyone reads it back).
  const std::optional<std::string>& input_items() {
    std::lock_guard lock(input_mutex_);
    if (!input_made_) {
      input_made_ = true;
      if (auto invalid = json_scan::validate(response_json)) {
        spdlog::warn("stored responses: response {} not kept: the upstream's answer is not valid JSON ({})", id,
                     invalid->message);
      } else {
        input_json_ = api::input_items_to_store(request_body_);
      }
      std::string().swap(request_body_);
    }
    return input_json_;
  }

  explicit Pending(std::string body) : request_body_(std::move(body)) {}

 private:
  std::mutex input_mutex_;
  std::string request_body_;
  bool input_made_ = false;
  std::optional<std::string> input_json_;
};

struct StoredResponses::Shared {
  explicit Shared(store::ResponseStore& s) : store(s) {}
  store::ResponseStore& store;
  std::atomic<std::size_t> pending_bytes{0};
  std::atomic<std::size_t> expanding_bytes{0};
  std::atomic<store::UnixMs> last_prune_ms{0};
  std::mutex mutex;  // guards `pending`, each entry's `deleted` and `writes_since_bound`
  // Writes per namespace since its row bound was last applied: the bound's
  // query walks up to max_stored index entries, so it runs once per
  // max_stored/16 writes (every write while that is 1), not on every write.
  std::map<std::string, std::int64_t, std::less<>> writes_since_bound;
  std::map<Key, PendingHandle> pending;

  PendingHandle pending_of(const std::string& owner, const std::string& id, bool* deleted) {
    std::lock_guard lock(mutex);
    auto it = pending.find(Key(owner, id));
    if (it == pending.end()) return nullptr;
    *deleted = it->second->deleted;
    return it->second;
  }
  // Takes `p` out of the map (if it is still the entry of its key) and its
  // bytes out of the count; whether it was deleted meanwhile.
  // Idempotent.
  bool retire(const PendingHandle& p) {
    bool deleted = false;
    std::size_t freed = 0;
    {
      std::lock_guard lock(mutex);
      auto it = pending.find(Key(p->owner, p->id));
      if (it != pending.end() && it->second == p) pending.erase(it);
      deleted = p->deleted;
      freed = std::exchange(p->bytes, 0);
    }
    pending_bytes.fetch_sub(freed);
    return deleted;
  }
};

std::size_t max_stored_row_bytes(std::size_t max_body_bytes) {
  return std::min(kMaxStoredResponseBytes, max_body_bytes);
}

StoredResponses::ExpansionLease::~ExpansionLease() {
  if (shared_) shared_->expanding_bytes.fetch_sub(bytes_);
}

namespace {

constexpr store::UnixMs kPruneEveryMs = 60'000;

store::UnixMs now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Whether this write of `owner` applies its row bound now (the namespace
// then holds at most keep + keep/16 rows between two applications).
bool bound_due(StoredResponses::Shared& shared, const std::string& owner, std::uint64_t keep) {
  const std::int64_t every = std::max<std::int64_t>(1, static_cast<std::int64_t>(keep / 16));
  std::lock_guard lock(shared.mutex);
  auto& writes = shared.writes_since_bound[owner];
  if (++writes < every) return false;
  writes = 0;
  return true;
}

void prune(StoredResponses::Shared& shared, const StoredResponses::Pending& p) {
  if (bound_due(shared, p.owner, p.keep)) {
    auto newest = shared.store.keep_newest_responses(p.owner, static_cast<std::size_t>(p.keep));
    if (!newest) spdlog::warn("stored responses: pruning a namespace failed: {}", newest.error().message);
  }
  const store::UnixMs now = now_ms();
  store::UnixMs last = shared.last_prune_ms.load();
  if (now - last < kPruneEveryMs || !shared.last_prune_ms.compare_exchange_strong(last, now)) return;
  auto expired = shared.store.prune_expired_responses(now);
  if (!expired) spdlog::warn("stored responses: pruning failed: {}", expired.error().message);
  else if (expired.value() > 0) spdlog::debug("stored responses: {} expired rows pruned", expired.value());
}

// On a DB thread: the row of an announced response, unless it was deleted
// first. It leaves the pending map only after its commit.
void write_row(StoredResponses::Shared& shared, const StoredResponses::PendingHandle& p) {
  bool deleted = false;
  {
    std::lock_guard lock(shared.mutex);
    deleted = p->deleted;
  }
  if (deleted) return;
  const auto& input = p->input_items();
  if (!input) return;
  if (input->size() + p->response_json.size() > p->max_row_bytes) {
    spdlog::warn("stored responses: response {} not kept: its conversation is {} bytes, past the {} bytes a stored "
                 "response may hold",
                 p->id, input->size() + p->response_json.size(), p->max_row_bytes);
    return;
  }
  const store::StoredResponse row{p->owner, p->id, p->created_ms, p->expires_ms, *input, p->response_json};
  if (auto put = shared.store.put_response(row); !put) {
    spdlog::warn("stored responses: response {} not kept: {}", p->id, put.error().message);
    return;
  }
  if (shared.retire(p)) {  // deleted while it was being written
    auto removed = shared.store.delete_response(p->owner, p->id, now_ms());
    if (!removed && removed.error().kind != store::StoreError::Kind::not_found)
      spdlog::warn("stored responses: deleting {} after its write failed: {}", p->id, removed.error().message);
  }
  prune(shared, *p);
}

Result<std::optional<store::StoredResponse>> find_on_db_thread(StoredResponses::Shared& shared,
                                                               const std::string& owner, const std::string& id) {
  bool deleted = false;
  if (auto p = shared.pending_of(owner, id, &deleted)) {
    if (deleted || p->expires_ms <= now_ms()) return std::optional<store::StoredResponse>();
    const auto& input = p->input_items();
    if (!input) return std::optional<store::StoredResponse>();
    return std::optional<store::StoredResponse>(
        store::StoredResponse{owner, id, p->created_ms, p->expires_ms, *input, p->response_json});
  }
  return shared.store.find_response(owner, id, now_ms());
}

Result<Done> remove_on_db_thread(StoredResponses::Shared& shared, const std::string& owner, const std::string& id) {
  {
    std::lock_guard lock(shared.mutex);
    auto it = shared.pending.find(Key(owner, id));
    if (it != shared.pending.end()) {
      // Its writer skips it, or deletes the row its commit made.
      if (it->second->deleted) return store::StoreError{store::StoreError::Kind::not_found, "no such response"};
      it->second->deleted = true;
      return Done{};
    }
  }
  return shared.store.delete_response(owner, id, now_ms());
}

// Neither a store error nor anything thrown (bad_alloc) may leave a DB job.
template <class Fn>
auto guarded(std::string_view what, Fn fn) noexcept -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& e) {
    spdlog::warn("stored responses: {} failed: {}", what, e.what());
  } catch (...) {
    spdlog::warn("stored responses: {} failed", what);
  }
  return store::StoreError{store::StoreError::Kind::internal, "stored responses: an unexpected failure"};
}

}  // namespace

StoredResponses::StoredResponses(store::ResponseStore& store, DbPool& db)
    : shared_(std::make_shared<Shared>(store)), db_(db) {}

boost::asio::awaitable<Expected<std::optional<store::StoredResponse>>> StoredResponses::find(const std::string& owner,
                                                                                            const std::string& id) {
  using Found = Expected<std::optional<store::StoredResponse>>;
  if (!api::plausible_response_id(id)) co_return Found(std::nullopt);
  Shared& shared = *shared_;
  auto found = co_await db_.run(
      [&shared, &owner, &id] { return guarded("reading", [&] { return find_on_db_thread(shared, owner, id); }); });
  if (!found) {
    spdlog::warn("stored responses: reading {} failed: {}", id, found.error().message);
    co_return Found(store_unavailable());
  }
  co_return Found(std::move(found.value()));
}

boost::asio::awaitable<Expected<bool>> StoredResponses::remove(const std::string& owner, const std::string& id) {
  if (!api::plausible_response_id(id)) co_return Expected<bool>(false);
  Shared& shared = *shared_;
  auto removed = co_await db_.run(
      [&shared, &owner, &id] { return guarded("deleting", [&] { return remove_on_db_thread(shared, owner, id); }); });
  if (removed) co_return Expected<bool>(true);
  if (removed.error().kind == store::StoreError::Kind::not_found) co_return Expected<bool>(false);
  spdlog::warn("stored responses: deleting {} failed: {}", id, removed.error().message);
  co_return Expected<bool>(store_unavailable());
}

StoredResponses::PendingHandle StoredResponses::announce(std::string owner, std::string request_body,
                                                         const CapturedResponse& response,
                                                         const ResponsesStoreConfig& settings,
                                                         std::size_t max_row_bytes) {
  // Decided here, not on the writer, so that an announced response does not
  // vanish later: the request (its input, plus what a continuation would
  // send again) and the response together past the bound could only ever
  // be continued with a 413. The writer checks the exact row again.
  if (response.json.size() + request_body.size() > max_row_bytes) {
    spdlog::warn("stored responses: response {} not kept: past the {} bytes a stored response may hold", response.id,
                 max_row_bytes);
    return nullptr;
  }
  const std::size_t bytes = request_body.size() + response.json.size();
  if (shared_->pending_bytes.fetch_add(bytes) + bytes > kMaxPendingBytes) {
    shared_->pending_bytes.fetch_sub(bytes);
    spdlog::warn("stored responses: response {} not kept: the database is behind ({} bytes waiting)", response.id,
                 kMaxPendingBytes);
    return nullptr;
  }
  auto p = std::make_shared<Pending>(std::move(request_body));
  p->owner = std::move(owner);
  p->id = response.id;
  p->response_json = response.json;
  p->bytes = bytes;
  p->max_row_bytes = max_row_bytes;
  p->keep = settings.max_stored;
  p->created_ms = now_ms();
  p->expires_ms = p->created_ms + std::chrono::duration_cast<std::chrono::milliseconds>(settings.ttl).count();
  std::size_t freed = 0;
  {
    std::lock_guard lock(shared_->mutex);
    // An id answered twice (it should not be): the newer answer is the one kept.
    PendingHandle replaced = std::exchange(shared_->pending[Key(p->owner, p->id)], p);
    if (replaced) freed = std::exchange(replaced->bytes, 0);
  }
  shared_->pending_bytes.fetch_sub(freed);
  return p;
}

void StoredResponses::settle(PendingHandle pending, bool delivered) {
  if (!pending) return;
  if (!delivered) {
    shared_->retire(pending);
    return;
  }
  db_.post([shared = shared_, p = std::move(pending)] {
    guarded("writing a response", [&]() -> Result<Done> {
      write_row(*shared, p);
      return Done{};
    });
    shared->retire(p);  // a write that failed or was skipped: not found from now on
  });
}

std::optional<StoredResponses::ExpansionLease> StoredResponses::reserve_expansion(std::size_t bytes) {
  if (shared_->expanding_bytes.fetch_add(bytes) + bytes > kMaxExpandingBytes) {
    shared_->expanding_bytes.fetch_sub(bytes);
    return std::nullopt;
  }
  return ExpansionLease(shared_, bytes);
}

}  // namespace aisbf

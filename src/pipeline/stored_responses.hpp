// StoredResponses: the OpenAI Responses answers aisbf keeps (issue 14) for
// previous_response_id and GET/DELETE /v1/responses/{id}, in the Store's
// stored_responses table, keyed by (namespace, id).
//
// Visible at once: a response is announced (announce()) as its final bytes
// are about to go to the client, into a map of pending writes that find()
// and remove() consult before the table, so a client that continues or
// deletes it the moment it has it never races the write. The row is written
// on a DB thread once the client got the answer whole (settle()), and
// leaves the map only after its commit; a pending response deleted
// meanwhile is never written (or deleted again if the write won). Reads are
// awaited on the DB pool; a write is never waited for.
//
// Bounds: a row is at most min(kMaxStoredResponseBytes, the gateway's body
// limit) (input items and response together; larger ones are logged and
// not kept: a larger one could only ever be a 413 to continue); pending
// writes hold at most kMaxPendingBytes (past it a response is not kept);
// rows being expanded into a continuation hold at most kMaxExpandingBytes
// (past it a continuation is a 503, retryable); rows expire after aisbf.json
// `responses.store_ttl_seconds` (pruned at most once a minute) and each
// namespace keeps its newest `responses.max_stored` (applied once per
// max_stored/16 of its writes, so it may hold up to 1/16 more in between;
// each application walks up to max_stored index entries), so one namespace
// never evicts another's.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "config/responses_store.hpp"
#include "core/expected.hpp"
#include "pipeline/db_pool.hpp"
#include "pipeline/response_capture.hpp"
#include "store/response_store.hpp"

namespace aisbf {

inline constexpr std::size_t kMaxStoredResponseBytes = 15 * 1024 * 1024;  // under MariaDB's 16 MiB packet and MEDIUMTEXT
inline constexpr std::size_t kMaxPendingBytes = 256 * 1024 * 1024;
inline constexpr std::size_t kMaxExpandingBytes = 64 * 1024 * 1024;

// The most a kept row may hold under a gateway body limit.
std::size_t max_stored_row_bytes(std::size_t max_body_bytes);

class StoredResponses {
 public:
  struct Shared;   // what the DB tasks hold (they may outlive this object until the pool joins)
  struct Pending;  // an announced response not yet written

  // Held from announce() to settle(); null when nothing was announced or
  // it could not be kept.
  using PendingHandle = std::shared_ptr<Pending>;

  // Releases the expansion budget it holds when it goes.
  class ExpansionLease {
   public:
    ExpansionLease(std::shared_ptr<Shared> shared, std::size_t bytes) : shared_(std::move(shared)), bytes_(bytes) {}
    ExpansionLease(ExpansionLease&& other) noexcept : shared_(std::move(other.shared_)), bytes_(other.bytes_) {}
    ExpansionLease& operator=(ExpansionLease&&) = delete;
    ~ExpansionLease();

   private:
    std::shared_ptr<Shared> shared_;
    std::size_t bytes_;
  };

  StoredResponses(store::ResponseStore& store, DbPool& db);

  // The unexpired row of (owner, id), announced or written; nullopt when
  // there is none (or the id could not name one). 503 when the store
  // cannot answer.
  boost::asio::awaitable<Expected<std::optional<store::StoredResponse>>> find(const std::string& owner,
                                                                                const std::string& id);
  // False when there was none to delete.
  boost::asio::awaitable<Expected<bool>> remove(const std::string& owner, const std::string& id);

  // Makes `response`, which answered `request_body` (the expanded request),
  // visible under (owner, response.id) at once; nothing is parsed here.
  // Null (and logged) when it cannot be kept: too large for
  // `max_row_bytes`, or the database is too far behind.
  PendingHandle announce(std::string owner, std::string request_body, const CapturedResponse& response,
                         const ResponsesStoreConfig& settings, std::size_t max_row_bytes);
  // After the answer: `delivered` (the client got it whole) hands the row
  // to a DB thread and returns at once; otherwise it is withdrawn.
  void settle(PendingHandle pending, bool delivered);

  // Budget for `bytes` of stored rows being expanded into a continuation
  // on an event loop; nullopt past kMaxExpandingBytes.
  std::optional<ExpansionLease> reserve_expansion(std::size_t bytes);

 private:
  std::shared_ptr<Shared> shared_;
  DbPool& db_;
};

}  // namespace aisbf

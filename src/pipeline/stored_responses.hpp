// StoredResponses: the OpenAI Responses answers aisbf keeps (issue 14) for
// previous_response_id and GET/DELETE /v1/responses/{id}, in the Store's
// stored_responses table, keyed by (namespace, id). Reads are awaited on
// the DB pool; a write is handed to it and never waited for, so keeping an
// answer costs the client nothing. Bounds: a row is at most
// kMaxStoredResponseBytes (input items and response together; larger ones
// are logged and not kept), rows expire after aisbf.json
// `responses.store_ttl_seconds` and at most `responses.max_stored` are kept
// (pruned, oldest first, at most once a minute after a write), and queued
// writes hold at most kMaxPendingBytes (past it a response is not kept).
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

class StoredResponses {
 public:
  StoredResponses(store::ResponseStore& store, DbPool& db);

  // The unexpired row of (owner, id); nullopt when there is none (or the id
  // could not name one). 503 when the store cannot answer.
  boost::asio::awaitable<Expected<std::optional<store::StoredResponse>>> find(const std::string& owner,
                                                                                const std::string& id);
  // False when there was none to delete.
  boost::asio::awaitable<Expected<bool>> remove(const std::string& owner, const std::string& id);
  // Keeps `response`, which answered `request_body` (the expanded request),
  // under (owner, response.id), on a DB thread; returns at once.
  void record(std::string owner, std::string request_body, CapturedResponse response,
              const ResponsesStoreConfig& settings);

  struct Shared;  // what the DB tasks hold (they may outlive this object until the pool joins)

 private:
  std::shared_ptr<Shared> shared_;
  DbPool& db_;
};

}  // namespace aisbf

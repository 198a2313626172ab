// ResponseStore: the OpenAI Responses answers aisbf keeps (issue 14), for
// previous_response_id and GET/DELETE /v1/responses/{id}. A narrow
// interface of its own beside Store: SqlStore implements both, on the same
// database and connections (table stored_responses, schema version 6).
// Like Store's, every method blocks (call it on the DB pool) and returns
// errors as values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace aisbf::store {

// Keyed by (owner, id): the owner is the user namespace the request was
// served in, empty for the global one (global tokens), so another
// namespace's id is simply not found.
struct StoredResponse {
  std::string owner;
  std::string id;             // the response's id as the client saw it (resp_…)
  UnixMs created_ms = 0;
  UnixMs expires_ms = 0;      // never found at or after this time
  std::string input_json;     // a JSON array: the conversation it answered, each item with an `id`
  std::string response_json;  // the response object as the client got it
};

class ResponseStore {
 public:
  virtual ~ResponseStore() = default;
  // Inserts or replaces (owner, id).
  virtual Result<Done> put_response(const StoredResponse& response) = 0;
  // The row unless absent or expired at `now`.
  virtual Result<std::optional<StoredResponse>> find_response(std::string_view owner, std::string_view id,
                                                              UnixMs now) = 0;
  // not_found when absent or expired (an expired row is left to prune).
  virtual Result<Done> delete_response(std::string_view owner, std::string_view id, UnixMs now) = 0;
  // Deletes the rows (of every owner) expired at `now`; the count deleted.
  virtual Result<std::int64_t> prune_expired_responses(UnixMs now) = 0;
  // Deletes all but `owner`'s newest `keep` rows by created_ms (rows of the
  // same created_ms at the edge go together); the count deleted.
  virtual Result<std::int64_t> keep_newest_responses(std::string_view owner, std::size_t keep) = 0;
};

// The store's ResponseStore, or null when it keeps no responses (a test's
// in-memory Store).
ResponseStore* response_store_of(Store& store);

}  // namespace aisbf::store

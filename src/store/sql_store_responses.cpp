// SqlStore: stored OpenAI Responses (schema version 6).
#include <fmt/format.h>

#include "store/sql_store.hpp"
#include "store/sql_upsert.hpp"

namespace aisbf::store {

Result<Done> SqlStore::put_response(const StoredResponse& s) {
  static const std::string sqlite_pg =
      upsert_sql(Dialect::sqlite, "stored_responses",
                 {"owner", "id", "created_ms", "expires_ms", "input_json", "response_json"}, {"owner", "id"},
                 UpsertMode::replace);
  static const std::string mysql =
      upsert_sql(Dialect::mysql, "stored_responses",
                 {"owner", "id", "created_ms", "expires_ms", "input_json", "response_json"}, {"owner", "id"},
                 UpsertMode::replace);
  const SqlValue p[] = {s.owner, s.id, s.created_ms, s.expires_ms, s.input_json, s.response_json};
  return write<Done>([&](SqlConnection& conn) -> Result<Done> {
    auto r = conn.exec(dialect_ == Dialect::mysql ? mysql : sqlite_pg, p);
    if (!r) return r.error();
    return Done{};
  });
}

Result<std::optional<StoredResponse>> SqlStore::find_response(std::string_view owner, std::string_view id,
                                                              UnixMs now) {
  const SqlValue p[] = {std::string(owner), std::string(id), now};
  return read<std::optional<StoredResponse>>([&](SqlConnection& conn) -> Result<std::optional<StoredResponse>> {
    std::optional<StoredResponse> out;
    auto r = conn.query(
        "SELECT owner, id, created_ms, expires_ms, input_json, response_json FROM stored_responses "
        "WHERE owner = ? AND id = ? AND expires_ms > ?",
        p, [&](const SqlRow& row) {
          out = StoredResponse{row.text(0),    row.text(1), row.integer(2), row.integer(3),
                               row.text(4), row.text(5)};
          return false;
        });
    if (!r) return r.error();
    return out;
  });
}

// An expired row is left to prune_responses: to the caller it is gone already.
Result<Done> SqlStore::delete_response(std::string_view owner, std::string_view id, UnixMs now) {
  const SqlValue p[] = {std::string(owner), std::string(id), now};
  return write<Done>([&](SqlConnection& conn) {
    return expect_one_row(conn.exec("DELETE FROM stored_responses WHERE owner = ? AND id = ? AND expires_ms > ?", p),
                          "response");
  });
}

Result<std::int64_t> SqlStore::prune_expired_responses(UnixMs now) {
  const SqlValue p[] = {now};
  return write<std::int64_t>(
      [&](SqlConnection& conn) { return conn.exec("DELETE FROM stored_responses WHERE expires_ms <= ?", p); });
}

// Per owner, so that one namespace's traffic never evicts another's
// conversations; indexed by (owner, created_ms).
Result<std::int64_t> SqlStore::keep_newest_responses(std::string_view owner, std::size_t keep) {
  return transaction<std::int64_t>([&](SqlConnection& conn) -> Result<std::int64_t> {
    std::optional<std::int64_t> edge;
    const SqlValue who[] = {std::string(owner)};
    auto r = conn.query(
        fmt::format("SELECT created_ms FROM stored_responses WHERE owner = ? ORDER BY created_ms DESC LIMIT 1 OFFSET {}",
                    keep),
        who, [&](const SqlRow& row) {
          edge = row.integer(0);
          return false;
        });
    if (!r) return r.error();
    if (!edge) return std::int64_t{0};
    const SqlValue p[] = {std::string(owner), *edge};
    return conn.exec("DELETE FROM stored_responses WHERE owner = ? AND created_ms <= ?", p);
  });
}

}  // namespace aisbf::store

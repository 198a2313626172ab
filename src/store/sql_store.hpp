// SqlStore: the Store over a SqlConnector. Internal to store/; the rest of
// aisbf sees only make_sql_store() and open_store().
//
// Connections live in a mutex-guarded free list: a call takes one (or opens
// one when none is free) and gives it back afterwards, unless it is no
// longer healthy(). Reads get one retry on a fresh connection after
// `unavailable` (a restarted server leaves every pooled connection dead).
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "store/response_store.hpp"
#include "store/sql_driver.hpp"

namespace aisbf::store {

class ConnectionPool {
 public:
  explicit ConnectionPool(SqlConnector connector) : connector_(std::move(connector)) {}

  // A borrowed connection; back to the pool on destruction when healthy.
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<SqlConnection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = default;
    ~Lease();
    SqlConnection& operator*() const { return *conn_; }
    SqlConnection* operator->() const { return conn_.get(); }
    void discard() { conn_.reset(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<SqlConnection> conn_;
  };

  Result<Lease> take();
  Result<Lease> open_fresh();  // drops every idle connection first
  std::size_t idle_count();

 private:
  void give_back(std::unique_ptr<SqlConnection> conn);

  SqlConnector connector_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<SqlConnection>> idle_;
};

class SqlStore final : public Store, public ResponseStore {
 public:
  SqlStore(Dialect dialect, SqlConnector connector) : dialect_(dialect), pool_(std::move(connector)) {}

  std::string_view backend() const override;
  Result<int> migrate() override;
  Result<int> schema_version() override;

  Result<Done> create_user(const User& user) override;
  Result<std::optional<User>> find_user(std::string_view username) override;
  Result<std::vector<User>> list_users() override;
  Result<Done> update_user(const User& user) override;
  Result<Done> delete_user(std::string_view username) override;
  Result<std::int64_t> count_active_admins() override;

  Result<Done> create_token(const ApiToken& token) override;
  Result<std::optional<ApiToken>> find_token_by_hash(std::string_view token_hash) override;
  Result<std::vector<ApiToken>> list_tokens(std::string_view username) override;
  Result<std::vector<ApiToken>> list_all_tokens() override;
  Result<Done> delete_token(std::string_view username, std::string_view id) override;
  Result<Done> touch_tokens(std::span<const std::pair<std::string, UnixMs>> last_used) override;

  Result<Done> create_session(const Session& session) override;
  Result<std::optional<Session>> find_session(std::string_view id_hash) override;
  Result<Done> delete_session(std::string_view id_hash) override;
  Result<std::int64_t> delete_expired_sessions(UnixMs now) override;
  Result<std::int64_t> delete_user_sessions(std::string_view username, std::string_view except_id_hash) override;
  Result<Done> open_session(const Session& session, std::string_view checked_hash, std::string_view rehash) override;
  Result<Done> change_password(std::string_view username, std::string_view checked_hash, std::string_view new_hash,
                               std::string_view keep_session) override;

  Result<Done> put_doc(const ConfigDoc& doc) override;
  Result<std::optional<ConfigDoc>> get_doc(std::string_view username, DocKind kind, std::string_view id) override;
  Result<std::vector<ConfigDoc>> list_docs(std::string_view username) override;
  Result<Done> delete_doc(std::string_view username, DocKind kind, std::string_view id) override;

  Result<Done> insert_usage(std::span<const UsageRecord> records) override;
  Result<UsageReport> query_usage(const UsageQuery& query) override;
  Result<std::int64_t> export_usage(const UsageQuery& query,
                                    const std::function<bool(const UsageRecord&)>& row) override;
  Result<std::int64_t> prune_usage(UnixMs before_ms) override;

  Result<std::vector<StoredVector>> find_vectors(std::string_view model_sha256,
                                                 std::span<const std::string> text_sha256s) override;
  Result<Done> put_vectors(std::span<const StoredVector> vectors, std::size_t keep) override;

  Result<Done> put_response(const StoredResponse& response) override;
  Result<std::optional<StoredResponse>> find_response(std::string_view owner, std::string_view id,
                                                      UnixMs now) override;
  Result<Done> delete_response(std::string_view owner, std::string_view id, UnixMs now) override;
  Result<std::int64_t> prune_expired_responses(UnixMs now) override;
  Result<std::int64_t> keep_newest_responses(std::string_view owner, std::size_t keep) override;

  Result<std::optional<std::string>> get_meta(std::string_view key) override;
  Result<Done> put_meta(std::string_view key, std::string_view value) override;

 private:
  // fn(SqlConnection&) -> Result<T>. A read: retried once on a fresh
  // connection after `unavailable`.
  template <class T, class Fn>
  Result<T> read(Fn&& fn) {
    auto lease = pool_.take();
    if (!lease) return lease.error();
    Result<T> result = fn(*lease.value());
    if (result.ok() || result.error().kind != StoreError::Kind::unavailable) return result;
    lease.value().discard();
    auto fresh = pool_.open_fresh();
    if (!fresh) return result;
    return fn(*fresh.value());
  }

  // A write: no retry (a lost COMMIT may have applied).
  template <class T, class Fn>
  Result<T> write(Fn&& fn) {
    auto lease = pool_.take();
    if (!lease) return lease.error();
    return fn(*lease.value());
  }

  // A write in one transaction: committed when fn succeeds, else rolled back.
  template <class T, class Fn>
  Result<T> transaction(Fn&& fn) {
    return write<T>([&](SqlConnection& conn) -> Result<T> {
      if (auto r = conn.begin(); !r) return r.error();
      Result<T> result = fn(conn);
      if (!result) {
        conn.rollback();
        return result;
      }
      if (auto r = conn.commit(); !r) {
        conn.rollback();
        return r.error();
      }
      return result;
    });
  }

  Dialect dialect_;
  ConnectionPool pool_;
};

// Helpers shared by the sql_store_*.cpp files.
std::int64_t flag(bool b);
Result<Done> expect_one_row(Result<std::int64_t> changed, std::string_view what);
// Deletes all but the newest `keep` rows of `table` by `time_column` (rows
// of the same time tie at the edge: the cut may take a few more, never
// fewer); the count deleted. The caches' bound (vectors, stored responses).
Result<std::int64_t> keep_newest(SqlConnection& conn, std::string_view table, std::string_view time_column,
                                 std::size_t keep);

}  // namespace aisbf::store

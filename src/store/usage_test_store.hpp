// A Store for the usage recorder's unit tests: usage rows in memory, every
// other method refused. Batches can be made to fail or to wait.
#pragma once

#include <condition_variable>
#include <mutex>
#include <vector>

#include "store/store.hpp"

namespace aisbf::store::testing {

class UsageTestStore final : public Store {
 public:
  std::vector<UsageRecord> rows() const {
    std::lock_guard lock(mutex_);
    return rows_;
  }
  std::vector<std::size_t> batch_sizes() const {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  int calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::vector<UnixMs> prunes() const {
    std::lock_guard lock(mutex_);
    return prunes_;
  }
  void fail_next(int n) {
    std::lock_guard lock(mutex_);
    fail_next_ = n;
  }
  // While held, insert_usage waits (the queue fills up behind it).
  void hold(bool on) {
    {
      std::lock_guard lock(mutex_);
      held_ = on;
    }
    released_.notify_all();
  }

  std::string_view backend() const override { return "test"; }
  Result<Done> insert_usage(std::span<const UsageRecord> records) override {
    std::unique_lock lock(mutex_);
    released_.wait(lock, [&] { return !held_; });
    ++calls_;
    if (fail_next_ > 0) {
      --fail_next_;
      return StoreError{StoreError::Kind::unavailable, "test: down"};
    }
    rows_.insert(rows_.end(), records.begin(), records.end());
    batches_.push_back(records.size());
    return Done{};
  }
  Result<std::int64_t> prune_usage(UnixMs before_ms) override {
    std::lock_guard lock(mutex_);
    prunes_.push_back(before_ms);
    return std::int64_t{0};
  }

  Result<int> migrate() override { return refused(); }
  Result<int> schema_version() override { return refused(); }
  Result<Done> create_user(const User&) override { return refused(); }
  Result<std::optional<User>> find_user(std::string_view) override { return refused(); }
  Result<std::vector<User>> list_users() override { return refused(); }
  Result<Done> update_user(const User&) override { return refused(); }
  Result<Done> delete_user(std::string_view) override { return refused(); }
  Result<std::int64_t> count_active_admins() override { return refused(); }
  Result<Done> create_token(const ApiToken&) override { return refused(); }
  Result<std::optional<ApiToken>> find_token_by_hash(std::string_view) override { return refused(); }
  Result<std::vector<ApiToken>> list_tokens(std::string_view) override { return refused(); }
  Result<std::vector<ApiToken>> list_all_tokens() override { return refused(); }
  Result<Done> delete_token(std::string_view, std::string_view) override { return refused(); }
  Result<Done> touch_tokens(std::span<const std::pair<std::string, UnixMs>>) override { return refused(); }
  Result<Done> create_session(const Session&) override { return refused(); }
  Result<std::optional<Session>> find_session(std::string_view) override { return refused(); }
  Result<Done> delete_session(std::string_view) override { return refused(); }
  Result<std::int64_t> delete_expired_sessions(UnixMs) override { return refused(); }
  Result<Done> put_doc(const ConfigDoc&) override { return refused(); }
  Result<std::optional<ConfigDoc>> get_doc(std::string_view, DocKind, std::string_view) override { return refused(); }
  Result<std::vector<ConfigDoc>> list_docs(std::string_view) override { return refused(); }
  Result<Done> delete_doc(std::string_view, DocKind, std::string_view) override { return refused(); }
  Result<UsageReport> query_usage(const UsageQuery&) override { return refused(); }
  Result<std::int64_t> export_usage(const UsageQuery&, const std::function<bool(const UsageRecord&)>&) override {
    return refused();
  }
  Result<std::optional<std::string>> get_meta(std::string_view) override { return refused(); }
  Result<Done> put_meta(std::string_view, std::string_view) override { return refused(); }

 private:
  static StoreError refused() { return {StoreError::Kind::internal, "test store: not implemented"}; }

  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::vector<UsageRecord> rows_;
  std::vector<std::size_t> batches_;
  std::vector<UnixMs> prunes_;
  int calls_ = 0;
  int fail_next_ = 0;
  bool held_ = false;
};

}  // namespace aisbf::store::testing

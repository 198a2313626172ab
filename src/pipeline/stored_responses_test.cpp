// StoredResponses on a real io_context and DbPool over a fake ResponseStore
// whose writes can be held or made to throw: an announced response is found
// before its write; a DELETE before the write means it is never written, a
// DELETE during it deletes what it wrote; an exception in the write job is
// caught (the process goes on) and the response is then simply not found;
// a withdrawn one is gone; one too large for the row bound is never seen.
#include "pipeline/stored_responses.hpp"

#include <condition_variable>
#include <map>
#include <mutex>
#include <new>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace aisbf {
namespace {

namespace asio = boost::asio;
using store::Done;
using store::Result;
using store::StoredResponse;
using store::UnixMs;

class FakeResponses final : public store::ResponseStore {
 public:
  Result<Done> put_response(const StoredResponse& row) override {
    std::unique_lock lock(mutex_);
    ++puts_started_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return !hold_; });
    if (throw_) throw std::runtime_error("parse failure");
    rows_[{row.owner, row.id}] = row;
    return Done{};
  }
  Result<std::optional<StoredResponse>> find_response(std::string_view owner, std::string_view id, UnixMs) override {
    std::lock_guard lock(mutex_);
    auto it = rows_.find({std::string(owner), std::string(id)});
    if (it == rows_.end()) return std::optional<StoredResponse>();
    return std::optional<StoredResponse>(it->second);
  }
  Result<Done> delete_response(std::string_view owner, std::string_view id, UnixMs) override {
    std::lock_guard lock(mutex_);
    if (rows_.erase({std::string(owner), std::string(id)}) == 0)
      return store::StoreError{store::StoreError::Kind::not_found, "no such response"};
    return Done{};
  }
  Result<std::int64_t> prune_expired_responses(UnixMs) override { return std::int64_t{0}; }
  Result<std::int64_t> keep_newest_responses(std::string_view, std::size_t) override { return std::int64_t{0}; }

  void hold(bool on) {
    std::lock_guard lock(mutex_);
    hold_ = on;
    changed_.notify_all();
  }
  void fail_writes() { throw_ = true; }
  void wait_for_put() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return puts_started_ > 0; });
  }
  bool has(const std::string& id) {
    std::lock_guard lock(mutex_);
    return rows_.count({"", id}) > 0;
  }
  std::string input_of(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = rows_.find({"", id});
    return it == rows_.end() ? std::string() : it->second.input_json;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool hold_ = false;
  bool throw_ = false;
  int puts_started_ = 0;
  std::map<std::pair<std::string, std::string>, StoredResponse> rows_;
};

const std::string kBody = R"({"model":"m","input":"hello"})";
const CapturedResponse kResponse{"resp_1", R"({"id":"resp_1","object":"response","status":"completed","output":[]})"};
const ResponsesStoreConfig kSettings;

template <class T>
T await_on(asio::awaitable<T> work) {
  asio::io_context io;
  std::optional<T> out;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(work)); }, asio::detached);
  io.run();
  return std::move(*out);
}

std::optional<StoredResponse> find(StoredResponses& stored, const std::string& id) {
  auto found = await_on(stored.find("", id));
  EXPECT_TRUE(found.has_value());
  return found ? *found : std::nullopt;
}

bool remove(StoredResponses& stored, const std::string& id) {
  auto removed = await_on(stored.remove("", id));
  EXPECT_TRUE(removed.has_value());
  return removed && *removed;
}

// Two DB threads: a held write on one, reads and deletes on the other.
class StoredResponsesTest : public ::testing::Test {
 protected:
  FakeResponses fake;
  DbPool db{2};
  StoredResponses stored{fake, db};
};

TEST_F(StoredResponsesTest, AnAnnouncedResponseIsFoundBeforeItsWrite) {
  fake.hold(true);
  auto pending = stored.announce("", kBody, kResponse, kSettings, kMaxStoredResponseBytes);
  ASSERT_NE(pending, nullptr);
  auto found = find(stored, "resp_1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->response_json, kResponse.json);
  EXPECT_NE(found->input_json.find(R"("text":"hello")"), std::string::npos);
  EXPECT_NE(found->input_json.find(R"("id":"msg_)"), std::string::npos);
  const std::string input = found->input_json;
  stored.settle(std::move(pending), true);
  fake.wait_for_put();
  // While written, the same items (the same generated ids) are served.
  EXPECT_EQ(find(stored, "resp_1")->input_json, input);
  fake.hold(false);
  db.join();
  EXPECT_EQ(fake.input_of("resp_1"), input);  // the table holds what was served
}

// The event loop only walked the answer's top level for its id: an answer
// that is not valid JSON is found by nobody and never written.
TEST_F(StoredResponsesTest, AnAnswerThatIsNotJsonIsNeitherServedNorWritten) {
  const CapturedResponse broken{"resp_1", R"({"id":"resp_1","object":"response","status":"completed","x":tru})"};
  auto pending = stored.announce("", kBody, broken, kSettings, kMaxStoredResponseBytes);
  ASSERT_NE(pending, nullptr);
  EXPECT_FALSE(find(stored, "resp_1").has_value());
  stored.settle(std::move(pending), true);
  db.join();
  EXPECT_FALSE(fake.has("resp_1"));
}

TEST_F(StoredResponsesTest, ADeleteBeforeTheWriteMeansItIsNeverWritten) {
  auto pending = stored.announce("", kBody, kResponse, kSettings, kMaxStoredResponseBytes);
  EXPECT_TRUE(remove(stored, "resp_1"));
  EXPECT_FALSE(find(stored, "resp_1").has_value());
  EXPECT_FALSE(remove(stored, "resp_1"));
  stored.settle(std::move(pending), true);
  db.join();
  EXPECT_FALSE(fake.has("resp_1"));
}

TEST_F(StoredResponsesTest, ADeleteDuringTheWriteDeletesWhatItWrote) {
  fake.hold(true);
  stored.settle(stored.announce("", kBody, kResponse, kSettings, kMaxStoredResponseBytes), true);
  fake.wait_for_put();  // the writer has read the entry and is writing
  EXPECT_TRUE(remove(stored, "resp_1"));
  EXPECT_FALSE(find(stored, "resp_1").has_value());
  fake.hold(false);
  db.join();
  EXPECT_FALSE(fake.has("resp_1"));
}

TEST_F(StoredResponsesTest, AnExceptionInTheWriteIsCaughtAndTheResponseIsNotKept) {
  fake.fail_writes();
  stored.settle(stored.announce("", kBody, kResponse, kSettings, kMaxStoredResponseBytes), true);
  db.join();  // the process is still here
  EXPECT_FALSE(fake.has("resp_1"));
}

TEST_F(StoredResponsesTest, AWithdrawnOrOversizedResponseIsNotFound) {
  auto pending = stored.announce("", kBody, kResponse, kSettings, kMaxStoredResponseBytes);
  ASSERT_TRUE(find(stored, "resp_1").has_value());
  stored.settle(std::move(pending), false);  // the client never got it whole
  EXPECT_FALSE(find(stored, "resp_1").has_value());
  // Request and response together past the row bound: never announced.
  EXPECT_EQ(stored.announce("", kBody, kResponse, kSettings, kBody.size() + kResponse.json.size() - 1), nullptr);
  EXPECT_FALSE(find(stored, "resp_1").has_value());
  EXPECT_EQ(max_stored_row_bytes(1024), 1024u);
  EXPECT_EQ(max_stored_row_bytes(std::size_t{1} << 40), kMaxStoredResponseBytes);
  db.join();
  EXPECT_FALSE(fake.has("resp_1"));
}

TEST_F(StoredResponsesTest, ExpansionIsBoundedAcrossContinuations) {
  {
    auto a = stored.reserve_expansion(kMaxExpandingBytes - 10);
    ASSERT_TRUE(a.has_value());
    EXPECT_FALSE(stored.reserve_expansion(11).has_value());
    EXPECT_TRUE(stored.reserve_expansion(10).has_value());
  }
  EXPECT_TRUE(stored.reserve_expansion(kMaxExpandingBytes).has_value());  // all released
}

}  // namespace
}  // namespace aisbf

// The Store's stored responses (schema version 6), on every backend: found
// by (owner, id) only, never once expired, replaced in place, deleted once,
// pruned by expiry and per owner by age; deleting a user deletes its rows.
// Part of StoreConformance (instantiated in store_conformance_test.cpp).
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/response_store.hpp"
#include "store/store_test_util.hpp"

namespace aisbf::store::testing {
namespace {

StoredResponse stored(std::string owner, std::string id, UnixMs created, UnixMs expires, std::string text = "hi") {
  return StoredResponse{std::move(owner), std::move(id), created, expires,
                        fmt::format(R"([{{"id":"msg_1","type":"message","role":"user","content":"{}"}}])", text),
                        R"({"id":"x","object":"response","output":[]})"};
}

ResponseStore& responses(Store& store) {
  ResponseStore* out = response_store_of(store);
  EXPECT_NE(out, nullptr);
  return *out;
}

std::optional<StoredResponse> find(Store& store, std::string_view owner, std::string_view id, UnixMs now) {
  auto r = responses(store).find_response(owner, id, now);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? r.value() : std::nullopt;
}

TEST_P(StoreConformance, ResponsesAreKeyedByOwnerAndId) {
  ASSERT_TRUE(responses(*store_).put_response(stored("", "resp_1", 10, 1000, "global")).ok());
  ASSERT_TRUE(responses(*store_).put_response(stored("alice", "resp_1", 11, 1000, "alice's")).ok());
  auto global = find(*store_, "", "resp_1", 100);
  ASSERT_TRUE(global.has_value());
  EXPECT_EQ(global->owner, "");
  EXPECT_EQ(global->created_ms, 10);
  EXPECT_EQ(global->expires_ms, 1000);
  EXPECT_NE(global->input_json.find("global"), std::string::npos);
  EXPECT_EQ(global->response_json, R"({"id":"x","object":"response","output":[]})");
  auto alice = find(*store_, "alice", "resp_1", 100);
  ASSERT_TRUE(alice.has_value());
  EXPECT_NE(alice->input_json.find("alice's"), std::string::npos);
  EXPECT_FALSE(find(*store_, "bob", "resp_1", 100).has_value());
  EXPECT_FALSE(find(*store_, "", "resp_2", 100).has_value());
}

TEST_P(StoreConformance, AnExpiredResponseIsNeverFound) {
  ASSERT_TRUE(responses(*store_).put_response(stored("", "resp_1", 10, 500)).ok());
  EXPECT_TRUE(find(*store_, "", "resp_1", 499).has_value());
  EXPECT_FALSE(find(*store_, "", "resp_1", 500).has_value());
  auto gone = responses(*store_).delete_response("", "resp_1", 500);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().kind, StoreError::Kind::not_found);
}

TEST_P(StoreConformance, AResponseIsReplacedInPlaceAndDeletedOnce) {
  ASSERT_TRUE(responses(*store_).put_response(stored("", "resp_1", 10, 1000, "first")).ok());
  ASSERT_TRUE(responses(*store_).put_response(stored("", "resp_1", 20, 2000, "second")).ok());
  auto got = find(*store_, "", "resp_1", 100);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->created_ms, 20);
  EXPECT_NE(got->input_json.find("second"), std::string::npos);
  // Another owner cannot delete it.
  auto other = responses(*store_).delete_response("alice", "resp_1", 100);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().kind, StoreError::Kind::not_found);
  ASSERT_TRUE(responses(*store_).delete_response("", "resp_1", 100).ok());
  EXPECT_FALSE(find(*store_, "", "resp_1", 100).has_value());
  auto again = responses(*store_).delete_response("", "resp_1", 100);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, StoreError::Kind::not_found);
}

TEST_P(StoreConformance, ExpiredResponsesArePrunedForEveryOwner) {
  // Rows created at 100…105 of two owners; two expire at 300, the rest at 1000.
  for (int i = 0; i < 6; ++i) {
    const UnixMs expires = i < 2 ? 300 : 1000;
    const std::string owner = i % 2 == 0 ? "" : "alice";
    ASSERT_TRUE(responses(*store_).put_response(stored(owner, fmt::format("resp_{}", i), 100 + i, expires)).ok());
  }
  auto pruned = responses(*store_).prune_expired_responses(300);
  ASSERT_TRUE(pruned.ok()) << pruned.error().message;
  EXPECT_EQ(pruned.value(), 2);
  EXPECT_FALSE(find(*store_, "", "resp_0", 200).has_value());
  EXPECT_FALSE(find(*store_, "alice", "resp_1", 200).has_value());
  EXPECT_TRUE(find(*store_, "", "resp_2", 200).has_value());
}

TEST_P(StoreConformance, EachOwnerKeepsItsNewestResponses) {
  // Alice writes many; bob one, older than all of hers: her bound never evicts his.
  ASSERT_TRUE(responses(*store_).put_response(stored("bob", "resp_b", 50, 1000)).ok());
  for (int i = 0; i < 6; ++i)
    ASSERT_TRUE(responses(*store_).put_response(stored("alice", fmt::format("resp_{}", i), 100 + i, 1000)).ok());
  auto pruned = responses(*store_).keep_newest_responses("alice", 3);
  ASSERT_TRUE(pruned.ok()) << pruned.error().message;
  EXPECT_EQ(pruned.value(), 3);
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(find(*store_, "alice", fmt::format("resp_{}", i), 300).has_value(), i >= 3) << i;
  EXPECT_TRUE(find(*store_, "bob", "resp_b", 300).has_value());
  pruned = responses(*store_).keep_newest_responses("bob", 1);
  ASSERT_TRUE(pruned.ok()) << pruned.error().message;
  EXPECT_EQ(pruned.value(), 0);
}

TEST_P(StoreConformance, DeletingAUserDeletesItsResponses) {
  ASSERT_TRUE(store_->create_user(make_user("alice")).ok());
  ASSERT_TRUE(responses(*store_).put_response(stored("alice", "resp_1", 10, 1000)).ok());
  ASSERT_TRUE(responses(*store_).put_response(stored("", "resp_1", 10, 1000)).ok());
  ASSERT_TRUE(store_->delete_user("alice").ok());
  EXPECT_FALSE(find(*store_, "alice", "resp_1", 100).has_value());
  EXPECT_TRUE(find(*store_, "", "resp_1", 100).has_value());
}

TEST_P(StoreConformance, ALargeResponseRoundTrips) {
  // A few MiB of text with quotes, backslashes and multi-byte characters.
  std::string big;
  while (big.size() < 3 * 1024 * 1024) big += "\\\"é€𝄞 line\\n";
  StoredResponse row = stored("alice", "resp_big", 1, 1000);
  row.response_json = fmt::format(R"({{"id":"resp_big","text":"{}"}})", big);
  ASSERT_TRUE(responses(*store_).put_response(row).ok());
  auto got = find(*store_, "alice", "resp_big", 2);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->response_json, row.response_json);
}

}  // namespace
}  // namespace aisbf::store::testing

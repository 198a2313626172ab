// The Store's description vectors (schema version 5), on every backend:
// they come back bit for bit, keyed by (model, text), replaced in place,
// and pruned to the newest rows. Part of StoreConformance (instantiated in
// store_conformance_test.cpp).
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/store_test_util.hpp"

namespace aisbf::store::testing {
namespace {

std::string hex_key(char c) { return std::string(64, c); }

StoredVector vector_of(char model, char text, std::vector<float> values, UnixMs at) {
  return StoredVector{hex_key(model), hex_key(text), std::move(values), at};
}

std::vector<StoredVector> found(Store& store, char model, std::vector<std::string> texts) {
  auto r = store.find_vectors(hex_key(model), texts);
  EXPECT_TRUE(r.ok()) << r.error().message;
  if (!r.ok()) return {};
  auto out = std::move(r.value());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.text_sha256 < b.text_sha256; });
  return out;
}

TEST_P(StoreConformance, VectorsRoundTripExactly) {
  // Values whose bytes hold NULs and every sign and size of float.
  const std::vector<float> odd = {0.0f, -0.0f, 1.0f, -1.5e-38f, 3.4e38f, std::numeric_limits<float>::denorm_min(),
                                  0.1f, -0.70710677f};
  std::vector<float> wide(3072);
  for (std::size_t i = 0; i < wide.size(); ++i) wide[i] = std::sin(static_cast<float>(i)) / 55.0f;
  const StoredVector rows[] = {vector_of('a', '1', odd, 10), vector_of('a', '2', wide, 11),
                               vector_of('b', '1', {2.0f}, 12), vector_of('a', '3', {}, 13)};
  ASSERT_TRUE(store_->put_vectors(rows, 100).ok());

  auto got = found(*store_, 'a', {hex_key('1'), hex_key('2'), hex_key('3'), hex_key('9')});
  ASSERT_EQ(got.size(), 3u);  // '9' was never stored
  EXPECT_EQ(got[0].text_sha256, hex_key('1'));
  ASSERT_EQ(got[0].values.size(), odd.size());
  for (std::size_t i = 0; i < odd.size(); ++i) {
    EXPECT_EQ(std::bit_cast<std::uint32_t>(got[0].values[i]), std::bit_cast<std::uint32_t>(odd[i])) << i;
  }
  EXPECT_EQ(got[0].model_sha256, hex_key('a'));
  EXPECT_EQ(got[0].created_ms, 10);
  EXPECT_EQ(got[1].values, wide);
  EXPECT_TRUE(got[2].values.empty());
  // The model is part of the key: b's vector of the same text is its own.
  auto other = found(*store_, 'b', {hex_key('1')});
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].values, std::vector<float>{2.0f});
  EXPECT_TRUE(found(*store_, 'c', {hex_key('1')}).empty());
  EXPECT_TRUE(found(*store_, 'a', {}).empty());
}

TEST_P(StoreConformance, VectorsAreReplacedInPlace) {
  const StoredVector first[] = {vector_of('a', '1', {1.0f, 2.0f}, 10)};
  ASSERT_TRUE(store_->put_vectors(first, 100).ok());
  const StoredVector again[] = {vector_of('a', '1', {3.0f}, 20)};
  ASSERT_TRUE(store_->put_vectors(again, 100).ok());
  auto got = found(*store_, 'a', {hex_key('1')});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].values, std::vector<float>{3.0f});
  EXPECT_EQ(got[0].created_ms, 20);
}

TEST_P(StoreConformance, VectorsKeepTheNewestRows) {
  for (int i = 0; i < 6; ++i) {
    const StoredVector one[] = {vector_of('a', static_cast<char>('0' + i), {static_cast<float>(i)}, 100 + i)};
    ASSERT_TRUE(store_->put_vectors(one, 4).ok());
  }
  auto got = found(*store_, 'a', {hex_key('0'), hex_key('1'), hex_key('2'), hex_key('3'), hex_key('4'), hex_key('5')});
  std::vector<std::string> kept;
  for (const auto& v : got) kept.push_back(v.text_sha256);
  EXPECT_EQ(kept, (std::vector<std::string>{hex_key('2'), hex_key('3'), hex_key('4'), hex_key('5')}));
}

TEST_P(StoreConformance, VectorsFindManyKeysAtOnce) {
  // More keys than one SELECT takes: the store splits them.
  std::vector<StoredVector> rows;
  std::vector<std::string> keys;
  for (int i = 0; i < 250; ++i) {
    std::string text = fmt::format("{:064x}", i);
    keys.push_back(text);
    if (i % 2 == 0) rows.push_back(StoredVector{hex_key('a'), text, {static_cast<float>(i)}, 1});
  }
  ASSERT_TRUE(store_->put_vectors(rows, 1000).ok());
  auto got = store_->find_vectors(hex_key('a'), keys);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got.value().size(), 125u);
}

TEST_P(StoreConformance, AVectorThatDoesNotDecodeIsLeftOut) {
  auto conn = db_.connector();
  ASSERT_TRUE(conn.ok());
  const SqlValue bad[] = {hex_key('a'), hex_key('1'), std::int64_t{4}, std::string("AAAA"), std::int64_t{1}};
  ASSERT_TRUE(conn.value()
                  ->exec("INSERT INTO description_vectors (model_sha256, text_sha256, dims, vector_base64, created_ms) "
                         "VALUES (?, ?, ?, ?, ?)",
                         bad)
                  .ok());
  const StoredVector good[] = {vector_of('a', '2', {1.0f}, 2)};
  ASSERT_TRUE(store_->put_vectors(good, 100).ok());
  auto got = found(*store_, 'a', {hex_key('1'), hex_key('2')});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].text_sha256, hex_key('2'));
}

}  // namespace
}  // namespace aisbf::store::testing

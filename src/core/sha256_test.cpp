#include "core/sha256.hpp"

#include <gtest/gtest.h>

namespace aisbf {
namespace {

// FIPS 180-2's examples.
TEST(Sha256, KnownDigests) {
  Sha256 empty;
  EXPECT_EQ(empty.hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 abc;
  abc.update("a");
  abc.update("bc");
  EXPECT_EQ(abc.hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, SameAsLibsodiumOverManyPieces) {
  std::string text;
  Sha256 ours;
  for (int i = 0; i < 1000; ++i) {
    const std::string piece = std::to_string(i * 7919) + ",";
    ours.update(piece);
    text += piece;
  }
  std::array<unsigned char, 32> theirs{};
  crypto_hash_sha256(theirs.data(), reinterpret_cast<const unsigned char*>(text.data()), text.size());
  EXPECT_EQ(ours.digest(), theirs);
}

TEST(Sha256, OneShotMatchesTheHasherAndIsReusable) {
  EXPECT_EQ(Sha256::hex_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256::hex_of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // The thread's context is reset between calls: no state carries over.
  EXPECT_EQ(Sha256::hex_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string long_text(100000, 'x');
  Sha256 pieces;
  pieces.update(std::string_view(long_text).substr(0, 777));
  pieces.update(std::string_view(long_text).substr(777));
  EXPECT_EQ(Sha256::hex_of(long_text), pieces.hex());
}

}  // namespace
}  // namespace aisbf

// Parity with the npm `tiktoken` package: tests/fixtures/tokenizer/parity.json
// holds its ids for a fixed corpus (tools/tokenizer-data/make_fixture.mjs).
#include "context/tokenizer.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace aisbf::context {
namespace {

namespace json = boost::json;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

std::string base64_decode(std::string_view in) {
  std::string out(in.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(), in.size(), nullptr, &len,
                        nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    ADD_FAILURE() << "bad base64 in fixture";
  }
  out.resize(len);
  return out;
}

std::string input_of(const json::object& c) {
  if (auto* b64 = c.if_contains("input_base64")) return base64_decode(b64->as_string());
  const auto& run = c.at("repeat").as_object();
  std::string unit(run.at("unit").as_string()), out;
  for (std::int64_t i = 0; i < run.at("times").as_int64(); ++i) out += unit;
  return out + std::string(run.at("suffix").as_string());
}

std::string ids_sha256(const std::vector<TokenId>& ids) {
  std::string joined;
  for (std::size_t i = 0; i < ids.size(); ++i) joined += (i ? "," : "") + std::to_string(ids[i]);
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(joined.data()), joined.size());
  char hex[sizeof digest * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

void expect_ids(const json::object& want, const std::vector<TokenId>& got, const std::string& label) {
  ASSERT_EQ(static_cast<std::size_t>(want.at("count").as_int64()), got.size()) << label;
  if (auto* sha = want.if_contains("sha256")) {
    EXPECT_EQ(std::string(sha->as_string()), ids_sha256(got)) << label;
    return;
  }
  std::vector<TokenId> expected;
  for (const auto& id : want.at("ids").as_array()) expected.push_back(static_cast<TokenId>(id.as_int64()));
  EXPECT_EQ(expected, got) << label;
}

const Tokenizer& tokenizer(Encoding encoding) {
  auto loaded = tokenizer_for(encoding);
  if (!loaded) throw std::runtime_error(loaded.error().message);
  return **loaded;
}

TEST(Tokenizer, MatchesTiktokenOnTheParityCorpus) {
  auto fixture =
      json::parse(read_file(std::filesystem::path(AISBF_SOURCE_DIR) / "tests/fixtures/tokenizer/parity.json"));
  const auto& cases = fixture.at("cases").as_array();
  ASSERT_EQ(cases.size(), 62u);
  for (const auto& value : cases) {
    const auto& c = value.as_object();
    auto encoding = encoding_from_name(c.at("encoding").as_string());
    ASSERT_TRUE(encoding.has_value());
    const auto& tok = tokenizer(*encoding);
    std::string input = input_of(c);
    std::string label = std::string(c.at("encoding").as_string()) + "/" + std::string(c.at("name").as_string());
    expect_ids(c.at("ordinary").as_object(), tok.encode(input), label + " ordinary");
    expect_ids(c.at("all_special").as_object(), tok.encode(input, Specials::recognised), label + " all_special");
    EXPECT_EQ(tok.count(input), static_cast<std::size_t>(c.at("ordinary").at("count").as_int64())) << label;
  }
}

TEST(Tokenizer, SpecialTokensAreRecognisedOnlyWhenAsked) {
  const auto& cl = tokenizer(Encoding::cl100k_base);
  EXPECT_EQ(cl.encode("<|endoftext|>", Specials::recognised), std::vector<TokenId>{100257});
  EXPECT_EQ(cl.encode("<|fim_prefix|><|endofprompt|>", Specials::recognised), (std::vector<TokenId>{100258, 100276}));
  EXPECT_GT(cl.encode("<|endoftext|>").size(), 1u);
  const auto& o2 = tokenizer(Encoding::o200k_base);
  EXPECT_EQ(o2.encode("<|endofprompt|>", Specials::recognised), std::vector<TokenId>{200018});
  // o200k has no fill-in-the-middle tokens: the text is ordinary there.
  EXPECT_EQ(o2.encode("<|fim_prefix|>", Specials::recognised), o2.encode("<|fim_prefix|>"));
}

TEST(Tokenizer, DecodeRestoresTheRepairedText) {
  const auto& tok = tokenizer(Encoding::o200k_base);
  std::string text = "héllo\r\n\t世界 👋🏽 <|endoftext|> 12345";
  EXPECT_EQ(tok.decode(tok.encode(text)), text);
  EXPECT_EQ(tok.decode(tok.encode(text, Specials::recognised)), text);
  EXPECT_EQ(tok.decode(tok.encode("a\xff"
                                  "b")),
            "a\xEF\xBF\xBD"
            "b");
}

TEST(Tokenizer, ConcurrentFirstUseSharesOneTable) {
  std::vector<const Tokenizer*> seen(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&, i] { seen[i] = &tokenizer(Encoding::cl100k_base); });
  }
  for (auto& t : threads) t.join();
  for (const auto* p : seen) EXPECT_EQ(p, seen[0]);
}

TEST(TokenizerLoad, MissingOrAlteredRankFileIsAnErrorNamingThePath) {
  auto dir = std::filesystem::temp_directory_path() / ("aisbf-tok-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto missing = load_tokenizer(Encoding::cl100k_base, dir.string());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find((dir / "cl100k_base.tiktoken").string()), std::string::npos);
  EXPECT_NE(missing.error().message.find("missing"), std::string::npos);
  std::ofstream(dir / "o200k_base.tiktoken") << "IQ== 0\n";
  auto altered = load_tokenizer(Encoding::o200k_base, dir.string());
  ASSERT_FALSE(altered);
  EXPECT_NE(altered.error().message.find("sha256"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(TokenizerLoad, MalformedRankTextIsAnError) {
  EXPECT_FALSE(Tokenizer::from_rank_file(Encoding::cl100k_base, "IQ== zero\n"));
  EXPECT_FALSE(Tokenizer::from_rank_file(Encoding::cl100k_base, "*** 1\n"));
  auto tiny = Tokenizer::from_rank_file(Encoding::cl100k_base, "YQ== 0\nYg== 1\nYWI= 2\n");
  ASSERT_TRUE(tiny);
  EXPECT_EQ((*tiny)->encode("abab"), (std::vector<TokenId>{2, 2}));
}

TEST(TokenizerNames, RoundTrip) {
  for (auto e : {Encoding::cl100k_base, Encoding::o200k_base}) EXPECT_EQ(encoding_from_name(encoding_name(e)), e);
  EXPECT_FALSE(encoding_from_name("p50k_base"));
}

}  // namespace
}  // namespace aisbf::context

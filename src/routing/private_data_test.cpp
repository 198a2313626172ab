#include "routing/private_data.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace aisbf::routing {
namespace {

// "kind:matched text" for every hit, in order.
std::vector<std::string> found(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& h : find_private_data(text)) {
    out.push_back(std::string(private_data_kind_name(h.kind)) + ":" + std::string(text.substr(h.offset, h.length)));
  }
  return out;
}

using Found = std::vector<std::string>;

TEST(PrivateDataTest, FindsEmailAddresses) {
  EXPECT_EQ(found("write to john.smith+tag@mail.example.co.uk."), Found{"email:john.smith+tag@mail.example.co.uk"});
  EXPECT_EQ(found("<a.b@c.io>"), Found{"email:a.b@c.io"});
  EXPECT_EQ(found("Contact:..x@ex-ample.org"), Found{"email:x@ex-ample.org"});
}

TEST(PrivateDataTest, LeavesWhatOnlyLooksLikeAnAddress) {
  EXPECT_EQ(found("@mention and user@localhost and a@b.c and pkg@1.2.3 and x@-a.com"), Found{});
  EXPECT_EQ(found("decorator @property and git@ ssh"), Found{});
}

TEST(PrivateDataTest, FindsPhoneNumbers) {
  EXPECT_EQ(found("call +39 06 1234 5678 now"), Found{"phone:+39 06 1234 5678"});
  EXPECT_EQ(found("+1 (555) 234-5678"), Found{"phone:+1 (555) 234-5678"});
  EXPECT_EQ(found("tel +447700900123;"), Found{"phone:+447700900123"});
  EXPECT_EQ(found("NANP 555-234-5678 or 555.234.5678"), (Found{"phone:555-234-5678", "phone:555.234.5678"}));
  EXPECT_EQ(found("(555) 234-5678"), Found{"phone:(555) 234-5678"});
  EXPECT_EQ(found("UK 020 7946 0958, FR 06 12 34 56 78, NL 0612-345678"),
            (Found{"phone:020 7946 0958", "phone:06 12 34 56 78", "phone:0612-345678"}));
}

TEST(PrivateDataTest, LeavesNumbersThatAreNotPhones) {
  // Dates, times, versions, counts, sums, short international-looking numbers.
  EXPECT_EQ(found("2024-05-06 12:30:45 v1.2.3 1 000 000 000 3+4 +1234, 1234567890, x=+12.5"), Found{});
  EXPECT_EQ(found("port 8080, pid 12345, order 0000000"), Found{});
}

TEST(PrivateDataTest, FindsCardsThatPassLuhn) {
  EXPECT_EQ(found("card 4111 1111 1111 1111 exp"), Found{"payment_card:4111 1111 1111 1111"});
  EXPECT_EQ(found("5500-0000-0000-0004"), Found{"payment_card:5500-0000-0000-0004"});
  EXPECT_EQ(found("amex 3782 822463 10005"), Found{"payment_card:3782 822463 10005"});
  EXPECT_EQ(found("4012888888881881"), Found{"payment_card:4012888888881881"});
}

TEST(PrivateDataTest, LeavesDigitRunsThatFailLuhnOrTheNetworksRanges) {
  EXPECT_EQ(found("4111 1111 1111 1112"), Found{});
  EXPECT_EQ(found("1111111111111117"), Found{});  // Luhn-valid, no network starts with 1
  EXPECT_EQ(found("4111-1111 1111-1111"), Found{});  // mixed separators
  EXPECT_EQ(found("41 11 11 11 11 11 11 11"), Found{});  // groups of two are not how cards are written
}

TEST(PrivateDataTest, FindsIbansInBothForms) {
  EXPECT_EQ(found("IBAN DE89370400440532013000."), Found{"iban:DE89370400440532013000"});
  EXPECT_EQ(found("to GB82 WEST 1234 5698 7654 32 OK"), Found{"iban:GB82 WEST 1234 5698 7654 32"});
  EXPECT_EQ(found("IT60 X054 2811 1010 0000 0123 456"), Found{"iban:IT60 X054 2811 1010 0000 0123 456"});
}

TEST(PrivateDataTest, LeavesIbanShapesWithABadCheck) {
  EXPECT_EQ(found("DE89370400440532013001 GB82WEST12345698765433"), Found{});
  EXPECT_EQ(found("ISO8601 UTF8 AB12"), Found{});
}

TEST(PrivateDataTest, FindsNationalIds) {
  EXPECT_EQ(found("SSN 123-45-6789."), Found{"national_id:123-45-6789"});
  EXPECT_EQ(found("CF RSSMRA85T10A562S e MRTMTT91D08F205J"),
            (Found{"national_id:RSSMRA85T10A562S", "national_id:MRTMTT91D08F205J"}));
  EXPECT_EQ(found("omocodia RSSMRA85T1LA562V"), Found{"national_id:RSSMRA85T1LA562V"});
}

TEST(PrivateDataTest, LeavesUnassignedSsnsAndBadCheckLetters) {
  EXPECT_EQ(found("000-12-3456 666-12-3456 912-34-5678 123-00-4567 123-45-0000 123-45-67890"), Found{});
  EXPECT_EQ(found("RSSMRA85T10A562T BNCGLI80A01H501X ABCDEFGHIJKLMNOP"), Found{});
}

TEST(PrivateDataTest, FindsIpAddresses) {
  EXPECT_EQ(found("from 192.168.1.20, to 10.0.0.1."), (Found{"ip_address:192.168.1.20", "ip_address:10.0.0.1"}));
  EXPECT_EQ(found("v6 2001:db8::8a2e:370:7334 and fe80:0:0:0:200:f8ff:fe21:67cf"),
            (Found{"ip_address:2001:db8::8a2e:370:7334", "ip_address:fe80:0:0:0:200:f8ff:fe21:67cf"}));
}

TEST(PrivateDataTest, LeavesAddressesThatNameNobody) {
  EXPECT_EQ(found("127.0.0.1 0.0.0.0 169.254.169.254 255.255.255.255 192.0.2.1 198.51.100.7 203.0.113.9"), Found{});
  EXPECT_EQ(found("but 192.0.3.1"), Found{"ip_address:192.0.3.1"});
}

TEST(PrivateDataTest, LeavesVersionsTimesAndMacAddresses) {
  EXPECT_EQ(found("1.2.3.4.5 v2.0.0.1.9 256.1.1.1 01.02.03.04 v1.2.3.4 12:30:45 00:1a:2b:3c:4d:5e ::1 std::vector a::b"),
            Found{});
}

TEST(PrivateDataTest, FindsSecrets) {
  const std::string openai = "sk-proj-" + std::string(40, 'a') + "Z9";
  const std::string anthropic = "sk-ant-api03-" + std::string(30, 'x');
  const std::string github = "ghp_" + std::string(36, 'A');
  EXPECT_EQ(found("key=" + openai + " and " + anthropic),
            (Found{"secret:" + openai, "secret:" + anthropic}));
  EXPECT_EQ(found("AKIAIOSFODNN7EXAMPLE " + github), (Found{"secret:AKIAIOSFODNN7EXAMPLE", "secret:" + github}));
  EXPECT_EQ(found("AIzaSyA-1234567890abcdefghijklmnopqrstu"), Found{"secret:AIzaSyA-1234567890abcdefghijklmnopqrstu"});
  const std::string jwt =
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
  EXPECT_EQ(found("Bearer " + jwt), Found{"secret:" + jwt});
}

TEST(PrivateDataTest, FindsAPrivateKeyBlockWhole) {
  const std::string block = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK\n-----END RSA PRIVATE KEY-----";
  EXPECT_EQ(found("key:\n" + block + "\nend"), Found{"secret:" + block});
  EXPECT_EQ(found("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl"), Found{"secret:-----BEGIN OPENSSH PRIVATE KEY-----"});
}

TEST(PrivateDataTest, LeavesKeyPrefixesInOrdinaryWords) {
  EXPECT_EQ(found("sk-short task-sk-abc skip ghp_x AKIA1 AKIAIOSFODNN7EXAMPLEX eyJ.eyJ.x -----BEGIN PUBLIC KEY-----"),
            Found{});
  EXPECT_EQ(found("the risk-assessment-of-everything-in-here"), Found{});
}

TEST(PrivateDataTest, ReportsOffsetsIntoTheText) {
  const std::string text = "ab 10.0.0.1 cd";
  const auto hit = first_private_data(text);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->offset, 3u);
  EXPECT_EQ(hit->length, 8u);
}

TEST(PrivateDataTest, StopsAtTheLimit) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "10.0.0." + std::to_string(i) + " ";
  EXPECT_EQ(find_private_data(text, 5).size(), 5u);
  EXPECT_EQ(find_private_data(text).size(), 64u);
}

TEST(PrivateDataTest, ProseAndCodeHoldNothing) {
  const std::string prose =
      "The quick brown fox jumps over the lazy dog. In 2023, about 1,234 people (roughly 12.5%) replied; "
      "see section 4.2.1 and RFC 7231. Call me at noon: 12:00. Version 3.11.4 fixed bug #4521.";
  const std::string code =
      "for (int i = 0; i < 10; ++i) { v[i] = a[i] * 0x1F; } // std::map<int, int> m; x = y @ z;\n"
      "def f(self, *args): return {'a': 1, 'b': [1, 2, 3]}  # TODO(fix): 2024-01-01";
  EXPECT_EQ(found(prose), Found{});
  EXPECT_EQ(found(code), Found{});
}

TEST(PrivateDataTest, ArbitraryBytesNeverReadOutOfBounds) {
  // Mostly the bytes shapes start with: ASAN reports a read past the end.
  std::mt19937 rng(7);
  const std::string alphabet = "0123456789 -.+():@abcdefABCDEFGHIJKLMNOPQRSTUVWXYZ_eyJsk\n\xc3\xa9";
  for (int round = 0; round < 2000; ++round) {
    std::string s(rng() % 80, ' ');
    for (auto& c : s) c = alphabet[rng() % alphabet.size()];
    for (const auto& h : find_private_data(s)) ASSERT_LE(h.offset + h.length, s.size());
  }
}

TEST(PrivateDataTest, ChecksumsMatchTheirReferenceValues) {
  EXPECT_TRUE(luhn_valid("79927398713"));
  EXPECT_FALSE(luhn_valid("79927398710"));
  EXPECT_FALSE(luhn_valid("7992x398713"));
  EXPECT_TRUE(iban_valid("GB82WEST12345698765432"));
  EXPECT_FALSE(iban_valid("GB82WEST12345698765433"));
  EXPECT_FALSE(iban_valid("gb82WEST12345698765432"));
  EXPECT_TRUE(codice_fiscale_valid("RSSMRA85T10A562S"));
  EXPECT_FALSE(codice_fiscale_valid("RSSMRA85Z10A562S"));  // no month Z
}

}  // namespace
}  // namespace aisbf::routing

#include "routing/content_class.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "context/condense_test_support.hpp"

namespace aisbf::routing {
namespace {

using context::testing::assistant;
using context::testing::call;
using context::testing::request_of;
using context::testing::result;
using context::testing::sys;
using context::testing::user;

// Tool calls' arguments too: they go upstream and often hold keys.
TEST(ContentClassTest, TextIsTheLastMessagesTextToolArgumentsAndToolResults) {
  const auto request = request_of({sys("system"), user("mail me at a@b.example"),
                                   call("c1", "read_file", R"({"key":"k"})"), result("c1", "file body"),
                                   assistant("done")});
  EXPECT_EQ(classification_text(request, 3), "{\"key\":\"k\"}\nfile body\ndone\n");
  EXPECT_EQ(classification_text(request, 0),
            "system\nmail me at a@b.example\n{\"key\":\"k\"}\nfile body\ndone\n");
  EXPECT_EQ(classification_text(request, 99), classification_text(request, 0));
  EXPECT_EQ(classification_text(request_of({}), 5), "");
}

TEST(ContentClassTest, PrivateDataKindsAreNamedOnceInOrder) {
  EXPECT_EQ(private_data_kinds("write to john@mail.example.com or jane@mail.example.com, card 4111 1111 1111 1111"),
            (std::vector<PrivateDataKind>{PrivateDataKind::email, PrivateDataKind::payment_card}));
  EXPECT_TRUE(private_data_kinds("version 1.2.3 at 10:30 on 2024-01-02, order 12345").empty());
}

TEST(ContentClassTest, WordListMatchesWholeWordsInAnyCase) {
  const NsfwWordList list({}, true);
  EXPECT_TRUE(list.matches("Write some PORN please"));
  EXPECT_TRUE(list.matches("a hentai-style story"));
  EXPECT_TRUE(list.matches("(bdsm)"));
  EXPECT_TRUE(list.matches("two DILDOS, masturbating"));      // plural and -ing forms
  EXPECT_FALSE(list.matches("the pornographer's handbook"));  // not a listed word
  EXPECT_FALSE(list.matches("cumulative sums, a cocktail, Sussex, the nude in art"));
  EXPECT_FALSE(list.matches(""));
  EXPECT_FALSE(NsfwWordList({}, false).matches("porn"));
  EXPECT_TRUE(NsfwWordList({}, false).empty());
}

TEST(ContentClassTest, ConfiguredWordsAndPhrasesAddToTheList) {
  const std::vector<std::string> words = {"Gore", "blood bath", "  ", "café"};
  const NsfwWordList list(words, false);
  EXPECT_TRUE(list.matches("lots of GORE here"));
  EXPECT_FALSE(list.matches("gorest, ungore, gory"));
  EXPECT_TRUE(list.matches("Al Gore"));  // a word list cannot tell: the configured word is the operator's choice
  EXPECT_TRUE(list.matches("a Blood-Bath follows"));
  EXPECT_TRUE(list.matches("a blood\n  bath"));
  EXPECT_FALSE(list.matches("bloodbath"));
  EXPECT_FALSE(list.matches("blood, now a bath"));  // (a stop word between would not count)
  EXPECT_TRUE(list.matches("blood baths"));
  EXPECT_TRUE(list.matches("un café noir"));
  EXPECT_FALSE(list.matches("cafétéria"));
  EXPECT_FALSE(list.matches("porn"));  // defaults left out
}

// A huge text is read in slices (bounded memory): a word or a phrase is
// found wherever it is, across the seams between slices too, and a word cut
// by a seam is never mistaken for another.
TEST(ContentClassTest, AHugeTextIsReadInSlicesWithoutLosingWordsAtTheSeams) {
  const std::vector<std::string> words = {"gore", "blood bath"};
  const NsfwWordList list(words, false);
  std::string filler;
  while (filler.size() < 300 * 1024) filler += "plain words here ";
  for (std::size_t at : {std::size_t{0}, std::size_t{64 * 1024 - 6}, std::size_t{64 * 1024 - 3},
                         std::size_t{128 * 1024 + 1}, filler.size()}) {
    SCOPED_TRACE(at);
    std::string text = filler;
    text.insert(at, " blood bath ");
    EXPECT_TRUE(list.matches(text));
    text = filler;
    text.insert(at, " gore ");
    EXPECT_TRUE(list.matches(text));
    text = filler;
    text.insert(at, " ungored ");
    EXPECT_FALSE(list.matches(text));
  }
  EXPECT_FALSE(list.matches(filler));
  EXPECT_FALSE(list.matches(std::string(200 * 1024, 'x')));  // one word longer than two slices
}

TEST(ContentClassTest, TheDefaultListHoldsOnlyLowerCaseWords) {
  for (auto w : default_nsfw_words()) {
    EXPECT_FALSE(w.empty());
    for (char c : w) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) << w;
  }
}

const std::vector<CandidateFlags> kCandidates = {
    {.id = "cheap", .nsfw = false, .privacy = false, .vision = false, .tools = true},
    {.id = "local", .nsfw = false, .privacy = true, .vision = false, .tools = true},
    {.id = "uncensored", .nsfw = true, .privacy = false, .vision = true, .tools = false},
};

TEST(ContentClassTest, PlainRequestsMayGoAnywhere) {
  const auto f = filter_candidates(kCandidates, {}, "coding");
  EXPECT_EQ(f.allowed, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_TRUE(f.reason.empty());
}

TEST(ContentClassTest, EachNeedKeepsTheCandidatesFlaggedForIt) {
  EXPECT_EQ(filter_candidates(kCandidates, {.private_data = {PrivateDataKind::email}}, "c").allowed,
            std::vector<std::size_t>{1});
  EXPECT_EQ(filter_candidates(kCandidates, {.nsfw = true}, "c").allowed, std::vector<std::size_t>{2});
  EXPECT_EQ(filter_candidates(kCandidates, {.images = true}, "c").allowed, std::vector<std::size_t>{2});
  EXPECT_EQ(filter_candidates(kCandidates, {.tools = true}, "c").allowed, (std::vector<std::size_t>{0, 1}));
}

TEST(ContentClassTest, NoCandidateGivesAReasonNamingKindsNotData) {
  const std::vector<CandidateFlags> open = {{.id = "cheap", .tools = true}, {.id = "other", .vision = true}};
  const auto f = filter_candidates(open, {.private_data = {PrivateDataKind::email, PrivateDataKind::secret}}, "coding");
  EXPECT_TRUE(f.allowed.empty());
  EXPECT_EQ(f.reason,
            "the request holds personal data (email and secret) and no candidate of autoselect coding is flagged "
            "privacy: true");
  EXPECT_EQ(filter_candidates(open, {.nsfw = true}, "chat").reason,
            "the request was classified NSFW and no candidate of autoselect chat is flagged nsfw: true");
}

TEST(ContentClassTest, TheReasonNamesTheNeedsThatBlock) {
  // Privacy alone has a candidate (local), vision alone too (uncensored):
  // only together do they leave none, so both are named.
  const auto both = filter_candidates(kCandidates, {.private_data = {PrivateDataKind::phone}, .images = true}, "x");
  EXPECT_TRUE(both.allowed.empty());
  EXPECT_EQ(both.reason,
            "the request holds personal data (phone) and holds images, and no candidate of autoselect x is flagged "
            "privacy: true and vision-capable");
  // NSFW has a candidate; privacy with NSFW does not, and nothing is both.
  const std::vector<CandidateFlags> no_private = {{.id = "a", .nsfw = true}, {.id = "b"}};
  EXPECT_EQ(filter_candidates(no_private, {.private_data = {PrivateDataKind::iban}, .nsfw = true}, "x").reason,
            "the request holds personal data (iban) and no candidate of autoselect x is flagged privacy: true");
  EXPECT_EQ(filter_candidates({}, {}, "empty").reason, "autoselect empty has no candidates");
}

}  // namespace
}  // namespace aisbf::routing

#include "routing/autoselect_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "context/condense_test_support.hpp"

namespace aisbf::routing {
namespace {

using namespace std::chrono_literals;
using context::testing::assistant;
using context::testing::request_of;
using context::testing::sys;
using context::testing::user;
using context::testing::with_image;

const std::vector<std::string> kCandidates = {"kilofree", "kilopro", "vision"};
const limits::TimePoint t0{};

// The prefix hashes of one cache's key (each cache draws its own).
const AutoselectDecisionCache kHasher({});
PrefixHash conversation_prefix_hash(const ChatRequest& r) { return kHasher.prefix_hash(r); }

DecisionKey key_for(const ChatRequest& r, std::string_view id = "coding", std::string_view space = "",
                    std::uint64_t generation = 1) {
  return {id, space, generation, conversation_prefix_hash(r)};
}

TEST(AutoselectCacheTest, PrefixIsTheSystemPromptAndFirstUserMessage) {
  const auto first = request_of({sys("You are an agent."), user("Build a parser")});
  const auto later = request_of({sys("You are an agent."), user("Build a parser"), assistant("Here it is"),
                                 user("now add tests"), assistant("done"), user("commit")});
  EXPECT_EQ(conversation_prefix_hash(first), conversation_prefix_hash(later));
  // An image in the first message is not text: same prefix.
  EXPECT_EQ(conversation_prefix_hash(first),
            conversation_prefix_hash(request_of({sys("You are an agent."), with_image(user("Build a parser"), "u")})));

  EXPECT_NE(conversation_prefix_hash(first),
            conversation_prefix_hash(request_of({sys("You are an agent."), user("Build a lexer")})));
  EXPECT_NE(conversation_prefix_hash(first),
            conversation_prefix_hash(request_of({sys("You are a poet."), user("Build a parser")})));
  EXPECT_NE(conversation_prefix_hash(first), conversation_prefix_hash(request_of({user("Build a parser")})));
  // A system text moved into the user message is another conversation.
  EXPECT_NE(conversation_prefix_hash(request_of({sys("ab"), user("c")})),
            conversation_prefix_hash(request_of({sys("a"), user("bc")})));
  Message two_blocks = user("ab");
  two_blocks.content.emplace_back(TextBlock{"c"});
  Message split = user("a");
  split.content.emplace_back(TextBlock{"bc"});
  EXPECT_NE(conversation_prefix_hash(request_of({two_blocks})), conversation_prefix_hash(request_of({split})));
  EXPECT_NE(conversation_prefix_hash(request_of({sys("x")})), conversation_prefix_hash(request_of({})));
  // Another cache's key: other hashes.
  EXPECT_NE(AutoselectDecisionCache({}).prefix_hash(first), conversation_prefix_hash(first));
}

TEST(AutoselectCacheTest, LaterTurnsOfAConversationHit) {
  AutoselectDecisionCache cache({.max_entries = 10, .ttl = 10min});
  const auto first = request_of({sys("You are an agent."), user("Build a parser")});
  EXPECT_FALSE(cache.find(key_for(first), kCandidates, t0).has_value());
  cache.store(key_for(first), "kilopro", DecisionSource::llm, t0);

  const auto later = request_of({sys("You are an agent."), user("Build a parser"), assistant("ok"), user("more")});
  const auto hit = cache.find(key_for(later), kCandidates, t0 + 1min);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->index, 1u);
  EXPECT_EQ(hit->by, DecisionSource::llm);
  EXPECT_FALSE(cache.find(key_for(request_of({sys("You are an agent."), user("Other task")})), kCandidates, t0 + 1min));
}

TEST(AutoselectCacheTest, AnotherAutoselectNamespaceOrGenerationMisses) {
  AutoselectDecisionCache cache({});
  const auto r = request_of({user("hello")});
  cache.store(key_for(r, "coding", "", 7), "kilofree", DecisionSource::semantic, t0);
  EXPECT_TRUE(cache.find(key_for(r, "coding", "", 7), kCandidates, t0));
  EXPECT_FALSE(cache.find(key_for(r, "writing", "", 7), kCandidates, t0));
  EXPECT_FALSE(cache.find(key_for(r, "coding", "alice", 7), kCandidates, t0));
  EXPECT_FALSE(cache.find(key_for(r, "coding", "", 8), kCandidates, t0));
  // Parts are framed: "ab"+"c" is not "a"+"bc".
  cache.store(key_for(r, "ab", "c"), "kilofree", DecisionSource::llm, t0);
  EXPECT_FALSE(cache.find(key_for(r, "a", "bc"), kCandidates, t0));
}

TEST(AutoselectCacheTest, EntriesExpireAfterTheirTtl) {
  AutoselectDecisionCache cache({.max_entries = 10, .ttl = 5min});
  const auto k = key_for(request_of({user("hello")}));
  cache.store(k, "kilofree", DecisionSource::llm, t0);
  EXPECT_TRUE(cache.find(k, kCandidates, t0 + 5min - 1ns));
  EXPECT_FALSE(cache.find(k, kCandidates, t0 + 5min));
  // Storing again starts a new lifetime, with the new choice.
  cache.store(k, "kilopro", DecisionSource::fallback, t0 + 6min);
  const auto hit = cache.find(k, kCandidates, t0 + 10min);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->index, 1u);
  EXPECT_EQ(hit->by, DecisionSource::fallback);
  EXPECT_FALSE(cache.find(k, kCandidates, t0 + 11min));

  AutoselectDecisionCache off({.max_entries = 10, .ttl = limits::Duration::zero()});
  off.store(k, "kilofree", DecisionSource::llm, t0);
  EXPECT_FALSE(off.find(k, kCandidates, t0));
}

// Each autoselect has its own cache_ttl: an entry lives that long, at most
// the cache's; a ttl of zero keeps nothing.
TEST(AutoselectCacheTest, AnEntryMayLiveShorterThanTheCachesTtl) {
  AutoselectDecisionCache cache({.max_entries = 10, .ttl = 30min});
  const auto a = key_for(request_of({user("short")}));
  const auto b = key_for(request_of({user("long")}));
  const auto c = key_for(request_of({user("none")}));
  cache.store(a, "kilofree", DecisionSource::llm, t0, 2min);
  cache.store(b, "kilofree", DecisionSource::llm, t0, 5h);  // clamped to 30 min
  cache.store(c, "kilofree", DecisionSource::llm, t0, limits::Duration::zero());
  EXPECT_TRUE(cache.find(a, kCandidates, t0 + 2min - 1ns));
  EXPECT_FALSE(cache.find(a, kCandidates, t0 + 2min));
  EXPECT_TRUE(cache.find(b, kCandidates, t0 + 30min - 1ns));
  EXPECT_FALSE(cache.find(b, kCandidates, t0 + 30min));
  EXPECT_FALSE(cache.find(c, kCandidates, t0));
}

TEST(AutoselectCacheTest, IsBoundedAndDropsTheOldest) {
  AutoselectDecisionCache cache({.max_entries = 3, .ttl = 1h});
  std::vector<DecisionKey> keys;
  std::vector<ChatRequest> requests;
  for (int i = 0; i < 5; ++i) requests.push_back(request_of({user("task " + std::to_string(i))}));
  for (int i = 0; i < 5; ++i) {
    keys.push_back(key_for(requests[i]));
    cache.store(keys.back(), "kilofree", DecisionSource::llm, t0 + std::chrono::seconds(i));
  }
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.stats().evicted, 2u);
  EXPECT_FALSE(cache.find(keys[0], kCandidates, t0 + 10s));
  EXPECT_FALSE(cache.find(keys[1], kCandidates, t0 + 10s));
  for (int i = 2; i < 5; ++i) EXPECT_TRUE(cache.find(keys[i], kCandidates, t0 + 10s)) << i;
}

TEST(AutoselectCacheTest, AChoiceTheRequestMayNotUseIsAMiss) {
  AutoselectDecisionCache cache({});
  const auto k = key_for(request_of({user("hello")}));
  cache.store(k, "kilopro", DecisionSource::llm, t0);
  // This turn holds personal data: only the privacy candidates are passed.
  const std::vector<std::string> allowed = {"kilofree", "vision"};
  EXPECT_FALSE(cache.find(k, allowed, t0));
  EXPECT_FALSE(cache.find(k, {}, t0));
}

TEST(AutoselectCacheTest, ManyThreadsStoreAndFindSafely) {
  AutoselectDecisionCache cache({.max_entries = 16, .ttl = 1h});
  std::vector<ChatRequest> requests;  // 2 namespaces × 6 conversations: all fit
  for (int i = 0; i < 6; ++i) requests.push_back(request_of({user("t" + std::to_string(i))}));
  std::vector<std::thread> threads;
  std::atomic<int> hits{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        const auto k = key_for(requests[(round * 7 + t) % requests.size()], "coding", t % 2 == 0 ? "" : "bob");
        if (cache.find(k, kCandidates, t0)) ++hits;
        cache.store(k, kCandidates[round % 3], DecisionSource::llm, t0);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(cache.size(), 16u);
  EXPECT_GT(hits.load(), 0);
}

TEST(AutoselectCacheTest, NamesHowADecisionWasMade) {
  EXPECT_EQ(decision_source_name(DecisionSource::llm), "llm");
  EXPECT_EQ(decision_source_name(DecisionSource::semantic), "semantic");
  EXPECT_EQ(decision_source_name(DecisionSource::fallback), "fallback");
}

}  // namespace
}  // namespace aisbf::routing

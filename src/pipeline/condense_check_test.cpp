// The cheap check before condensation and its goal arithmetic.
#include "pipeline/condense_check.hpp"

#include <limits>
#include <string>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "context/token_count.hpp"
#include "context/tokenizer.hpp"
#include "pipeline/chat_envelope.hpp"
#include "pipeline/chat_job.hpp"
#include "pipeline/condense_step.hpp"
#include "pipeline/ingress.hpp"

namespace aisbf {
namespace {

// An OpenAI chat body of `turns` user/assistant pairs of `words` words each.
std::string chat_body(int turns, int words, std::string_view extra_part = {}) {
  std::string body = R"({"model":"m","messages":[{"role":"system","content":"Be brief."})";
  for (int t = 0; t < turns; ++t) {
    std::string text;
    for (int w = 0; w < words; ++w) text += "word" + std::to_string((t * 7 + w) % 13) + " ";
    body += R"(,{"role":"user","content":")" + text + R"("},{"role":"assistant","content":")" + text + R"("})";
  }
  if (!extra_part.empty()) body += R"(,{"role":"user","content":[)" + std::string(extra_part) + "]}";
  return body + "]}";
}

TEST(CondenseCheck, ThresholdIsAPercentOfTheContextAndNeedsBoth) {
  EXPECT_EQ(condense_threshold(80, 10000), 8000);
  EXPECT_EQ(condense_threshold(150, 10000), 10000);  // above 100: the whole context
  EXPECT_FALSE(condense_threshold(std::nullopt, 10000));
  EXPECT_FALSE(condense_threshold(80, std::nullopt));
  EXPECT_FALSE(condense_threshold(0, 10000));
}

TEST(CondenseCheck, GoalIsThreeQuartersOfTheThresholdWithinWhatTheAnswerLeaves) {
  auto l = condense_limits(8000, 10000, std::nullopt);
  EXPECT_EQ(l.goal, 6000);
  EXPECT_EQ(l.hard_limit, 10000);
  l = condense_limits(8000, 10000, 1000);
  EXPECT_EQ(l.goal, 6000);
  EXPECT_EQ(l.hard_limit, 9000);
  l = condense_limits(8000, 10000, 7000);  // a large answer: the goal leaves it its room
  EXPECT_EQ(l.goal, 3000);
  EXPECT_EQ(l.hard_limit, 3000);
  EXPECT_LE(l.goal + 7000, 10000);
  l = condense_limits(8000, 10000, 12000);  // more than the context: nothing can fit
  EXPECT_EQ(l.hard_limit, 0);
  EXPECT_EQ(l.goal, 0);
  // Any int64 a client sends as max_tokens, any context a config holds: no overflow (UBSan watches).
  l = condense_limits(8000, 10000, std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(l.hard_limit, 0);
  constexpr auto kHuge = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(condense_threshold(80, kHuge), kHuge / 100 * 80 + kHuge % 100 * 80 / 100);
  EXPECT_EQ(condense_threshold(100, kHuge), kHuge);
}

TEST(CondenseCheck, ImagePartsAreCountedInBothFormats) {
  EXPECT_EQ(count_image_parts(chat_body(3, 10)), 0u);
  // OpenAI: "image_url" twice per part (type and key): an overcount, never an undercount.
  const std::string openai = R"({"type":"image_url","image_url":{"url":"https://x/a.png"}})";
  EXPECT_EQ(count_image_parts(chat_body(3, 10, openai)), 2u);
  const std::string anthropic = R"({"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA"}})";
  EXPECT_EQ(count_image_parts(chat_body(40, 30, anthropic + "," + anthropic)), 2u);
  // At every offset against the 16-byte blocks, and in the tail.
  for (std::size_t pad = 0; pad < 40; ++pad) {
    EXPECT_EQ(count_image_parts(std::string(pad, ' ') + "\"image\"" + std::string(pad % 7, ' ')), 1u) << pad;
  }
}

// The bound holds against the real count, images included.
TEST(CondenseCheck, BodyBoundIsAboveTheExactCount) {
  auto tokenizer = context::tokenizer_for(context::Encoding::cl100k_base);
  ASSERT_TRUE(tokenizer) << tokenizer.error().message;
  const context::ChatTokenCounter counter(**tokenizer);
  for (const auto& body :
       {chat_body(1, 1), chat_body(20, 50),
        chat_body(2, 3, R"({"type":"image_url","image_url":{"url":"https://x/a.png","detail":"high"}})")}) {
    auto decoded = ingress_codec(IngressFormat::openai_chat).decode_request(body);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_GE(body_token_bound(body), counter.request(*decoded)) << body.substr(0, 80);
    EXPECT_GE(request_token_bound(*decoded), counter.request(*decoded));
  }
}

routing::Candidate condensing_candidate(std::int64_t context_size, std::int64_t percent) {
  routing::Candidate c;
  c.upstream_model = "gpt-4o";
  c.context_size = context_size;
  c.condense_context = percent;
  c.condense_methods = {context::CondenseMethod::conversational};
  return c;
}

// Far below the threshold nothing is decoded, so nothing is tokenized: the
// job's canonical request and its condensation memo stay unmade.
TEST(CondenseCheck, FarBelowTheThresholdNothingIsDecodedOrCounted) {
  boost::asio::io_context io;
  boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
  http::UpstreamPool pool(io, tls);
  http::Request client;
  client.body() = chat_body(40, 60);  // ~20 KB
  ChatJob job{ChatIo(pool)};
  job.io.client = &client;
  EXPECT_FALSE(condense_near(condensing_candidate(128000, 80), job));
  EXPECT_FALSE(job.canonical);
  EXPECT_FALSE(job.condense);
  EXPECT_TRUE(condense_near(condensing_candidate(20000, 80), job));  // bytes bound ≥ 16000: counted exactly
  EXPECT_FALSE(condense_near(routing::Candidate{}, job));            // no settings: never
  job.condensable = false;
  EXPECT_FALSE(condense_near(condensing_candidate(20000, 80), job));
}

// max_tokens counts: a small prompt whose answer would not fit beside it is
// near (the exact check acts on prompt + max_tokens > context_size), read
// from the envelope of either format or from a decoded request.
TEST(CondenseCheck, MaxTokensNearTheContextSizeMakesASmallPromptNear) {
  EXPECT_FALSE(may_need_condensing(500, 8000, 10000, std::nullopt));
  EXPECT_FALSE(may_need_condensing(500, 8000, 10000, 9500));  // 500 + 9500 = 10000: fits
  EXPECT_TRUE(may_need_condensing(500, 8000, 10000, 9501));
  EXPECT_TRUE(may_need_condensing(8000, 8000, 10000, std::nullopt));
  EXPECT_TRUE(may_need_condensing(1, 8000, 10000, std::numeric_limits<std::int64_t>::max()));  // a bound is ≥ 3

  boost::asio::io_context io;
  boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
  http::UpstreamPool pool(io, tls);
  const auto c = condensing_candidate(128000, 80);
  for (auto format : {IngressFormat::openai_chat, IngressFormat::anthropic_messages}) {
    for (std::string_view field : {"max_tokens", "max_completion_tokens"}) {
      if (format == IngressFormat::anthropic_messages && field != "max_tokens") continue;
      http::Request client;
      client.body() =
          R"({"model":"m",")" + std::string(field) + R"(":127990,"messages":[{"role":"user","content":"hi"}]})";
      auto envelope = scan_chat_envelope(client.body(), format);
      ASSERT_TRUE(envelope) << envelope.error().message;
      ChatJob job{ChatIo(pool)};
      job.io.client = &client;
      EXPECT_FALSE(condense_near(c, job)) << field;  // no envelope: nothing read
      job.envelope = &*envelope;
      EXPECT_TRUE(condense_near(c, job)) << field;
      EXPECT_FALSE(job.canonical);  // still nothing decoded
    }
  }
  ChatJob in_process{ChatIo(pool)};
  in_process.canonical.emplace();
  in_process.canonical->messages.push_back(Message{Role::user, {TextBlock{"hi"}}, {}});
  EXPECT_FALSE(condense_near(c, in_process));
  in_process.canonical->max_tokens = 127990;
  EXPECT_TRUE(condense_near(c, in_process));
}

}  // namespace
}  // namespace aisbf

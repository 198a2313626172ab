// Autoselect's content scan: a text past kPoolCountBytes is scanned on the
// count pool, once, and its verdict is the one a scan here gives; a small
// text never goes there.
#include "pipeline/content_scan.hpp"

#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "pipeline/count_pool.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/sent_prompt.hpp"

namespace aisbf {
namespace {

class ContentScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = std::make_shared<Config>();
    config->autoselect_defaults.nsfw_words = {"dragon fruit"};
    routes_ = std::make_shared<const routing::RoutingTable>(config);
    state_ = GatewayState::in_process(1);
    ctx_.state = state_.get();
  }

  ContentScan run(std::string text, ContentScanAsk ask) {
    boost::asio::io_context io;
    std::optional<ContentScan> got;
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { got = co_await scan_content(ctx_, routes_, text, ask); },
        boost::asio::detached);
    io.run();
    EXPECT_TRUE(got.has_value());
    return got.value_or(ContentScan{});
  }

  std::shared_ptr<const routing::RoutingTable> routes_;
  std::unique_ptr<GatewayState> state_;
  RequestContext ctx_;
};

// Filler with no personal data and no listed word, `bytes` long.
std::string filler(std::size_t bytes) {
  std::string out;
  while (out.size() < bytes) out += "the quick brown fox jumps over the lazy dog, version 1.2.3 at 10:30. ";
  return out;
}

TEST_F(ContentScanTest, ALargeTextIsScannedOnThePoolWithTheSameVerdict) {
  const std::string text =
      filler(2 * kPoolCountBytes) + " mail jane.doe@example.org a dragon  fruit smoothie " + "card 4111 1111 1111 1111";
  const ContentScanAsk both{true, true};
  const auto submitted = state_->counts->submitted();
  const auto pooled = pooled_content_scans();
  const ContentScan got = run(text, both);
  EXPECT_EQ(state_->counts->submitted(), submitted + 1);
  EXPECT_EQ(pooled_content_scans(), pooled + 1);
  EXPECT_EQ(state_->counts->queued_bytes(), 0u);
  // The verdict a scan here gives: the same kinds in the same order, the same word match.
  EXPECT_EQ(got.private_data, routing::private_data_kinds(text));
  EXPECT_EQ(got.private_data, (std::vector{routing::PrivateDataKind::email, routing::PrivateDataKind::payment_card}));
  EXPECT_TRUE(got.nsfw_words);
  // Only what was asked: no privacy scan asked, none reported.
  const ContentScan nsfw_only = run(text, {false, true});
  EXPECT_TRUE(nsfw_only.private_data.empty());
  EXPECT_TRUE(nsfw_only.nsfw_words);
  EXPECT_EQ(pooled_content_scans(), pooled + 2);
}

TEST_F(ContentScanTest, ASmallTextIsScannedWhereItIs) {
  const auto submitted = state_->counts->submitted();
  const auto pooled = pooled_content_scans();
  const ContentScan got = run(filler(kPoolCountBytes / 2) + " write to jane.doe@example.org", {true, true});
  EXPECT_EQ(state_->counts->submitted(), submitted);
  EXPECT_EQ(pooled_content_scans(), pooled);
  EXPECT_EQ(got.private_data, std::vector{routing::PrivateDataKind::email});
  EXPECT_FALSE(got.nsfw_words);
}

// Without a pool (an in-process caller's state may have none), the scan is here.
TEST_F(ContentScanTest, WithoutAPoolALargeTextIsScannedHere) {
  state_->counts.reset();
  const auto pooled = pooled_content_scans();
  const ContentScan got = run(filler(2 * kPoolCountBytes) + " key AKIAIOSFODNN7EXAMPLE", {true, false});
  EXPECT_EQ(pooled_content_scans(), pooled);
  EXPECT_EQ(got.private_data, std::vector{routing::PrivateDataKind::secret});
}

}  // namespace
}  // namespace aisbf

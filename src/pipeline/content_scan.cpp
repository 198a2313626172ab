#include "pipeline/content_scan.hpp"

#include <atomic>
#include <optional>

#include <boost/asio/this_coro.hpp>

#include "pipeline/count_pool.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/sent_prompt.hpp"

namespace aisbf {

namespace {

std::atomic<std::uint64_t> g_pooled{0};

ContentScan scan(const routing::RoutingTable& routes, std::string_view text, ContentScanAsk ask) {
  ContentScan out;
  if (ask.privacy) out.private_data = routing::private_data_kinds(text);
  if (ask.nsfw) out.nsfw_words = routes.nsfw_words().matches(text);
  return out;
}

}  // namespace

boost::asio::awaitable<ContentScan> scan_content(RequestContext& ctx,
                                                 std::shared_ptr<const routing::RoutingTable> routes, std::string text,
                                                 ContentScanAsk ask) {
  if (text.size() < kPoolCountBytes || ctx.state == nullptr || !ctx.state->counts) co_return scan(*routes, text, ask);
  const std::size_t bytes = text.size();
  // Shared with the work, not copied: the request may end before the work does.
  auto shared = std::make_shared<const std::string>(std::move(text));
  // Fetched before: no co_await inside a full-expression with temporaries
  // (GCC 12 destroys them twice across the suspension).
  const auto executor = co_await boost::asio::this_coro::executor;
  auto work = [routes, shared, ask]() -> std::optional<ContentScan> {
    g_pooled.fetch_add(1, std::memory_order_relaxed);
    return scan(*routes, *shared, ask);
  };
  auto result = ctx.state->counts->submit(executor, bytes, std::optional<ContentScan>(), std::move(work));
  if (result) {
    std::optional<ContentScan> found = co_await result->get();
    if (found) co_return std::move(*found);
  }
  // Over the pool's cap, or the work failed there: never an unscanned verdict.
  co_return scan(*routes, *shared, ask);
}

std::uint64_t pooled_content_scans() { return g_pooled.load(std::memory_order_relaxed); }

}  // namespace aisbf

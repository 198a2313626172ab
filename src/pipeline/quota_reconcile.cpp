#include "pipeline/quota_reconcile.hpp"

#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace aisbf {
namespace {

limits::WallMs wall_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::optional<store::UsageTotals> spend(store::Store& store, const std::string& username, limits::WallMs from,
                                        limits::WallMs to) {
  store::UsageQuery q;
  q.from_ms = from;
  q.to_ms = to;
  q.username = username;
  auto report = store.query_usage(q);
  if (!report) return std::nullopt;
  return report.value().totals;
}

}  // namespace

std::size_t reconcile_quotas(store::Store& store, limits::QuotaLedger& ledger, limits::WallMs now) {
  auto users = store.list_users();
  if (!users) {
    spdlog::warn("quotas: reading users for reconciliation failed");
    return 0;
  }
  std::size_t done = 0;
  for (const auto& user : users.value()) {
    if (done == kMaxReconciledUsers) break;
    if (user.quotas_json.empty() || user.quotas_json == "{}") continue;
    const auto day = spend(store, user.username, limits::utc_day_start(now), now + 1);
    const auto month = spend(store, user.username, limits::utc_month_start(now), now + 1);
    if (!day || !month) continue;
    ledger.reconcile("user:" + user.username,
                     {day->requests, day->prompt_tokens + day->completion_tokens,
                      month->prompt_tokens + month->completion_tokens, month->cost},
                     now);
    ++done;
  }
  return done;
}

std::size_t reconcile_quotas_now(store::Store& store, limits::QuotaLedger& ledger) {
  return reconcile_quotas(store, ledger, wall_now());
}

boost::asio::awaitable<void> QuotaReconciler::run(boost::asio::io_context& io, DbPool& db, store::Store& store,
                                                  limits::QuotaLedger& ledger) {
  using namespace std::chrono_literals;
  boost::asio::steady_timer timer(io);
  timer_ = &timer;
  while (!stopped_) {
    timer.expires_after(60s);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (stopped_) break;
    co_await db.run([&store, &ledger] { return reconcile_quotas(store, ledger, wall_now()); });
  }
  timer_ = nullptr;
}

void QuotaReconciler::stop() {
  stopped_ = true;
  if (timer_ != nullptr) timer_->cancel();
}

}  // namespace aisbf

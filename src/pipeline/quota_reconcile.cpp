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

bool has_quotas(const std::string& json) { return !json.empty() && json != "{}"; }

// The usage rows of one subject: `user` names the user, `token` the token (its rows only).
struct SubjectRows {
  std::string key;  // the ledger's: "user:<name>" or "token:<id>"
  std::optional<std::string> username, token_id;
};

std::optional<store::UsageTotals> spend(store::Store& store, const SubjectRows& subject, limits::WallMs from,
                                        limits::WallMs to) {
  store::UsageQuery q;
  q.from_ms = from;
  q.to_ms = to;
  q.username = subject.username;
  q.token_id = subject.token_id;
  q.measures = false;  // requests, tokens and cost only
  auto report = store.query_usage(q);
  if (!report) return std::nullopt;
  return report.value().totals;
}

bool reconcile_one(store::Store& store, limits::QuotaLedger& ledger, const SubjectRows& subject, limits::WallMs now) {
  const auto day = spend(store, subject, limits::utc_day_start(now), now + 1);
  const auto month = spend(store, subject, limits::utc_month_start(now), now + 1);
  if (!day || !month) return false;
  ledger.reconcile(subject.key,
                   {day->requests, day->prompt_tokens + day->completion_tokens,
                    month->prompt_tokens + month->completion_tokens, month->cost},
                   now);
  return true;
}

// The subjects with quotas: users, then tokens (of active users), at most kMaxReconciledSubjects.
std::vector<SubjectRows> subjects_with_quotas(store::Store& store) {
  std::vector<SubjectRows> out;
  auto users = store.list_users();
  if (!users) spdlog::warn("quotas: reading users for reconciliation failed");
  for (const auto& user : users ? users.value() : std::vector<store::User>{}) {
    if (out.size() == kMaxReconciledSubjects) return out;
    if (has_quotas(user.quotas_json)) out.push_back({"user:" + user.username, user.username, std::nullopt});
  }
  auto tokens = store.list_all_tokens();
  if (!tokens) spdlog::warn("quotas: reading tokens for reconciliation failed");
  for (const auto& token : tokens ? tokens.value() : std::vector<store::ApiToken>{}) {
    if (out.size() == kMaxReconciledSubjects) return out;
    if (has_quotas(token.quotas_json)) out.push_back({"token:" + token.id, std::nullopt, token.id});
  }
  return out;
}

}  // namespace

std::size_t reconcile_quotas(store::Store& store, limits::QuotaLedger& ledger, limits::WallMs now) {
  std::size_t done = 0;
  for (const auto& subject : subjects_with_quotas(store)) done += reconcile_one(store, ledger, subject, now) ? 1 : 0;
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

// Quota reconciliation: the ledger counts in memory, so a restart (or
// another instance on the same database) would start budgets from zero.
// Each pass reads, for every user and every token with quotas, the day's
// and the month's spend from the usage rows (a token's: the rows of its id)
// and raises the ledger's counters to it
// (QuotaLedger::reconcile: max, never a sum). At start (blocking, before
// serving) and then every minute on a DB thread.
#pragma once

#include <atomic>
#include <cstddef>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "limits/quotas.hpp"
#include "pipeline/db_pool.hpp"
#include "store/store.hpp"

namespace aisbf {

// Users and tokens reconciled per pass, at most: two usage queries each.
inline constexpr std::size_t kMaxReconciledSubjects = 1000;

// One pass; blocking (a DB thread, or start-up). Returns the subjects reconciled.
std::size_t reconcile_quotas(store::Store& store, limits::QuotaLedger& ledger, limits::WallMs now);
// The same at the wall clock's now (start-up).
std::size_t reconcile_quotas_now(store::Store& store, limits::QuotaLedger& ledger);

class QuotaReconciler {
 public:
  // Passes every `period` until stop(); on one worker's loop, the queries on `db`.
  boost::asio::awaitable<void> run(boost::asio::io_context& io, DbPool& db, store::Store& store,
                                   limits::QuotaLedger& ledger);
  void stop();  // on the run's worker (shutdown)

 private:
  boost::asio::steady_timer* timer_ = nullptr;
  bool stopped_ = false;
};

}  // namespace aisbf

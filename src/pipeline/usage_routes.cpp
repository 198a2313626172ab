#include "pipeline/usage_routes.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/usage_query.hpp"
#include "pipeline/app.hpp"
#include "pipeline/db_pool.hpp"
#include "pipeline/respond.hpp"
#include "store/usage_recorder.hpp"

namespace aisbf {

namespace {

using boost::asio::awaitable;
constexpr std::size_t kCsvChunkBytes = 64 * 1024;

GatewayError store_failed(const store::StoreError& error) {
  if (error.kind == store::StoreError::Kind::unavailable) {
    return make_error(ErrorKind::unavailable, "the usage store is unavailable", "store_unavailable");
  }
  spdlog::error("usage query failed: {} ({})", error.message, store::usage_store_error_name(error.kind));
  return make_error(ErrorKind::internal, "the usage query failed", "store_error");
}

store::UnixMs now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Chunks of CSV from the DB thread to the serving coroutine. The channel's
// capacity bounds what waits in memory: the export blocks (on its DB
// thread) until the client took the previous chunk.
using Chunks = boost::asio::experimental::concurrent_channel<void(boost::system::error_code, std::string)>;

struct CsvExport {
  std::shared_ptr<Chunks> chunks;
  std::shared_ptr<std::atomic<bool>> abandoned = std::make_shared<std::atomic<bool>>(false);
  std::optional<store::StoreError> failure;  // written before the channel closes
  bool sent_any = false;                     // written before the channel closes
};

// On the DB thread: hands `chunk` over and waits until the coroutine took
// it; false when the reader is gone (the export stops).
bool hand_over(CsvExport& job, std::string chunk) {
  auto taken = std::make_shared<std::promise<bool>>();
  auto done = taken->get_future();
  job.chunks->async_send({}, std::move(chunk), [taken](boost::system::error_code ec) { taken->set_value(!ec); });
  // The coroutine's loop may stop without closing the channel (shutdown):
  // check now and then that it still reads.
  while (done.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready) {
    if (job.abandoned->load()) return false;
  }
  return done.get();
}

void run_export(store::Store& store, const store::UsageQuery& query, const std::shared_ptr<CsvExport>& job) {
  std::string buf(api::usage_csv_header());
  bool reading = true;
  auto result = store.export_usage(query, [&](const store::UsageRecord& row) {
    api::append_usage_csv_row(buf, row);
    if (buf.size() < kCsvChunkBytes) return true;
    reading = hand_over(*job, std::move(buf));
    job->sent_any = true;
    buf.clear();
    return reading;
  });
  if (!result) {
    job->failure = result.error();
  } else if (reading) {
    job->sent_any = true;
    hand_over(*job, std::move(buf));
  }
  job->chunks->close();
}

// Streams the rows as CSV, a chunk at a time, without holding them all.
awaitable<void> send_csv(UsageWiring& usage, http::Exchange& ex, RequestContext& ctx, store::UsageQuery query) {
  auto job = std::make_shared<CsvExport>();
  job->chunks = std::make_shared<Chunks>(co_await boost::asio::this_coro::executor, 1);
  struct Guard {
    CsvExport& job;
    ~Guard() {
      job.abandoned->store(true);
      job.chunks->close();
    }
  } guard{*job};
  usage.db->post([store = usage.store, query = std::move(query), job] { run_export(*store, query, job); });
  bool started = false;
  for (;;) {
    auto [ec, chunk] = co_await job->chunks->async_receive(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ec) break;  // closed: every row was handed over, or the export failed
    if (!started) {
      started = true;
      const HeaderList headers{{"x-request-id", ctx.request_id},
                               {"Content-Disposition", "attachment; filename=\"usage.csv\""},
                               {"Cache-Control", "no-store"}};
      const bool head_sent = co_await ex.begin_stream(200, "text/csv; charset=utf-8", headers);
      if (!head_sent) co_return;
    }
    const bool written = co_await ex.stream_write(chunk);
    if (!written) co_return;  // the client left: the guard stops the export
  }
  if (!started) {
    // Nothing went out: the store failed before the first chunk.
    const GatewayError error = job->failure
                                   ? store_failed(*job->failure)
                                   : make_error(ErrorKind::internal, "the usage export ended early", "store_error");
    co_return co_await send_error(ex, error, ctx);
  }
  if (job->failure) {
    spdlog::error("{} usage export failed after its first rows ({})", ctx.request_id,
                  store::usage_store_error_name(job->failure->kind));
  }
  co_await ex.end_stream();
}

// The report's JSON, or the error to answer.
awaitable<Expected<std::string>> run_report(UsageWiring& usage, store::UsageQuery query) {
  // The closure holds pointers only and the answer is written into this
  // frame: g++ 12 destroys a closure temporary in a co_await twice (harmless
  // when its destructor is trivial), and DbPool::run needs a
  // default-constructible result, which Result is not.
  std::optional<store::Result<store::UsageReport>> answer;
  const store::UsageQuery* q = &query;
  auto* out = &answer;
  const bool ran = co_await usage.db->run([store = usage.store, q, out] {
    out->emplace(store->query_usage(*q));
    return true;
  });
  const auto& report = *answer;
  (void)ran;
  if (!report) co_return store_failed(report.error());
  const std::uint64_t dropped = usage.recorder != nullptr ? usage.recorder->stats().dropped() : 0;
  co_return api::usage_report_json(report.value(), query, dropped);
}

// The query of a usage request (`own_user` forced in: the user route), or
// the error to answer.
Expected<api::UsageRequest> usage_request(App& app, std::string_view target, std::optional<std::string> own_user) {
  auto parsed = api::parse_usage_request(target, now_ms());
  if (parsed.error) {
    return make_error(ErrorKind::invalid_request, fmt::format("{}: {}", parsed.error->param, parsed.error->message),
                      "invalid_parameter", parsed.error->param);
  }
  if (app.usage.store == nullptr || app.usage.db == nullptr)
    return make_error(ErrorKind::unavailable, "usage accounting needs a database (aisbf.json `database`)",
                      "store_unavailable");
  if (own_user) parsed.request->query.username = std::move(*own_user);
  return std::move(*parsed.request);
}

// `own_user`: the caller's username, forced into the query (the user route).
awaitable<void> serve_usage(App& app, http::Exchange& ex, RequestContext& ctx, std::optional<std::string> own_user) {
  auto request = usage_request(app, ex.request().target(), std::move(own_user));
  if (!request) co_return co_await send_error(ex, request.error(), ctx);
  if (request->csv) co_return co_await send_csv(app.usage, ex, ctx, std::move(request->query));
  auto report = co_await run_report(app.usage, std::move(request->query));
  if (!report) co_return co_await send_error(ex, report.error(), ctx);
  co_await send_json(ex, 200, *report, ctx.request_id);
}

}  // namespace

awaitable<Expected<std::string>> usage_report_for(App& app, std::string_view target) {
  auto request = usage_request(app, target, std::nullopt);
  if (!request) co_return request.error();
  co_return co_await run_report(app.usage, std::move(request->query));
}

awaitable<void> admin_usage(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  return serve_usage(app, ex, ctx, std::nullopt);
}

awaitable<void> user_usage(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  const auto& p = ctx.principal;
  const bool is_user = p.kind == auth::PrincipalKind::user_token || p.kind == auth::PrincipalKind::session;
  if (!is_user || p.user_id.empty()) {
    // The route's policy admits users only; this guards the filter anyway.
    return send_error(ex, make_error(ErrorKind::forbidden, "this route shows a user's own usage", "forbidden"), ctx);
  }
  return serve_usage(app, ex, ctx, p.user_id);
}

awaitable<void> admin_usage_flush(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  UsageWiring& usage = app.usage;
  if (usage.recorder == nullptr || usage.db == nullptr) {
    co_return co_await send_error(
        ex, make_error(ErrorKind::unavailable, "usage recording is off (no database)", "store_unavailable"), ctx);
  }
  // flush() blocks until the writer thread settled the queue: on a DB thread.
  auto stats = co_await usage.db->run([recorder = usage.recorder] {
    recorder->flush();
    return recorder->stats();
  });
  co_await send_json(ex, 200,
                     fmt::format(R"({{"flushed":true,"written":{},"dropped":{},"pending":{}}})", stats.written,
                                 stats.dropped(), stats.pending),
                     ctx.request_id);
}

}  // namespace aisbf

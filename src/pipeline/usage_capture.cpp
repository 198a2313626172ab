#include "pipeline/usage_capture.hpp"

#include "ops/metrics.hpp"
#include "store/usage_recorder.hpp"

namespace aisbf {

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

// The answer's bytes at the request's measured tokens per byte: both are
// JSON (or SSE) in the client's format, so the ratio carries over.
std::int64_t answer_tokens(std::uint64_t answer_bytes, std::int64_t prompt_tokens, std::uint64_t request_bytes) {
  if (request_bytes == 0 || prompt_tokens <= 0) return 0;
  const double per_byte = static_cast<double>(prompt_tokens) / static_cast<double>(request_bytes);
  return static_cast<std::int64_t>(static_cast<double>(answer_bytes) * per_byte + 0.5);
}

}  // namespace

void note_attempt_start(UsageTap& tap, const routing::Candidate& c) {
  if (!tap.noting()) return;
  ++tap.attempts;
  tap.provider = c.provider->id;
  if (c.model != nullptr && c.model->name == c.upstream_model)
    tap.model = c.model->name;  // the snapshot's, like tap.provider
  else
    tap.set_model_copy(c.upstream_model);
  tap.prices = c.prices;
  tap.usage = {};
  tap.effective_context = 0;
}

void UsageSink::head(int status, bool streamed) {
  if (tap_.status == 0) {
    tap_.status = status;
    tap_.streamed = streamed;
    tap_.first_byte = Clock::now();
  }
}

boost::asio::awaitable<bool> UsageSink::send(int status, std::string_view content_type, std::string_view body,
                                             const HeaderList& headers) {
  head(status, false);
  tap_.bytes_out += body.size();
  return inner_.send(status, content_type, body, headers);
}

boost::asio::awaitable<bool> UsageSink::begin_stream(int status, std::string_view content_type,
                                                     const HeaderList& headers) {
  head(status, true);
  if (tap_.shard != nullptr) tap_.shard->gauge_add(ops::GaugeId::streams, 1);  // less in metrics_chat_end
  return inner_.begin_stream(status, content_type, headers);
}

boost::asio::awaitable<bool> UsageSink::write(std::string_view bytes) {
  tap_.bytes_out += bytes.size();
  return inner_.write(bytes);
}

boost::asio::awaitable<bool> UsageSink::end_with_error(std::string_view error_event, const GatewayError& error) {
  note_error(tap_, error);
  tap_.bytes_out += error_event.size();
  return inner_.end_with_error(error_event, error);
}

store::UsageRecord make_usage_record(const RequestContext& ctx, std::string_view requested_model,
                                     const PromptMeasure& prompt, bool aborted) {
  const UsageTap& tap = ctx.usage;
  const auto now = Clock::now();
  store::UsageRecord r;
  r.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count() -
              ms_between(ctx.started, now);
  r.username = ctx.principal.user_id;
  r.token_id = ctx.principal.token_id;
  r.route = tap.route;
  r.requested_model = requested_model;
  r.provider = tap.provider;
  r.model = tap.model;
  r.rotation = tap.rotation;
  r.attempts = tap.attempts;
  const ScannedUsage& u = tap.usage;
  r.prompt_tokens = u.prompt_tokens;
  r.completion_tokens = u.completion_tokens;
  r.cached_tokens = u.cached_tokens;
  r.cache_write_tokens = u.cache_write_tokens;
  r.reasoning_tokens = u.reasoning_tokens;
  r.effective_context = tap.effective_context;
  if (!tap.autoselected.empty()) {
    r.autoselected = tap.autoselected;
    r.autoselected_by = ctx.usage.autoselected_by;
  }
  // An answer went out but its usage did not come (no include_usage, a
  // stream cut short, a client that left): what was sent, estimated.
  const bool answered = tap.status >= 200 && tap.status < 300 && tap.bytes_out > 0;
  if (!u.reported && answered) {
    // A condensed request's prompt is the condensed one.
    r.prompt_tokens = tap.effective_context > 0 ? tap.effective_context : prompt.prompt_tokens(tap.model);
    r.completion_tokens = answer_tokens(tap.bytes_out, r.prompt_tokens, prompt.request_bytes);
    r.tokens_estimated = true;
  }
  r.cost = routing::cost_of(tap.prices, {r.prompt_tokens, r.completion_tokens, r.cached_tokens, r.cache_write_tokens,
                                         r.reasoning_tokens});
  r.latency_ms = ms_between(ctx.started, now);
  r.ttfb_ms = tap.status == 0 ? -1 : ms_between(ctx.started, tap.first_byte);
  r.status = tap.status;
  if (tap.error) r.error_kind = error_kind_name(*tap.error);
  r.streamed = tap.streamed;
  r.aborted = aborted;
  return r;
}

void record_usage(const RequestContext& ctx, std::string_view requested_model, const PromptMeasure& prompt,
                  bool aborted) {
  if (!ctx.usage.on()) return;
  ctx.usage.recorder->record(make_usage_record(ctx, requested_model, prompt, aborted));
}

}  // namespace aisbf

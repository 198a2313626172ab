#include "pipeline/provider_probe.hpp"

#include <cmath>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "api/provider_model_json.hpp"
#include "auth/secret_box.hpp"
#include "core/log_text.hpp"
#include "http/endpoint.hpp"
#include "http/sse_parser.hpp"
#include "pipeline/request_deadline.hpp"
#include "pipeline/upstream_target.hpp"
#include "providers/registry.hpp"

namespace aisbf {

namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

// A one-token answer is small; a stream-only upstream's events for it too.
constexpr std::size_t kMaxChatBytes = 1024 * 1024;
// A model list: OpenRouter's, the longest known, is ~1 MiB.
constexpr std::size_t kMaxListBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxProbesPerNamespace = 2;
constexpr std::size_t kMaxReplyChars = 200;
constexpr std::size_t kMinSecretToMask = 6;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

Timeouts probe_timeouts(const ProviderConfig& provider, const ModelConfig* model) {
  return clipped_to(effective_timeouts(provider, model), kProbeTimeCap);
}

std::string no_list_reason(const ProviderConfig& provider) {
  if (provider.preset == "azure_openai")
    return "Azure lists deployments on its management API, not beside the chat route";
  if (provider.type == "codex") return "the ChatGPT backend behind codex has no model list";
  if (find_provider_adapter(provider.type, provider.api) == nullptr)
    return fmt::format("provider type '{}' is not built yet", provider.type);
  return {};
}

void keep_secret_out(std::optional<GatewayError>& error, const ProviderConfig& provider) {
  if (error) error->message = without_secret(std::move(error->message), provider.api_key);
}

std::string reply_text(const ChatResponse& response) {
  std::string text;
  for (const auto& block : response.message.content) {
    if (const auto* t = std::get_if<TextBlock>(&block)) text += t->text;
  }
  if (text.size() > kMaxReplyChars) text.resize(kMaxReplyChars);
  return text;
}

// A stream-only upstream's whole answer through its decoder: the text, or
// the error an event reported (or the stream's early end).
std::optional<GatewayError> read_stream(const ProviderAdapter& adapter, std::string_view body, std::string& reply) {
  auto decoder = adapter.make_stream_decoder();
  auto take = [&reply](std::vector<StreamEvent>& events) {
    for (const auto& event : events) {
      if (const auto* t = std::get_if<TextDelta>(&event); t != nullptr && reply.size() < kMaxReplyChars)
        reply += t->text;
    }
  };
  sse::Parser parser(kMaxChatBytes);
  parser.feed(body);
  sse::Event ev;
  sse::Status status;
  while ((status = parser.next(ev)) == sse::Status::event) {
    if (!ev.has_data) continue;
    auto events = decoder->on_event(ev.event, ev.data);
    if (!events) return events.take_error();
    take(*events);
  }
  if (status == sse::Status::too_large) {
    return make_error(ErrorKind::upstream_protocol, "the upstream sent an event too large", "upstream_protocol");
  }
  auto last = decoder->on_end();
  if (!last) return last.take_error();
  take(*last);
  if (reply.size() > kMaxReplyChars) reply.resize(kMaxReplyChars);
  return std::nullopt;
}

// One user message, one token back. A stream-only upstream is asked for a
// stream; its answer counts as a success when it came whole with a 200 and
// its decoder saw no error event.
boost::asio::awaitable<void> chat_once(http::UpstreamPool& pool, const ProviderConfig& provider, ChatProbe& out,
                                       RequestContext& ctx) {
  const ProviderAdapter* adapter = find_provider_adapter(provider.type, provider.api);
  const ModelConfig* model = provider.find_model(out.model);
  const UpstreamTarget target = upstream_target(provider, model, out.model);
  ChatRequest request;
  request.model = out.model;
  request.messages.push_back(Message{Role::user, {TextBlock{"Say OK."}}, {}});
  request.max_tokens = 1;
  request.stream = adapter->stream_only(target);
  auto encoded = adapter->encode_chat(request, target);
  if (!encoded) {
    out.error = encoded.take_error();
    co_return;
  }
  auto endpoint = http::provider_endpoint(target.endpoint, provider);
  if (!endpoint) {
    out.error = make_error(ErrorKind::invalid_request, "endpoint is not an http(s) URL", "invalid_config", "endpoint");
    co_return;
  }
  http::OutgoingRequest outgoing;
  outgoing.method = encoded->method;
  outgoing.target = endpoint->base_path + encoded->path_suffix;
  outgoing.headers = encoded->headers;
  outgoing.headers.emplace_back("Accept", request.stream ? "text/event-stream" : "application/json");
  outgoing.headers.emplace_back("Accept-Encoding", "identity");
  outgoing.headers.emplace_back("User-Agent", "aisbf/" AISBF_VERSION);
  outgoing.body = encoded->body;

  const auto start = Clock::now();
  http::UpstreamCall call(pool, *endpoint, probe_timeouts(provider, model), provider.id);
  ctx.cancel.connect([&call] { call.cancel(); });
  Expected<std::string> body = std::string();
  if (auto failed = co_await call.start(outgoing)) {
    body = std::move(*failed);
  } else {
    body = co_await call.read_all(kMaxChatBytes);
  }
  ctx.cancel.disconnect();
  out.ran = true;
  out.latency_ms = ms_since(start);
  if (!body) {
    out.error = body.take_error();
  } else if (call.status() != 200) {
    out.error = adapter->classify_error(call.status(), *body, target);
  } else if (request.stream) {
    out.error = read_stream(*adapter, *body, out.reply);
  } else {
    auto decoded = adapter->decode_chat(*body);
    if (decoded)
      out.reply = reply_text(*decoded);
    else
      out.error = decoded.take_error();
  }
}

double rounded(double ms) { return std::round(ms * 10) / 10; }

json::object step_json(const ProbeStep& step) {
  json::object out;
  if (!step.ran) {
    out["ok"] = nullptr;
    out["skipped"] = step.skipped;
    return out;
  }
  out["ok"] = !step.error;
  out["latency_ms"] = rounded(step.latency_ms);
  if (step.error) {
    out["error"] =
        json::object{{"message", step.error->message},
                     {"code", step.error->code.empty() ? json::value(nullptr) : json::value(step.error->code)},
                     {"status", step.error->status}};
  }
  return out;
}

json::object model_json(const ProviderModel& m, const ProviderConfig& provider) {
  json::object out{{"id", m.id}};
  api::add_provider_model_facts(out, m);
  if (!out.contains("capabilities")) out["capabilities"] = json::array();
  out["configured"] = provider.find_model(m.id) != nullptr;
  return out;
}

}  // namespace

std::string probe_report_json(const ProbeReport& report, std::string_view id) {
  json::object models = step_json(report.models);
  if (report.models.ran && !report.models.error)
    models["count"] = report.models.truncated ? report.models.listed : report.models.models.size();
  json::object chat = step_json(report.chat);
  if (!report.chat.model.empty()) chat["model"] = report.chat.model;
  if (report.chat.ran && !report.chat.error) chat["reply"] = report.chat.reply;
  return json::serialize(
      json::object{{"ok", report.ok()}, {"provider", id}, {"models", std::move(models)}, {"chat", std::move(chat)}});
}

std::string upstream_models_json(const ModelsProbe& probe, const ProviderConfig& provider, std::string_view id) {
  json::array data;
  for (const auto& m : probe.models) data.push_back(model_json(m, provider));
  json::object out{
      {"object", "list"}, {"provider", id}, {"latency_ms", rounded(probe.latency_ms)}, {"data", std::move(data)}};
  if (probe.truncated) {
    out["truncated"] = true;
    out["total"] = probe.listed;
  }
  return json::serialize(out);
}

ProbeSlots::Slot& ProbeSlots::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    ns_ = std::move(other.ns_);
  }
  return *this;
}

void ProbeSlots::Slot::release() {
  if (owner_ == nullptr) return;
  std::lock_guard lock(owner_->mutex_);
  auto it = owner_->taken_.find(ns_);
  if (it != owner_->taken_.end() && --it->second == 0) owner_->taken_.erase(it);
  owner_ = nullptr;
}

ProbeSlots::Slot ProbeSlots::try_take(std::string_view ns) {
  std::lock_guard lock(mutex_);
  auto it = taken_.find(ns);
  if (it == taken_.end()) it = taken_.emplace(std::string(ns), 0).first;
  if (it->second >= limit_) return {};
  ++it->second;
  return Slot(this, std::string(ns));
}

std::size_t ProbeSlots::in_flight(std::string_view ns) const {
  std::lock_guard lock(mutex_);
  auto it = taken_.find(ns);
  return it == taken_.end() ? 0 : it->second;
}

void cap_models(ModelsProbe& probe, std::size_t limit) {
  probe.listed = probe.models.size();
  probe.truncated = probe.models.size() > limit;
  if (probe.truncated) probe.models.resize(limit);
}

ProbeSlots& probe_slots() {
  static ProbeSlots slots(kMaxProbesPerNamespace);
  return slots;
}

std::string without_secret(std::string text, const std::string& secret) {
  if (secret.size() < kMinSecretToMask) return text;
  const std::string masked = auth::mask_secret(secret);
  for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + masked.size())) {
    text.replace(at, secret.size(), masked);
  }
  return text;
}

boost::asio::awaitable<ModelsProbe> probe_models(http::UpstreamPool& pool, const ProviderConfig& provider,
                                                 RequestContext& ctx) {
  ModelsProbe out;
  out.skipped = no_list_reason(provider);
  if (!out.skipped.empty()) co_return out;
  if (ctx.cancel.cancelled()) {
    out.skipped = "the client left";
    co_return out;
  }
  http::UpstreamCall* in_flight = nullptr;
  ctx.cancel.connect([&in_flight] {
    if (in_flight != nullptr) in_flight->cancel();
  });
  const auto start = Clock::now();
  auto models =
      co_await fetch_provider_models(pool, provider, probe_timeouts(provider, nullptr), in_flight, kMaxListBytes);
  ctx.cancel.disconnect();
  out.ran = true;
  out.latency_ms = ms_since(start);
  if (models) {
    out.models = std::move(*models);
    cap_models(out, kMaxModelsShown);
  } else {
    out.error = models.take_error();
  }
  keep_secret_out(out.error, provider);
  co_return out;
}

boost::asio::awaitable<ProbeReport> probe_provider(http::UpstreamPool& pool, const ProviderConfig& provider,
                                                   const std::string& model, RequestContext& ctx) {
  ProbeReport report;
  report.models = co_await probe_models(pool, provider, ctx);
  ChatProbe& chat = report.chat;
  chat.model = model;
  if (chat.model.empty() && !provider.models.empty()) chat.model = provider.models.front().name;
  if (chat.model.empty() && !report.models.models.empty()) chat.model = report.models.models.front().id;
  if (find_provider_adapter(provider.type, provider.api) == nullptr) {
    chat.skipped = fmt::format("provider type '{}' is not built yet", provider.type);
  } else if (chat.model.empty()) {
    chat.skipped = "no model to ask: add one to the provider, or fetch its list";
  } else if (ctx.cancel.cancelled()) {
    chat.skipped = "the client left";
  } else {
    co_await chat_once(pool, provider, chat, ctx);
    keep_secret_out(chat.error, provider);
  }
  spdlog::info("provider test '{}': models {}, chat {}", log_text(provider.id),
               report.models.ran ? (report.models.error ? "failed" : "ok") : "skipped",
               chat.ran ? (chat.error ? "failed" : "ok") : "skipped");
  co_return report;
}

}  // namespace aisbf

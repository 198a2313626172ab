// The dashboard's "test connection" and "fetch models" against one provider,
// a saved one or an unsaved draft (routes_providers.hpp): the provider's own
// model list and a one-token chat, each timed. Both run on the caller's
// worker as the gateway's other upstream calls do (coroutines, the worker's
// pool), with the provider's own timeouts capped at kProbeTimeCap and the
// bodies capped; the client leaving cancels the call in flight. Errors are
// values in the report; the provider's key is never logged nor echoed (an
// upstream message that repeats it gets it masked).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "config/config.hpp"
#include "core/expected.hpp"
#include "core/gateway_error.hpp"
#include "core/provider_adapter.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

// One provider's own model list, fetched now with its key (the catalog's
// refresh, model_catalog.hpp, and "fetch models"): its adapter's models
// path, the body capped at `max_bytes`, a provider with `public_addresses_only`
// kept off private addresses. Errors are values (an unsupported type, a bad
// endpoint, the upstream's answer classified by the adapter). `in_flight`
// points at the call while it runs, so that another coroutine on the thread
// can cancel it. (Declared here, not in model_catalog.hpp, which half the
// pipeline includes through app.hpp.)
boost::asio::awaitable<Expected<std::vector<ProviderModel>>> fetch_provider_models(http::UpstreamPool& pool,
                                                                                   const ProviderConfig& provider,
                                                                                   const Timeouts& timeouts,
                                                                                   http::UpstreamCall*& in_flight,
                                                                                   std::size_t max_bytes);

// No step of a probe waits longer than this, whatever the provider's timeouts say.
inline constexpr std::chrono::seconds kProbeTimeCap{20};
// A probe's model list keeps at most this many models (the rest: `truncated`).
inline constexpr std::size_t kMaxModelsShown = 2000;

// Probes in flight per namespace (a user's name; "" for the gateway's own
// providers, which admins probe): at most `limit` at once, so that one
// caller cannot hold many upstream calls (and their bodies, up to 4 MiB
// each) open. One table per process, shared by the workers.
class ProbeSlots {
 public:
  explicit ProbeSlots(std::size_t limit) : limit_(limit) {}
  ProbeSlots(const ProbeSlots&) = delete;
  ProbeSlots& operator=(const ProbeSlots&) = delete;

  // A slot held until destroyed; empty when none was free.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)), ns_(std::move(other.ns_)) {}
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { release(); }
    explicit operator bool() const { return owner_ != nullptr; }

   private:
    friend class ProbeSlots;
    Slot(ProbeSlots* owner, std::string ns) : owner_(owner), ns_(std::move(ns)) {}
    void release();
    ProbeSlots* owner_ = nullptr;
    std::string ns_;
  };

  Slot try_take(std::string_view ns);
  std::size_t in_flight(std::string_view ns) const;

 private:
  std::size_t limit_;
  mutable std::mutex mutex_;
  std::map<std::string, std::size_t, std::less<>> taken_;
};

// The process's table: 2 probes per namespace.
ProbeSlots& probe_slots();

struct ProbeStep {
  bool ran = false;
  std::string skipped;  // why the step did not run (empty when it ran)
  double latency_ms = 0;
  std::optional<GatewayError> error;  // the step ran and failed
};

struct ModelsProbe : ProbeStep {
  std::vector<ProviderModel> models;  // at most kMaxModelsShown
  std::size_t listed = 0;             // how many the provider listed
  bool truncated = false;             // listed > models.size()
};

struct ChatProbe : ProbeStep {
  std::string model;  // the model the chat asked
  std::string reply;  // the answer's text (a few characters)
};

struct ProbeReport {
  ModelsProbe models;
  ChatProbe chat;
  bool ok() const {
    return (models.ran ? !models.error : true) && (chat.ran ? !chat.error : true) && (models.ran || chat.ran);
  }
};

// Keeps the first `limit` models, noting how many were listed.
void cap_models(ModelsProbe& probe, std::size_t limit);

// The provider's own model list, timed (skipped for types that have none:
// codex, Azure deployments, and a client already gone), its body capped at
// 4 MiB and its models at kMaxModelsShown.
boost::asio::awaitable<ModelsProbe> probe_models(http::UpstreamPool& pool, const ProviderConfig& provider,
                                                 RequestContext& ctx);

// The model list, then a one-token chat to `model` (empty: the provider's
// first configured model, else the first model its list reported).
boost::asio::awaitable<ProbeReport> probe_provider(http::UpstreamPool& pool, const ProviderConfig& provider,
                                                   const std::string& model, RequestContext& ctx);

// The test's answer: {"ok", "provider", "models": {"ok", "latency_ms",
// "count"} | {"ok": false, "latency_ms", "error": {"message", "code",
// "status"}} | {"skipped"}, "chat": the same with "model" and "reply"}.
// `id`: the provider as the caller names it.
std::string probe_report_json(const ProbeReport& report, std::string_view id);

// "Fetch models": {"object": "list", "provider", "latency_ms", "data": [{"id",
// "name"?, "context_size"?, "max_output_tokens"?, "pricing": {"prompt",
// "completion"}? (per token), "capabilities", "configured"}], "truncated"?:
// true, "total"? (the first kMaxModelsShown of `total`)}; `configured`: the
// provider already has a model entry of that name.
std::string upstream_models_json(const ModelsProbe& probe, const ProviderConfig& provider, std::string_view id);

// `text` with every occurrence of `secret` masked (a no-op for an empty or
// very short secret, which could not be told from ordinary text).
std::string without_secret(std::string text, const std::string& secret);

}  // namespace aisbf

#include "pipeline/model_catalog.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log_text.hpp"
#include "http/endpoint.hpp"
#include "pipeline/provider_probe.hpp"
#include "pipeline/upstream_target.hpp"
#include "providers/registry.hpp"

namespace aisbf {

namespace {

constexpr std::size_t kMaxListBytes = 16 * 1024 * 1024;

// A model list is small and not worth waiting long for.
Timeouts list_timeouts() {
  Timeouts t;
  t.connect = std::chrono::seconds(5);
  t.first_byte = std::chrono::seconds(15);
  t.idle = std::chrono::seconds(15);
  t.total = std::chrono::seconds(30);
  return t;
}

}  // namespace

boost::asio::awaitable<Expected<std::vector<ProviderModel>>> fetch_provider_models(http::UpstreamPool& pool,
                                                                                   const ProviderConfig& provider,
                                                                                   const Timeouts& timeouts,
                                                                                   http::UpstreamCall*& in_flight,
                                                                                   std::size_t max_bytes) {
  const ProviderAdapter* adapter = find_provider_adapter(provider.type, provider.api);
  if (adapter == nullptr) {
    co_return make_error(ErrorKind::unsupported, fmt::format("provider type '{}' is not built yet", provider.type));
  }
  UpstreamTarget target = upstream_target(provider, nullptr, {});
  auto endpoint = http::provider_endpoint(target.endpoint, provider);
  if (!endpoint) co_return make_error(ErrorKind::invalid_request, "endpoint is not an http(s) URL");
  http::OutgoingRequest request;
  request.method = "GET";
  request.target = endpoint->base_path + adapter->models_path(target);
  request.headers = adapter->auth_headers(target);
  request.headers.emplace_back("Accept", "application/json");
  request.headers.emplace_back("Accept-Encoding", "identity");
  request.headers.emplace_back("User-Agent", "aisbf/" AISBF_VERSION);
  http::UpstreamCall call(pool, *endpoint, timeouts, provider.id);
  in_flight = &call;
  std::optional<GatewayError> failed = co_await call.start(request);
  Expected<std::string> body = std::string();
  if (failed) {
    body = std::move(*failed);
  } else {
    body = co_await call.read_all(max_bytes);
  }
  in_flight = nullptr;
  if (!body) co_return body.take_error();
  if (call.status() != 200) co_return adapter->classify_error(call.status(), *body, target);
  co_return adapter->decode_models(*body);
}

bool should_fetch_models(const ProviderConfig& provider) {
  if (find_provider_adapter(provider.type, provider.api) == nullptr) return false;
  // Azure lists deployments on a management API, not beside the chat route.
  if (provider.preset == "azure_openai") return false;
  // The ChatGPT backend behind `codex` has no OpenAI model list.
  if (provider.type == "codex") return false;
  if (upstream_target(provider, nullptr, {}).endpoint.empty()) return false;
  if (!provider.api_key_required) return true;
  return !provider.api_key.empty() && provider.api_key.rfind("YOUR_", 0) != 0;
}

std::shared_ptr<const FetchedModels> ModelCatalog::snapshot() const {
  std::lock_guard lock(mutex_);
  return models_;
}

boost::asio::awaitable<void> ModelCatalog::refresh(http::UpstreamPool& pool, const Config& config) {
  auto next = std::make_shared<FetchedModels>(*snapshot());  // a failed fetch keeps the last good list
  for (const auto& provider : config.providers) {
    if (stopped_) co_return;
    if (!should_fetch_models(provider)) {
      next->erase(provider.id);
      continue;
    }
    auto models = co_await fetch_provider_models(pool, provider, list_timeouts(), in_flight_, kMaxListBytes);
    if (models) {
      (*next)[provider.id] = std::move(*models);
    } else {
      spdlog::warn("model list of provider '{}' not refreshed: {}", provider.id, log_text(models.error().message));
    }
  }
  std::erase_if(*next, [&](const auto& entry) { return config.find_provider(entry.first) == nullptr; });
  std::lock_guard lock(mutex_);
  models_ = std::move(next);
}

boost::asio::awaitable<void> ModelCatalog::run(http::UpstreamPool& pool,
                                               std::function<std::shared_ptr<const Config>()> config) {
  boost::asio::steady_timer timer(pool.io());
  timer_ = &timer;
  while (!stopped_) {
    co_await refresh(pool, *config());
    if (stopped_) break;
    timer.expires_after(interval_);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  timer_ = nullptr;
}

void ModelCatalog::stop() {
  stopped_ = true;
  if (timer_ != nullptr) timer_->cancel();
  if (in_flight_ != nullptr) in_flight_->cancel();
}

}  // namespace aisbf

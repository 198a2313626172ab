// ModelCatalog: the models each provider's own list reports, fetched with the
// provider's key, refreshed in the background, read by the model-list routes.
// One per process; reads take a snapshot, the refresher swaps in a new one.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/config.hpp"
#include "core/provider_adapter.hpp"
#include "http/upstream_client.hpp"

namespace aisbf {

using FetchedModels = std::map<std::string, std::vector<ProviderModel>>;  // provider id → its models

// Providers whose list is fetched: an adapter exists, and a required key is
// set and not one of AISBF's placeholders ("YOUR_…").
bool should_fetch_models(const ProviderConfig& provider);

class ModelCatalog {
 public:
  explicit ModelCatalog(std::chrono::seconds refresh_interval) : interval_(refresh_interval) {}

  std::shared_ptr<const FetchedModels> snapshot() const;

  // Fetches every eligible provider's list now and then every interval,
  // until stop(). Runs on one worker's io_context with that worker's pool.
  boost::asio::awaitable<void> run(http::UpstreamPool& pool, std::function<std::shared_ptr<const Config>()> config);
  // Called on the same worker: ends the loop (shutdown).
  void stop();

 private:
  boost::asio::awaitable<void> refresh(http::UpstreamPool& pool, const Config& config);

  std::chrono::seconds interval_;
  mutable std::mutex mutex_;
  std::shared_ptr<const FetchedModels> models_ = std::make_shared<FetchedModels>();
  boost::asio::steady_timer* timer_ = nullptr;
  http::UpstreamCall* in_flight_ = nullptr;
  bool stopped_ = false;
};

}  // namespace aisbf

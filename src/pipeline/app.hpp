// App: the gateway's request handler. Holds the live configuration snapshot,
// authenticates, routes, and runs the pipeline for chat requests.
#pragma once

#include <atomic>
#include <memory>

#include <boost/asio/awaitable.hpp>

#include "config/config.hpp"
#include "http/exchange.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/model_catalog.hpp"
#include "routing/rotation.hpp"

namespace aisbf {

class App {
 public:
  explicit App(std::shared_ptr<const Config> config);

  // The live snapshot and the routing table built from it, swapped together.
  std::shared_ptr<const routing::RoutingTable> routes() const { return routes_.load(std::memory_order_acquire); }
  std::shared_ptr<const Config> config() const { return routes()->config_ptr(); }
  void replace_config(std::shared_ptr<const Config> next);

  boost::asio::awaitable<void> handle(http::Exchange& exchange);

  // Background refresh of the providers' own model lists (on one worker).
  void start_background(boost::asio::io_context& io, http::UpstreamPool& pool);
  void stop_background();

 private:
  std::shared_ptr<ModelCatalog> catalog_ = std::make_shared<ModelCatalog>(std::chrono::minutes(10));
  std::atomic<std::shared_ptr<const routing::RoutingTable>> routes_;
  std::unique_ptr<GatewayState> state_;
  std::atomic<std::uint64_t> next_request_{1};
  bool loopback_only_;
};

}  // namespace aisbf

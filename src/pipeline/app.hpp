// App: the gateway's request handler. Holds the live configuration snapshot
// and what is derived from it, admits requests from their head (Host check,
// principal, route policy) and dispatches them through the route table.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "config/config.hpp"
#include "http/exchange.hpp"
#include "mcp/sessions.hpp"
#include "ops/acme_challenges.hpp"
#include "ops/tor_state.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/model_catalog.hpp"
#include "pipeline/quota_reconcile.hpp"
#include "pipeline/usage_routes.hpp"
#include "pipeline/user_views.hpp"
#include "routing/rotation.hpp"

namespace aisbf {

namespace store {
class Store;
}
class Accounts;
class AcmeRunner;
class TorService;

struct AppOptions {
  std::filesystem::path config_dir;  // where reloads read the four files
  // The address the server is bound to: it wins over every snapshot's
  // server.host (a reload cannot move the listener; the Host check and the
  // loopback-only rule follow the real address). Empty: the config's.
  std::string listen_host;
  // Users, tokens and sessions (opened and migrated by the caller). None:
  // only aisbf.json's global tokens, and the account routes answer 503.
  std::shared_ptr<store::Store> store;
  // --allow-unauthenticated: also lets tor publish an onion service (which
  // anyone can reach) while auth is off.
  bool allow_unauthenticated = false;
};

struct ReloadOutcome {
  bool ok = false;
  std::vector<Diagnostic> diagnostics;  // warnings (ok) or the errors that kept the old snapshot
};
// The answer to POST /api/admin/reload (200 when ok, 400 otherwise).
std::string reload_json(const ReloadOutcome& outcome);

class App {
 public:
  explicit App(std::shared_ptr<const Config> config, AppOptions options = {});
  ~App();

  // The live snapshot and what is derived from it, swapped together.
  struct Live {
    std::shared_ptr<const routing::RoutingTable> routes;  // holds the Config
    bool loopback_only = false;  // the listener is loopback: Host names must be local
    std::uint64_t generation = 0;  // unique per swap
    const Config& config() const { return routes->config(); }
  };
  std::shared_ptr<const routing::RoutingTable> routes() const { return live_.load(std::memory_order_acquire)->routes; }
  std::shared_ptr<const Config> config() const { return routes()->config_ptr(); }
  // Recomputes everything derived from the config and swaps it in; requests
  // in flight keep the snapshot they started with.
  void replace_config(std::shared_ptr<const Config> next);

  // Reads the config directory again (blocking: the signal thread or the
  // reload thread). On errors the running snapshot stays; diagnostics logged.
  ReloadOutcome reload();
  // reload() on the App's own thread, awaited from a worker.
  boost::asio::awaitable<ReloadOutcome> reload_in_background();
  // Runs `job` on the reload thread under the reload mutex, awaited from a
  // worker: the admin API's config edits (read the files, write them, swap
  // with replace_config) never interleave with a reload or another edit.
  boost::asio::awaitable<void> run_exclusive(std::function<void()> job);
  const std::filesystem::path& config_dir() const { return options_.config_dir; }
  // aisbf.json as read when the App was made (the server started): what the
  // start-only settings (config_edit.hpp) in effect are, whatever was
  // written or reloaded since.
  const boost::json::object& started_settings() const { return started_settings_; }

  // The server's HeaderCheck: the verdict on a request from its head alone.
  http::HeaderVerdict check_head(const http::Request& request);
  // ServerOptions::on_server_answer: a new id, and the answer's access line.
  std::string server_answer(int status, std::string_view client);

  boost::asio::awaitable<void> handle(http::Exchange& exchange);

  // Background work on one worker: the providers' own model lists, the
  // accounts' upkeep, with server.domain set the ACME certificate, and the
  // onion service when the starting snapshot enables tor (its target is
  // `listen_port`, the port actually bound).
  void start_background(boost::asio::io_context& io, http::UpstreamPool& pool);
  void stop_background();
  // Before serving (main's thread): the port bound, and with it the onion
  // service made (not yet started) when the starting snapshot enables tor.
  void set_listen_port(std::uint16_t port);
  // The onion service's state (phase disabled when tor was off at start).
  ops::TorState tor_state() const;
  // The onion service is published or being published (not refused or
  // withdrawn): anyone on TOR reaches this gateway.
  bool onion_published() const;
  bool unauthenticated_allowed() const { return options_.allow_unauthenticated; }

  ModelCatalog& catalog() { return *catalog_; }
  UserViews& user_views() { return *user_views_; }
  GatewayState& state() { return *state_; }
  // MCP's sessions (Streamable HTTP), bounded by the snapshot's mcp section.
  mcp::Sessions& mcp_sessions() { return mcp_sessions_; }
  // The ACME http-01 challenges in flight (the runner puts, the public
  // /.well-known/acme-challenge/{token} route reads).
  acme::ChallengeStore& acme_challenges() { return acme_challenges_; }
  // The store, its DB threads, the account index and the login throttle;
  // nullptr without a store.
  Accounts* accounts() { return accounts_.get(); }

  // Usage accounting (set by main before serving; all null: off).
  UsageWiring usage;
  // The server's open client connections (GET /metrics); set by main, empty: not reported.
  std::function<std::uint64_t()> open_connections;
  // The answers the HTTP layer sent itself, status → count (http::Server::server_answers); empty: not reported.
  std::function<std::vector<std::pair<int, std::uint64_t>>()> server_answers;

 private:
  const Live& current();
  std::string next_request_id();
  // Why `config` may not publish an onion service ("" when it may).
  std::string tor_refusal(const Config& config) const;

  AppOptions options_;
  boost::json::object started_settings_;
  std::shared_ptr<ModelCatalog> catalog_ = std::make_shared<ModelCatalog>(std::chrono::minutes(10));
  std::atomic<std::shared_ptr<const Live>> live_;
  // Bumped by every swap: a worker re-reads live_ (a locked load) only when
  // it changed, and otherwise uses its thread's copy.
  std::atomic<std::uint64_t> generation_{1};
  std::unique_ptr<GatewayState> state_;
  std::unique_ptr<UserViews> user_views_ = std::make_unique<UserViews>();
  mcp::Sessions mcp_sessions_{1'000, std::chrono::hours(1)};
  std::unique_ptr<Accounts> accounts_;
  std::unique_ptr<TorService> tor_;
  std::uint16_t listen_port_ = 0;
  // The onion service's host name once tor gave it: every snapshot accepts
  // it in Host headers (server.allowed_hosts) as a loopback listener would
  // refuse it. Written and read under reload_mutex_; retired_onion_host_ is
  // the name before it (tor restarted, ephemeral), taken out of the list.
  std::string onion_host_;
  std::string retired_onion_host_;
  QuotaReconciler quota_reconciler_;
  acme::ChallengeStore acme_challenges_;
  std::unique_ptr<AcmeRunner> acme_runner_;
  std::atomic<std::uint64_t> next_request_{1};
  std::mutex reload_mutex_;  // one reload at a time, swapped in the order read
  boost::asio::thread_pool reload_thread_{1};
};

}  // namespace aisbf

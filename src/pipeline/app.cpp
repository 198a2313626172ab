#include "pipeline/app.hpp"

#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "auth/host_check.hpp"
#include "config/prompt_files.hpp"
#include "core/ip_range.hpp"
#include "dashboard/assets.hpp"
#include "ops/access_log.hpp"
#include "pipeline/accounts.hpp"
#include "pipeline/acme_runner.hpp"
#include "pipeline/admission.hpp"
#include "pipeline/cors_gate.hpp"
#include "pipeline/mcp_routes.hpp"
#include "pipeline/pending_auth.hpp"
#include "pipeline/request_metrics.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/response_cache.hpp"
#include "pipeline/route_table.hpp"
#include "pipeline/stored_responses.hpp"
#include "pipeline/tor_service.hpp"

namespace aisbf {

namespace {

std::string request_id_prefix() {
  std::random_device rd;
  return fmt::format("req_{:08x}", rd());
}

// Unique across every App of the process, so a thread's cached snapshot can
// never be mistaken for another App's.
std::atomic<std::uint64_t> g_generations{0};

void log_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) {
    if (d.severity == Diagnostic::Severity::error) spdlog::error("{}", format_diagnostic(d));
    else spdlog::warn("{}", format_diagnostic(d));
  }
}

boost::asio::awaitable<void> send_early(http::Exchange& ex, const http::EarlyAnswer& answer) {
  co_await ex.send(answer.status, answer.content_type, answer.body, answer.headers);
}

}  // namespace

std::string reload_json(const ReloadOutcome& outcome) {
  boost::json::array lines;
  for (const auto& d : outcome.diagnostics) lines.emplace_back(format_diagnostic(d));
  boost::json::object body;
  if (outcome.ok) {
    body["reloaded"] = true;
    body["warnings"] = std::move(lines);
  } else {
    body["error"] = boost::json::object{{"message", "the configuration has errors; the running one is unchanged"},
                                        {"type", "invalid_request_error"},
                                        {"param", nullptr},
                                        {"code", "invalid_config"}};
    body["diagnostics"] = std::move(lines);
  }
  return boost::json::serialize(body);
}

App::App(std::shared_ptr<const Config> config, AppOptions options)
    : options_(std::move(options)),
      started_settings_(config->aisbf),
      state_(GatewayState::in_process(std::random_device{}(),
                                      static_cast<std::size_t>(config->routing.max_tracked_keys),
                                      config->autoselect_defaults.cache_max_entries)) {
  // Made even when the snapshot uses none, so that a reload that turns it
  // on finds one; its backend and bounds are read at start only.
  state_->response_cache = make_response_cache(config->response_cache);
  if (options_.store) accounts_ = std::make_unique<Accounts>(options_.store);
  if (accounts_) {  // users' namespaces read the same store, on the same DB threads
    user_views_->attach(&accounts_->store(), &accounts_->db(), &accounts_->index(),
                        options_.config_dir / "secret.key");
    // Kept Responses answers (stored_responses.hpp): on the same store and DB threads.
    if (auto* responses = store::response_store_of(accounts_->store()))
      state_->stored_responses = std::make_unique<StoredResponses>(*responses, accounts_->db());
  }
  replace_config(std::move(config));
}

App::~App() { reload_thread_.join(); }

void App::replace_config(std::shared_ptr<const Config> next) {
  next = with_prompt_texts(std::move(next));
  if (!options_.listen_host.empty() && next->server.host != options_.listen_host) {
    auto adjusted = std::make_shared<Config>(*next);
    adjusted->server.host = options_.listen_host;
    next = std::move(adjusted);
  }
  if (!onion_host_.empty()) {  // the onion service's requests carry its name in Host
    auto adjusted = std::make_shared<Config>(*next);
    auto& hosts = adjusted->server.allowed_hosts;  // once, and not the name it replaced
    std::erase_if(hosts, [this](const std::string& h) { return h == onion_host_ || h == retired_onion_host_; });
    hosts.push_back(onion_host_);
    next = std::move(adjusted);
  }
  // A snapshot that may not publish (auth turned off, tor's address made a
  // trusted proxy) takes the published service down: SIGHUP, the admin
  // reload, any edit.
  const std::string tor_refused = tor_ && tor_->active() ? tor_refusal(*next) : std::string();
  mcp_sessions_.set_limits(next->mcp.max_sessions, next->mcp.session_idle_timeout);
  const auto previous = live_.load(std::memory_order_acquire);  // null in the constructor
  auto live = std::make_shared<Live>();
  live->loopback_only = auth::is_loopback_name(next->server.host);
  live->routes = std::make_shared<const routing::RoutingTable>(std::move(next));
  live->generation = g_generations.fetch_add(1, std::memory_order_relaxed) + 1;
  for (const auto& warning : live->routes->warnings()) spdlog::warn("rotations.json: {}", warning);
  const auto generation = live->generation;
  live_.store(std::move(live), std::memory_order_release);
  generation_.store(generation, std::memory_order_release);
  if (acme_runner_ && previous) {
    // A domain set or changed by a reload is tried now, not at the next daily
    // check; after the swap, so that the runner reads the new settings.
    const ServerConfig& before = previous->config().server;
    const auto current = config();
    const ServerConfig& after = current->server;
    if (before.domain != after.domain || before.acme_email != after.acme_email ||
        before.acme_directory != after.acme_directory || before.acme_ca_file != after.acme_ca_file)
      acme_runner_->nudge();
  }
  if (!tor_refused.empty()) tor_->withdraw(tor_refused + " The onion service is removed until aisbf restarts.");
}

const App::Live& App::current() {
  struct Cache {
    std::uint64_t generation = 0;
    std::shared_ptr<const Live> live;
  };
  thread_local Cache cache;
  const auto generation = generation_.load(std::memory_order_acquire);
  if (cache.generation != generation) {
    cache.live = live_.load(std::memory_order_acquire);
    cache.generation = generation;
  }
  return *cache.live;
}

ReloadOutcome App::reload() {
  std::lock_guard lock(reload_mutex_);
  ReloadOutcome outcome;
  static const auto reserved = reserved_route_words();
  auto loaded = load_config(options_.config_dir, {.reserved_route_words = reserved});
  log_diagnostics(loaded.diagnostics);
  outcome.diagnostics = std::move(loaded.diagnostics);
  if (!loaded.ok()) {
    spdlog::error("reload: {} has errors; still serving the previous configuration", options_.config_dir.string());
    return outcome;
  }
  const auto& before = config()->server;
  const auto& after = loaded.config->server;
  if (before.port != after.port || (options_.listen_host.empty() && before.host != after.host))
    spdlog::warn("reload: server.host and server.port take effect at the next start");
  replace_config(loaded.config);
  outcome.ok = true;
  spdlog::info("reload: serving {} providers, {} rotations from {}", loaded.config->providers.size(),
               loaded.config->rotations.size(), options_.config_dir.string());
  return outcome;
}

boost::asio::awaitable<ReloadOutcome> App::reload_in_background() {
  // Reading files blocks: not on a worker's loop.
  co_return co_await boost::asio::co_spawn(
      reload_thread_, [this]() -> boost::asio::awaitable<ReloadOutcome> { co_return reload(); },
      boost::asio::use_awaitable);
}

boost::asio::awaitable<void> App::run_exclusive(std::function<void()> job) {
  co_await boost::asio::co_spawn(
      reload_thread_,
      [this, &job]() -> boost::asio::awaitable<void> {
        std::lock_guard lock(reload_mutex_);
        try {
          job();
        } catch (const std::exception& e) {  // a bug: the caller answers 500 from its untouched outcome
          spdlog::error("config job failed: {}", e.what());
        }
        co_return;
      },
      boost::asio::use_awaitable);
}

void App::start_background(boost::asio::io_context& io, http::UpstreamPool& pool) {
  if (tor_) tor_->start(io);  // nothing when refused
  auto catalog = catalog_;
  boost::asio::co_spawn(io, catalog->run(pool, [this] { return config(); }),
                        [catalog](std::exception_ptr e) {
                          if (e) spdlog::error("model list refresh stopped by an exception");
                        });
  if (accounts_) {
    boost::asio::co_spawn(io, accounts_->upkeep(io, accounts_refresh_interval(*config())), [](std::exception_ptr e) {
      if (e) spdlog::error("accounts upkeep stopped by an exception");
    });
    boost::asio::co_spawn(io, quota_reconciler_.run(io, accounts_->db(), accounts_->store(), *state_->quotas),
                          [](std::exception_ptr e) {
                            if (e) spdlog::error("quota reconciliation stopped by an exception");
                          });
  }
  {
    std::lock_guard lock(reload_mutex_);  // replace_config() nudges it from the reload thread
    acme_runner_ = std::make_unique<AcmeRunner>(io, acme_challenges_);
  }
  auto live_config = [this] { return config(); };
  boost::asio::co_spawn(io, acme_runner_->run(live_config, options_.config_dir), [](std::exception_ptr e) {
    if (e) spdlog::error("acme: the certificate upkeep stopped by an exception");
  });
}

namespace {

// Where tor forwards the onion's connections: the bound address when it is
// one (a name, or every address: loopback).
std::string tor_target_address(const std::string& host) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec || address.is_unspecified()) return "127.0.0.1";
  return host;
}

std::string tor_target(const std::string& host, std::uint16_t port) {
  const auto address = tor_target_address(host);
  return address.find(':') != std::string::npos ? fmt::format("[{}]:{}", address, port)
                                                : fmt::format("{}:{}", address, port);
}

}  // namespace

std::string App::tor_refusal(const Config& config) const {
  if (!config.auth.enabled && !options_.allow_unauthenticated) {
    // Anyone on the TOR network could use the gateway, admin routes included.
    return "refusing to publish an onion service with auth disabled: anyone could spend your provider keys. "
           "Enable auth in aisbf.json or pass --allow-unauthenticated.";
  }
  // tor's connections come from the target address (from 127.0.0.1 to any
  // loopback one): a trusted proxy there would make any TOR client's
  // X-Forwarded-For/-Proto/-Host believed.
  const auto target = tor_target_address(config.server.host);
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(target, ec);
  std::vector<std::string> sources{target};
  if (!ec && address.is_loopback()) sources.insert(sources.end(), {"127.0.0.1", "::1"});
  for (const auto& source : sources) {
    if (in_any_range(config.server.trusted_proxies, source)) {
      return fmt::format(
          "refusing to publish an onion service: server.trusted_proxies covers {}, where tor's connections come "
          "from, so any TOR client's X-Forwarded-* headers would be believed. Take it out of trusted_proxies, or "
          "keep the onion service off (tor.enabled: false) while a proxy on this host is trusted.",
          source);
    }
    if (config.server.metrics && in_any_range(config.server.metrics_allow, source)) {
      return fmt::format(
          "refusing to publish an onion service: server.metrics_allow covers {}, where tor's connections come "
          "from, so any TOR client could read /metrics. Take it out of metrics_allow (leave metrics_allow out "
          "to need server.metrics_token while tor is on), or set server.metrics: false.",
          source);
    }
  }
  return {};
}

void App::set_listen_port(std::uint16_t port) {
  listen_port_ = port;
  const Config& config = *this->config();
  if (!config.tor.enabled || tor_) return;
  TorServiceOptions options;
  options.config = config.tor;
  options.target = tor_target(config.server.host, listen_port_);
  // Running once the name is accepted in Host headers: a client told
  // "running" is not refused for its Host.
  options.on_address = [this](const std::string& host) {
    boost::asio::post(reload_thread_, [this, host] {
      std::lock_guard lock(reload_mutex_);
      if (onion_host_ != host) {
        retired_onion_host_ = onion_host_;
        onion_host_ = host;
        replace_config(this->config());
      }
      tor_->confirm(host);
    });
  };
  options.run_blocking = [this](std::function<void()> job) { boost::asio::post(reload_thread_, std::move(job)); };
  // Made here, before the workers run: handlers read tor_ without a lock.
  tor_ = std::make_unique<TorService>(std::move(options));
  if (auto reason = tor_refusal(config); !reason.empty()) tor_->refuse(std::move(reason));
}

ops::TorState App::tor_state() const { return tor_ ? tor_->state() : ops::TorState{}; }

bool App::onion_published() const { return tor_ && tor_->active(); }

void App::stop_background() {
  if (tor_) tor_->stop();  // DEL_ONION, then the control connection closes
  catalog_->stop();
  mcp_sessions_.close_all();  // their server-to-client streams end, their calls stop
  if (accounts_) accounts_->stop();  // and the last-used stamps go to the store
  quota_reconciler_.stop();
  if (acme_runner_) acme_runner_->stop();
}

std::string App::next_request_id() {
  static const std::string prefix = request_id_prefix();
  return fmt::format("{}{:x}", prefix, next_request_.fetch_add(1, std::memory_order_relaxed));
}

std::string App::server_answer(int status, std::string_view client) {
  auto id = next_request_id();
  record_server_answer(*state_, status, client, id);
  return id;
}

http::HeaderVerdict App::check_head(const http::Request& request) {
  const Live& live = current();
  const Config& config = live.config();
  http::HeaderVerdict verdict;
  if (is_cors_preflight(request)) {
    if ((verdict.refuse = cors_preflight(request, config, next_request_id()))) return verdict;
  }
  Admission admission = admit(request, config, live.loopback_only, accounts_ ? &accounts_->index() : nullptr);
  if (admission.refusal) {
    verdict.refuse = early_answer(*admission.refusal, admission.format, next_request_id());
    add_cors_headers(request, config, admission.match, verdict.refuse->headers);
    if (dashboard::under_dashboard(std::string_view(request.target()))) {
      for (const auto& header : dashboard::security_headers()) verdict.refuse->headers.push_back(header);
    }
    const auto row =
        admission.route != nullptr ? static_cast<std::size_t>(admission.route - route_table().data()) : kUnmatchedRoute;
    record_refusal(*state_, config, request, *verdict.refuse, std::min(row, kUnmatchedRoute),
                   admission.route != nullptr ? admission.route->spec.name : std::string_view("-"));
    return verdict;
  }
  // Auth is on and the route needs none: the caller is not known, so it
  // gets the small limit.
  const bool unauthenticated = config.auth.enabled && !admission.principal.authenticated() && !admission.mcp_token;
  verdict.body_limit = unauthenticated ? config.server.max_unauthenticated_body_bytes : config.server.max_body_bytes;
  // An upload is read by its handler as it arrives, within its own limit:
  // a caller still pending (a token another instance made) is settled
  // before the handler runs, so before any byte of it is read.
  if (admission.route->spec.body == api::BodyRule::multipart) {
    verdict.stream_body = true;
    verdict.body_limit = config.server.max_upload_bytes;
  }
  if (auto head = admitted_head(admission, live.generation, &request)) verdict.prelude = *head;
  return verdict;
}

boost::asio::awaitable<void> App::handle(http::Exchange& ex) {
  RequestContext ctx;
  bool loopback_only = false;
  std::uint64_t generation = 0;
  {
    const Live& live = current();  // only until the first co_await: the thread's copy may change
    ctx.routes = live.routes;
    loopback_only = live.loopback_only;
    generation = live.generation;
  }
  ctx.config = ctx.routes->config_ptr();
  ctx.state = state_.get();
  ctx.started = std::chrono::steady_clock::now();
  std::string forwarded_id = trusted_request_id(ex, *ctx.config);
  ctx.request_id = forwarded_id.empty() ? next_request_id() : std::move(forwarded_id);
  ex.set_request_id(ctx.request_id);  // on every answer, errors included
  if (const auto trace = ex.request()["traceparent"];
      !trace.empty() && ops::valid_traceparent(std::string_view(trace.data(), trace.size())))
    ctx.traceparent = std::string_view(trace.data(), trace.size());
  RequestRecord record(ex, ctx);      // metrics and the access-log line when the request ends
  if (is_cors_preflight(ex.request())) {  // when no header check answered it
    if (auto answer = cors_preflight(ex.request(), *ctx.config, ctx.request_id))
      co_return co_await send_early(ex, *answer);
  }
  // The header check admitted it on this snapshot: take its verdict (the
  // path is matched again for its parameters, no header looked up). Else
  // (no header check, a reload in between, a user principal) decide here.
  auto* index = accounts_ ? &accounts_->index() : nullptr;
  const auto* head = std::any_cast<AdmittedHead>(&ex.prelude());
  Admission admission;
  if (head != nullptr && head->generation == static_cast<std::uint32_t>(generation))
    admission = readmit(ex.request(), *head);
  if (admission.route == nullptr) admission = admit(ex.request(), *ctx.config, loopback_only, index);
  ctx.format = admission.format;
  if (admission.route != nullptr) {
    const auto row = static_cast<std::size_t>(admission.route - route_table().data());
    record.set_route(std::min(row, kUnmatchedRoute), admission.route->spec.name);
  }
  if (!admission.refusal && admission.pending != auth::Pending::none)
    admission.refusal = co_await settle_pending(accounts_.get(), ex.request(), admission, ctx.config->auth.enabled);
  ctx.principal = std::move(admission.principal);
  ctx.namespace_user = ctx.principal.config_namespace();  // model ids resolve in the caller's namespace
  ctx.user_views = user_views_.get();
  if (admission.route != nullptr && admission.route->spec.policy == auth::AuthPolicy::mcp)
    mcp_routes::allow_listed_origin(ex, *ctx.config);
  if (!ctx.config->server.cors_origins.empty()) {
    HeaderList cors;
    add_cors_headers(ex.request(), *ctx.config, admission.match, cors);
    for (auto& [name, value] : cors) ex.add_common_header(std::move(name), std::move(value));
  }
  // Every answer under /dashboard carries the dashboard's security headers:
  // its pages and files, refusals, and AISBF's JSON routes there.
  if (dashboard::under_dashboard(std::string_view(ex.request().target()))) {
    for (const auto& [name, value] : dashboard::security_headers()) ex.add_common_header(name, value);
  }
  if (admission.refusal) co_return co_await send_error(ex, *admission.refusal, ctx);
  ctx.usage.recorder = usage.recorder;  // the chat doors record; other routes ignore it
  ctx.usage.route = admission.route->spec.name;
  ctx.quota.ledger = state_->quotas.get();
  co_await admission.route->handler(*this, ex, ctx, admission.match);
}

}  // namespace aisbf

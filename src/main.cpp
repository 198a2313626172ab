// aisbf: CLI only. Parse flags, load the configuration, run the server.
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "auth/bootstrap.hpp"
#include "auth/host_check.hpp"
#include "config/check_config.hpp"
#include "config/config.hpp"
#include "config/first_run.hpp"
#include "config/prompt_files.hpp"
#include "config/temp_files.hpp"
#include "context/tokenizer_cli.hpp"
#include "http/server.hpp"
#include "ops/https_redirect.hpp"
#include "pipeline/access_log_writer.hpp"
#include "pipeline/accounts.hpp"
#include "pipeline/app.hpp"
#include "pipeline/ollama_probe.hpp"
#include "pipeline/route_table.hpp"
#include "pipeline/startup_banner.hpp"
#include "pipeline/store_startup.hpp"
#include "pipeline/usage_service.hpp"
#include "routing/effective_settings.hpp"

namespace {

// The last line of defence for log lines (call sites also pass client and
// upstream text through log_text): whatever a message holds, its control
// characters are escaped, so it cannot forge another line, and it is cut so
// that no line passes 4 KB.
class SafeLineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    constexpr std::size_t kMaxPayload = 3900;  // leaves room for the time, level and logger name
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    safe_.clear();
    for (std::size_t i = 0; i < payload.size() && safe_.size() < kMaxPayload; ++i) {
      const auto c = static_cast<unsigned char>(payload[i]);
      if (c < 0x20 || c == 0x7f) {
        safe_ += fmt::format("\\x{:02x}", c);
      } else {
        safe_ += static_cast<char>(c);
      }
    }
    if (safe_.size() < payload.size() && safe_.size() >= kMaxPayload) {
      while (!safe_.empty() && (static_cast<unsigned char>(safe_.back()) & 0xc0) == 0x80) safe_.pop_back();
      if (!safe_.empty() && static_cast<unsigned char>(safe_.back()) >= 0xc0) safe_.pop_back();
      safe_ += fmt::format("…(cut, {} bytes)", payload.size());
    }
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(safe_.data(), safe_.size());
    inner_->format(copy, dest);
    msg.color_range_start = copy.color_range_start;  // the colour sink reads them from the original
    msg.color_range_end = copy.color_range_end;
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<SafeLineFormatter>(); }

 private:
  std::unique_ptr<spdlog::formatter> inner_ = std::make_unique<spdlog::pattern_formatter>();
  std::string safe_;  // a sink formats under its own lock: one buffer per formatter is enough
};

// "host" for a URL: an IPv6 literal in brackets.
std::string url_host(const std::string& host) { return host.find(':') != std::string::npos ? "[" + host + "]" : host; }

// server.protocol "https": the TLS listener and, with server.http_port, the
// plain port beside it (ACME challenges served, the rest sent to https).
// False when there is no certificate to serve.
bool set_up_tls(aisbf::http::ServerOptions& so, const aisbf::Config& config, const std::filesystem::path& config_dir,
                aisbf::App& app, const std::uint16_t& https_port) {
  std::string error;
  so.tls = aisbf::http::start_tls(
      config_dir, [&app] { return app.config(); }, config.server.ssl_reload_interval, error);
  if (!so.tls) {
    spdlog::error("refusing to start: {}", error);
    return false;
  }
  if (!config.server.http_port) return true;
  so.plain_port = static_cast<std::uint16_t>(*config.server.http_port);
  const bool wildcard = so.host == "0.0.0.0" || so.host == "::";
  std::string fallback = !config.server.domain.empty() ? config.server.domain : wildcard ? "localhost" : so.host;
  // The Host named in the redirect: with a domain always the domain, else
  // one of the names the gateway answers to (not whatever a client sent).
  std::vector<std::string> allowed;
  if (config.server.domain.empty()) {
    allowed = config.server.allowed_hosts;
    allowed.insert(allowed.end(), {"localhost", "127.0.0.1", "::1"});
    if (!wildcard) allowed.push_back(so.host);
  }
  so.plain_header_check = [&app, &https_port, fallback, allowed](const aisbf::http::Request& request) {
    if (aisbf::ops::served_over_plain_http(request.target())) return app.check_head(request);
    aisbf::http::HeaderVerdict verdict;
    auto location = aisbf::ops::https_location(request[boost::beast::http::field::host], request.target(), https_port,
                                               fallback, allowed);
    verdict.refuse = aisbf::http::EarlyAnswer{301, "", "", {{"Location", std::move(location)}}};
    return verdict;
  };
  return true;
}

std::filesystem::path default_config_dir() {
  if (const char* env = std::getenv("AISBF_CONFIG_DIR"); env && *env) return env;
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : ".") / ".aisbf";
}

void raise_open_files_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

struct Options {
  std::filesystem::path config_dir = default_config_dir();
  std::string host;
  int port = -1;
  int workers = 0;
  std::string log_level = "info";
  bool allow_unauthenticated = false;
};

// The first start (no aisbf.json, no providers.json): providers for the
// keys in the environment and a local Ollama instead of AISBF's defaults.
std::vector<aisbf::FirstRunFound> first_start(const std::filesystem::path& dir) {
  if (!aisbf::is_first_start(dir)) return {};
  std::optional<std::string> ollama;
  if (auto url = aisbf::ollama_probe_url(); url && aisbf::ollama_answers(*url, std::chrono::seconds(1))) ollama = url;
  auto docs = aisbf::first_run_docs(aisbf::process_env(), ollama);
  if (auto error = aisbf::write_first_run_files(dir, docs); !error.empty()) {
    spdlog::warn("first start: could not write the generated configuration ({}); using AISBF's defaults", error);
    return {};
  }
  return std::move(docs.found);
}

void log_banner(const aisbf::BannerInput& in) {
  for (const auto& line : aisbf::startup_banner(in)) spdlog::info("{}", line);
}

int serve(const Options& opt) {
  static const auto reserved = aisbf::reserved_route_words();
  // A config write killed mid-way (kill -9, power cut) leaves its temp file.
  for (const auto& name : aisbf::remove_stale_temp_files(opt.config_dir))
    spdlog::info("removed {} left by an interrupted config write", name);
  auto created = first_start(opt.config_dir);
  auto loaded = aisbf::load_config(opt.config_dir, {.write_missing_defaults = true, .reserved_route_words = reserved});
  for (const auto& d : loaded.diagnostics) {
    if (d.severity == aisbf::Diagnostic::Severity::error) spdlog::error("{}", aisbf::format_diagnostic(d));
    else spdlog::warn("{}", aisbf::format_diagnostic(d));
  }
  if (!loaded.ok()) {
    spdlog::error("configuration in {} has errors; run `aisbf check-config` for the list", opt.config_dir.string());
    return 2;
  }
  auto config = loaded.config;
  aisbf::write_missing_prompts(opt.config_dir);  // files to edit, with the built-in text
  aisbf::http::ServerOptions so;
  so.host = opt.host.empty() ? config->server.host : opt.host;
  so.port = static_cast<std::uint16_t>(opt.port >= 0 ? opt.port : config->server.port);
  so.workers = opt.workers > 0 ? opt.workers : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  so.max_body_bytes = config->server.max_body_bytes;
  so.header_timeout = config->server.header_timeout;
  so.idle_timeout = config->server.idle_timeout;
  so.shutdown_grace = config->server.shutdown_grace;
  so.max_connections = config->server.max_connections;
  so.max_inflight_requests = config->server.max_inflight_requests;
  if (!aisbf::auth::is_loopback_name(so.host) && !config->auth.enabled && !opt.allow_unauthenticated) {
    spdlog::error("refusing to listen on {} with auth disabled: anyone could spend your provider keys. "
                  "Enable auth in aisbf.json or pass --allow-unauthenticated.", so.host);
    return 2;
  }
  // Users, tokens and sessions: refuse to start without them rather than
  // serve with every user locked out.
  auto opened = aisbf::open_user_store(opt.config_dir);
  if (!opened.store) {
    spdlog::error("refusing to start: {}", opened.error);
    return 2;
  }
  // The Host-header check follows the address actually bound, across reloads too.
  aisbf::App app(config, {.config_dir = opt.config_dir,
                          .listen_host = so.host,
                          .store = opened.store,
                          .allow_unauthenticated = opt.allow_unauthenticated});
  if (auto error = app.accounts()->load_blocking(); !error.empty()) {
    spdlog::error("refusing to start: reading users and tokens from the {} database failed: {}",
                  opened.store->backend(), error);
    return 2;
  }
  // Quotas start from the spend already recorded this day and month.
  aisbf::reconcile_quotas_now(app.accounts()->store(), *app.state().quotas);
  // Usage accounting: the same store, written in batches on the accounts' DB threads.
  aisbf::UsageService usage(*opened.store, app.accounts()->db(), *config);
  if (aisbf::usage_recording_enabled(*config)) app.usage = usage.wiring();
  else spdlog::info("usage recording is off (database.record_usage: false)");
  so.on_start = [&app](boost::asio::io_context& io, aisbf::http::UpstreamPool& pool) { app.start_background(io, pool); };
  so.on_shutdown = [&app] { app.stop_background(); };
  so.on_reload = [&app] {
    spdlog::info("SIGHUP: reloading the configuration");
    app.reload();
  };
  so.header_check = [&app](const aisbf::http::Request& request) { return app.check_head(request); };
  so.on_server_answer = [&app](int status, std::string_view client) { return app.server_answer(status, client); };
  std::uint16_t https_port = 0;  // set once bound, before any request is served
  const bool https = config->server.protocol == "https";
  if (https && !set_up_tls(so, *config, opt.config_dir, app, https_port)) return 2;
  aisbf::http::Server server(so, [&app](aisbf::http::Exchange& ex) { return app.handle(ex); });
  app.open_connections = [&server] { return server.open_connections(); };
  app.server_answers = [&server] { return server.server_answers(); };
  // The access log (server.access_log, server.log_format): read at start.
  std::unique_ptr<aisbf::AccessLogWriter> access_log;
  if (config->server.access_log_enabled) {
    std::string error;
    access_log = std::make_unique<aisbf::AccessLogWriter>(
        config->server.access_log, aisbf::ops::log_format_from(config->server.log_format), &error);
    if (!error.empty()) spdlog::warn("server.access_log: {}", error);
    app.state().access_log = access_log.get();
  }
  if (auto err = server.bind()) {
    spdlog::error("{}", *err);
    return 1;
  }
  https_port = server.bound_port();
  app.set_listen_port(server.bound_port());  // the onion service's target
  const std::string url =
      fmt::format("{}://{}:{}", https ? "https" : "http", url_host(so.host), server.bound_port());
  // Tests and scripts read the first line; the plain port, when any, follows.
  std::printf("LISTENING %s\n", url.c_str());
  if (so.plain_port) std::printf("PLAIN http://%s:%u\n", url_host(so.host).c_str(), server.bound_plain_port());
  std::fflush(stdout);
  spdlog::info("aisbf {} serving {} providers with {} workers on {}, config from {}", AISBF_VERSION,
               config->providers.size(), so.workers, url, opt.config_dir.string());
  if (so.plain_port) {
    spdlog::info("plain HTTP on port {}: ACME challenges, and a redirect to https for the rest",
                 server.bound_plain_port());
  }
  std::error_code ec;
  log_banner({.config = config.get(),
              .url = url,
              .config_dir = opt.config_dir,
              .first_run = std::move(created),
              .password_file = std::filesystem::exists(opt.config_dir / aisbf::auth::kInitialPasswordFile, ec)});
  server.run();
  app.state().drain_pools();  // before the workers' io_contexts go with `server`
  usage.stop();  // SIGTERM: the queued usage rows are written before exit
  if (access_log) {
    app.state().access_log = nullptr;
    access_log->stop();  // the last lines written
  }
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  // Signals are handled by the server's signal_set: block them in every
  // thread so that the worker threads inherit the mask.
  Options opt;
  CLI::App cli{"aisbf: one OpenAI-compatible endpoint in front of many LLM providers"};
  cli.set_version_flag("--version", std::string("aisbf ") + AISBF_VERSION);
  cli.add_option("--config-dir", opt.config_dir, "configuration directory (env AISBF_CONFIG_DIR; default ~/.aisbf)");
  cli.add_option("--host", opt.host, "listen address (default: aisbf.json server.host, else 127.0.0.1)");
  cli.add_option("--port", opt.port, "listen port, 0 picks a free one (default: aisbf.json server.port, else 17765)")
      ->check(CLI::Range(0, 65535));
  cli.add_option("--workers", opt.workers, "worker threads (default: number of cores)")->check(CLI::Range(1, 1024));
  cli.add_option("--log-level", opt.log_level, "trace, debug, info, warn, error, critical or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  cli.add_flag("--allow-unauthenticated", opt.allow_unauthenticated,
               "allow a non-loopback listen address (or a TOR onion service) while auth is disabled");
  auto* check = cli.add_subcommand("check-config", "validate the configuration files, list every problem, write nothing");
  check->add_option("--config-dir", opt.config_dir, "configuration directory");
  bool show_effective = false;
  check->add_flag("--show-effective", show_effective,
                  "then print each provider model's and rotation candidate's settings after the cascade "
                  "(context_size, condensation, rate limits, cooldowns, timeouts)");
  std::string encoding = "cl100k_base";
  auto* tokenize = cli.add_subcommand(
      "tokenize", "read JSON lines {\"b64\": \"<bytes>\"} on stdin, write {\"ids\": [...]} per line (tiktoken's encode_ordinary)");
  tokenize->add_option("--encoding", encoding, "cl100k_base (default) or o200k_base")
      ->check(CLI::IsMember({"cl100k_base", "o200k_base"}));
  // A flag given twice takes its last value, as in most command lines
  // (scripts append overrides to a base command).
  for (auto* opt : cli.get_options()) opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  CLI11_PARSE(cli, argc, argv);

  auto logger = spdlog::stderr_color_mt("aisbf");
  logger->set_formatter(std::make_unique<SafeLineFormatter>());
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(opt.log_level));

  if (*check) {
    // The route table decides which ids would shadow a route.
    const auto reserved = aisbf::reserved_route_words();
    const int rc = aisbf::run_check_config(opt.config_dir, std::cout, reserved);
    if (rc != 0 || !show_effective) return rc;
    return aisbf::routing::show_effective_settings(opt.config_dir, std::cout, reserved);
  }

  if (*tokenize) return aisbf::context::run_tokenize(encoding, std::cin, std::cout, std::cerr);

  raise_open_files_limit();
  return serve(opt);
}

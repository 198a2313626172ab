// aisbf-mock: a fake upstream (OpenAI, Anthropic, Gemini and Ollama protocols)
// for the aisbf tests and benchmarks. CLI only; see README.md beside this file.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include "server.hpp"

namespace {

void raise_open_files_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

std::string url_host(const std::string& host) {
  if (host.find(':') != std::string::npos && host.front() != '[') return "[" + host + "]";
  return host;
}

}  // namespace

int main(int argc, char** argv) {
  aisbf_mock::ServerOptions options;
  CLI::App app{
      "aisbf-mock: a fake upstream speaking OpenAI, Anthropic, Gemini and Ollama (chat, models, embeddings, "
      "injected faults)"};
  app.add_option("--host", options.host, "Address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "Port; 0 picks a free one")->capture_default_str();
  app.add_option("--workers", options.workers, "Threads, each with its own io_context and SO_REUSEPORT acceptor")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  app.add_option("--api-key", options.api_keys,
                 "Accepted API key (repeatable; Bearer, x-api-key or x-goog-api-key/key by protocol); without any, "
                 "every non-empty key is accepted");
  app.add_option("--seed", options.seed, "Seed of the generator behind the flaky-P fault models")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // Signals are taken synchronously by this thread; the workers inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  raise_open_files_limit();

  try {
    aisbf_mock::Server server(options);
    server.start();
    std::printf("LISTENING http://%s:%u\n", url_host(options.host).c_str(), static_cast<unsigned>(server.port()));
    std::fflush(stdout);
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    server.stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aisbf-mock: %s\n", e.what());
    return 1;
  }
  return 0;
}

// Config from JSON values (the admin API, the store) gives the same snapshot
// and diagnostics as the same documents in files; the reserved route words
// come from the caller.
#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <sstream>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "config/config.hpp"
#include "config/config_test_util.hpp"

namespace aisbf::config_test {
namespace {

namespace json = boost::json;
using Strings = std::vector<std::string>;

json::value ms(std::chrono::milliseconds d) { return static_cast<std::int64_t>(d.count()); }

json::object describe_limits(const ModelLimits& l) {
  json::object o;
  auto opt = [&](const char* k, const auto& v) { o[k] = v ? json::value(*v) : json::value(nullptr); };
  opt("rate_limit", l.rate_limit);
  opt("max_request_tokens", l.max_request_tokens);
  opt("context_size", l.context_size);
  opt("tpm", l.rate_limit_tpm);
  opt("tph", l.rate_limit_tph);
  opt("tpd", l.rate_limit_tpd);
  opt("error_cooldown", l.error_cooldown);
  return o;
}

json::object describe_provider(const ProviderConfig& p) {
  json::array models;
  for (const auto& m : p.models) {
    Timeouts t = effective_timeouts(p, &m);
    models.push_back(json::object{{"name", m.name}, {"deployment", m.deployment}, {"limits", describe_limits(m.limits)},
                                  {"total", ms(t.total)}, {"raw", m.raw}});
  }
  return json::object{{"id", p.id}, {"name", p.name}, {"endpoint", p.endpoint}, {"type", p.type},
                      {"key_required", p.api_key_required}, {"api_key", p.api_key}, {"rate_limit", p.rate_limit},
                      {"defaults", describe_limits(p.defaults)}, {"preset", p.preset}, {"api_version", p.api_version},
                      {"site_url", p.site_url}, {"app_name", p.app_name}, {"models", models}, {"raw", p.raw}};
}

// Everything a snapshot holds, as one JSON text (Config has no operator==).
std::string describe(const Config& c) {
  const ServerConfig& s = c.server;
  json::array hosts(s.allowed_hosts.begin(), s.allowed_hosts.end());
  json::object server{{"host", s.host}, {"port", s.port}, {"protocol", s.protocol}, {"max_body", s.max_body_bytes},
                      {"max_event", s.max_sse_event_bytes}, {"header", ms(s.header_timeout)},
                      {"idle", ms(s.idle_timeout)}, {"grace", ms(s.shutdown_grace)}, {"hosts", hosts},
                      {"conns", s.max_connections}, {"inflight", s.max_inflight_requests},
                      {"upstream", s.max_upstream_body_bytes}, {"preamble", s.max_sse_preamble_bytes},
                      {"unauth", s.max_unauthenticated_body_bytes}, {"request", ms(s.request_timeout)},
                      {"certfile", s.ssl_certfile}, {"keyfile", s.ssl_keyfile},
                      {"http_port", s.http_port ? json::value(*s.http_port) : nullptr},
                      {"ssl_reload", ms(s.ssl_reload_interval)}, {"domain", s.domain}, {"acme_email", s.acme_email},
                      {"acme_directory", s.acme_directory}, {"acme_ca", s.acme_ca_file}};
  json::array providers, rotations, autoselects;
  for (const auto& p : c.providers) providers.push_back(describe_provider(p));
  for (const auto& r : c.rotations) {
    json::array entries;
    for (const auto& e : r.providers) {
      json::array models;
      for (const auto& m : e.models) models.push_back(json::object{{"name", m.name}, {"weight", m.weight}});
      entries.push_back(json::object{{"provider", e.provider_id}, {"weight", e.weight ? json::value(*e.weight) : nullptr},
                                     {"api_key", e.api_key}, {"models", models}});
    }
    rotations.push_back(json::object{{"id", r.id}, {"model_name", r.model_name}, {"notify", r.notifyerrors},
                                     {"max_attempts", r.max_attempts ? json::value(*r.max_attempts) : nullptr},
                                     {"defaults", describe_limits(r.defaults)}, {"providers", entries}, {"raw", r.raw}});
  }
  for (const auto& a : c.autoselects) {
    json::array candidates;
    for (const auto& m : a.candidates) {
      candidates.push_back(json::array{json::value(m.model_id), json::value(m.description), m.nsfw, m.privacy});
    }
    autoselects.push_back(json::object{{"id", a.id}, {"model_name", a.model_name}, {"fallback", a.fallback},
                                       {"selection_model", a.selection_model}, {"candidates", candidates},
                                       {"raw", a.raw}});
  }
  json::array tokens(c.auth.tokens.begin(), c.auth.tokens.end());
  const auto& ad = c.adaptive;
  const auto& ro = c.routing;
  json::object root{
      {"dir", c.dir.string()}, {"server", server}, {"auth", json::object{{"on", c.auth.enabled}, {"tokens", tokens}}},
      {"notify", c.notifyerrors},
      {"adaptive", json::array{ad.enabled, ad.initial_rate_limit, ad.learning_rate, ad.headroom_percent,
                               ad.recovery_rate, ad.max_rate_limit, ad.min_rate_limit, ad.backoff_base,
                               ad.jitter_factor, ad.history_window, ad.consecutive_successes_for_recovery}},
      {"routing", json::array{ro.max_attempts, ro.max_attempts_per_model, ro.failure_threshold,
                              ro.default_error_cooldown, ro.max_rate_limit_wait,
                              ro.seed ? json::value(*ro.seed) : nullptr}},
      {"providers", providers}, {"rotations", rotations}, {"autoselects", autoselects}, {"aisbf", c.aisbf}};
  return json::serialize(root);
}

constexpr std::array<const char*, 4> kFiles = {"aisbf.json", "providers.json", "rotations.json", "autoselect.json"};

// The documents of `dir` as values (an absent file: an absent value).
ConfigValues values_of(const fs::path& dir) {
  ConfigValues values;
  values.dir = dir;
  std::array<std::optional<json::value>*, 4> slots = {&values.aisbf, &values.providers, &values.rotations,
                                                      &values.autoselect};
  for (std::size_t i = 0; i < kFiles.size(); ++i) {
    std::ifstream in(dir / kFiles[i], std::ios::binary);
    if (!in) continue;
    std::stringstream text;
    text << in.rdbuf();
    *slots[i] = json::parse(text.str());
  }
  return values;
}

// Loads `dir` both ways and expects the same result.
void expect_same_both_ways(const fs::path& dir, const LoadOptions& options = {}) {
  LoadResult from_files = load_config(dir, options);
  LoadResult from_values = load_config_values(values_of(dir), options);
  EXPECT_EQ(formatted(from_values.diagnostics), formatted(from_files.diagnostics));
  ASSERT_EQ(from_values.ok(), from_files.ok());
  if (from_files.ok()) {
    EXPECT_EQ(describe(*from_values.config), describe(*from_files.config));
  }
}

TEST(ConfigFromValues, BaseFilesGiveTheSameSnapshot) {
  TempDir dir;
  write_base_files(dir);
  expect_same_both_ways(dir.path());
  LoadResult r = load_config_values(values_of(dir.path()));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config->dir, dir.path());
  EXPECT_EQ(r.config->find_provider("openai")->api_key, "sk-secret-123");
}

TEST(ConfigFromValues, SamplesAndPresetsGiveTheSameSnapshotAndWarnings) {
  TempDir tmp;
  for (const char* name : {"aisbf-0.9.4-config", "aisbf-0.99.83-config", "config/presets"}) {
    SCOPED_TRACE(name);
    expect_same_both_ways(private_fixture(name, tmp));
  }
}

TEST(ConfigFromValues, ErrorsAreTheSame) {
  TempDir dir;
  write_base_files(dir);
  dir.write("aisbf.json", R"({"server": {"port": "x", "protocol": "ftp"}, "auth": {"tokens": ["a\n"]}})");
  dir.write("providers.json", R"({"providers": {"openai": {"type": "openai", "endpoint": "http://gpu.example/v1",
      "api_key": "sk-secret-1", "models": [{"name": "gpt-4", "context_size": -1}]}, "v1": {"type": "openai"}}})");
  dir.write("rotations.json", R"({"rotations": {"general": {"providers": [{"provider_id": "nope"}]}}})");
  dir.write("autoselect.json", "[]");
  LoadResult from_files = load_config(dir.path());
  EXPECT_FALSE(from_files.ok());
  EXPECT_GE(from_files.diagnostics.size(), 8u) << testing::PrintToString(formatted(from_files.diagnostics));
  expect_same_both_ways(dir.path());
}

TEST(ConfigFromValues, MissingDocumentsAreAisbfDefaultsLikeMissingFiles) {
  TempDir dir;  // empty: every file missing
  expect_same_both_ways(dir.path());
  LoadResult r = load_config_values(ConfigValues{});
  ASSERT_TRUE(r.ok()) << testing::PrintToString(formatted(r.diagnostics));
  LoadResult files = load_config(dir.path());
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(r.config->providers.size(), files.config->providers.size());
  EXPECT_FALSE(r.config->providers.empty());
  EXPECT_TRUE(fs::is_empty(dir.path()));  // check: nothing was written without write_missing_defaults
}

TEST(ConfigFromValues, ValuesOfTheWrongShapeAreReportedNotThrown) {
  ConfigValues values;
  values.providers = json::value(42);
  values.rotations = json::array{};
  LoadResult r = load_config_values(values);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(formatted(r.diagnostics),
            (Strings{"error: providers.json: expected an object, got number",
                     "error: rotations.json: expected an object, got array",
                     "warning: autoselect.json (built-in default): autoselect: id \"autoselect\" is a reserved route "
                     "word, accepted because AISBF ships it; clients reach it as model \"autoselect/autoselect\" or "
                     "via /api/autoselect/autoselect",
                     "warning: autoselect.json (built-in default): autoselect.available_models: no candidates: this "
                     "autoselect cannot choose a model (add entries to available_models)"}));
}

TEST(ConfigReservedWords, DefaultListAndCallerSupplied) {
  EXPECT_TRUE(is_reserved_route_word("models"));
  EXPECT_TRUE(is_reserved_route_word("embeddings"));
  EXPECT_FALSE(is_reserved_route_word("openai"));
  constexpr std::string_view kWords[] = {"openai", "status"};
  EXPECT_TRUE(is_reserved_route_word("status", kWords));
  EXPECT_FALSE(is_reserved_route_word("models", kWords));
}

TEST(ConfigReservedWords, TheLoaderUsesTheWordsItIsGiven) {
  TempDir dir;
  write_base_files(dir);
  constexpr std::string_view kWords[] = {"general", "status"};
  LoadOptions options;
  options.reserved_route_words = kWords;
  LoadResult r = load_config(dir.path(), options);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(formatted(r.diagnostics),
            Strings{"error: rotations.json: rotations.general: id \"general\" is a reserved route word"});
  expect_same_both_ways(dir.path(), options);
  // With the default words the same files load cleanly; a provider called
  // "models" is refused.
  EXPECT_TRUE(load_config(dir.path()).ok());
  dir.write("providers.json", R"({"providers": {"openai": {"type": "openai", "endpoint": "https://a.example"},
      "models": {"type": "openai", "endpoint": "https://b.example"}}})");
  EXPECT_EQ(formatted(load_config(dir.path()).diagnostics),
            Strings{"error: providers.json: providers.models: id \"models\" is a reserved route word"});
}

}  // namespace
}  // namespace aisbf::config_test

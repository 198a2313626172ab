// aisbf.json `server`: the limits issue 8 added (request_timeout,
// allowed_hosts, connection and body caps) and the TLS fields issue 16 added.
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/config_test_util.hpp"
#include "core/ip_range.hpp"

namespace aisbf::config_test {
namespace {

using std::chrono::milliseconds;

const std::string kA = "error: aisbf.json: ";

LoadResult load_server(std::string_view server) {
  TempDir dir;
  write_base_files(dir);
  dir.write("aisbf.json", R"({"server": )" + std::string(server) + "}");
  return load_config(dir.path());
}

TEST(ConfigServer, DefaultsWhenAbsent) {
  LoadResult result = load_server("{}");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const ServerConfig& s = result.config->server;
  EXPECT_EQ(s.request_timeout, milliseconds(600'000));
  EXPECT_TRUE(s.allowed_hosts.empty());
  EXPECT_EQ(s.max_connections, 10'000u);
  EXPECT_EQ(s.max_inflight_requests, 4'096u);
  EXPECT_EQ(s.max_upstream_body_bytes, 64ull * 1024 * 1024);
  EXPECT_EQ(s.max_sse_preamble_bytes, 1024u * 1024);
  EXPECT_EQ(s.max_unauthenticated_body_bytes, 64u * 1024);
  EXPECT_EQ(s.protocol, "http");
}

TEST(ConfigServer, ReadsEveryNewKey) {
  LoadResult result = load_server(R"({"protocol": "http", "request_timeout": 2.5,
      "allowed_hosts": ["Gateway.Example", "box.lan"], "max_connections": 12, "max_inflight_requests": 3,
      "max_upstream_body_bytes": 1048576, "max_sse_preamble_bytes": 4096, "max_unauthenticated_body_bytes": 1,
      "max_body_bytes": 9007199254740993})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  EXPECT_TRUE(result.diagnostics.empty()) << testing::PrintToString(formatted(result.diagnostics));
  const ServerConfig& s = result.config->server;
  EXPECT_EQ(s.request_timeout, milliseconds(2'500));
  EXPECT_EQ(s.allowed_hosts, (std::vector<std::string>{"gateway.example", "box.lan"}));  // lower-cased
  EXPECT_EQ(s.max_connections, 12u);
  EXPECT_EQ(s.max_inflight_requests, 3u);
  EXPECT_EQ(s.max_upstream_body_bytes, 1'048'576u);
  EXPECT_EQ(s.max_sse_preamble_bytes, 4'096u);
  EXPECT_EQ(s.max_unauthenticated_body_bytes, 1u);
  EXPECT_EQ(s.max_body_bytes, 9'007'199'254'740'993ull);  // exact past 2^53
}

TEST(ConfigServer, OperationsDefaults) {
  LoadResult result = load_server("{}");
  ASSERT_TRUE(result.ok());
  const ServerConfig& s = result.config->server;
  EXPECT_TRUE(s.metrics);
  EXPECT_TRUE(s.metrics_token.empty());
  ASSERT_EQ(s.metrics_allow.size(), 2u);  // loopback only
  EXPECT_TRUE(in_any_range(s.metrics_allow, "127.0.0.1"));
  EXPECT_TRUE(in_any_range(s.metrics_allow, "::1"));
  EXPECT_FALSE(in_any_range(s.metrics_allow, "10.0.0.1"));
  EXPECT_TRUE(s.access_log_enabled);
  EXPECT_TRUE(s.access_log.empty());
  EXPECT_EQ(s.log_format, "logfmt");
}

TEST(ConfigServer, OperationsKeys) {
  LoadResult result = load_server(R"({"metrics": false, "metrics_token": "t0k", "metrics_allow": ["10.0.0.0/8"],
      "access_log": "/var/log/aisbf.log", "log_format": "json"})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const ServerConfig& s = result.config->server;
  EXPECT_FALSE(s.metrics);
  EXPECT_EQ(s.metrics_token, "t0k");
  EXPECT_TRUE(in_any_range(s.metrics_allow, "10.1.2.3"));
  EXPECT_FALSE(in_any_range(s.metrics_allow, "127.0.0.1"));  // a list replaces the default
  EXPECT_EQ(s.access_log, "/var/log/aisbf.log");
  EXPECT_EQ(s.log_format, "json");
  EXPECT_FALSE(load_server(R"({"access_log": false})").config->server.access_log_enabled);
  EXPECT_FALSE(load_server(R"({"log_format": "xml"})").ok());
  EXPECT_FALSE(load_server(R"({"metrics_allow": ["nope"]})").ok());
}

TEST(ConfigServer, RequestTimeoutIsClampedNotOverflowed) {
  LoadResult result = load_server(R"({"request_timeout": 1e300})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  EXPECT_GT(result.config->server.request_timeout, milliseconds(0));
}

TEST(ConfigServer, ReadsTheTlsFields) {
  LoadResult result = load_server(R"({"protocol": "https", "ssl_certfile": "c.pem", "ssl_keyfile": "k.pem",
      "http_port": 0, "ssl_reload_interval": 0.5, "domain": "GW.Example.com", "acme_email": "ops@example.com",
      "acme_directory": "https://127.0.0.1:14000/dir", "acme_ca_file": "/tmp/pebble.pem"})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  EXPECT_TRUE(result.diagnostics.empty()) << testing::PrintToString(formatted(result.diagnostics));
  const ServerConfig& s = result.config->server;
  EXPECT_EQ(s.protocol, "https");
  EXPECT_EQ(s.ssl_certfile, "c.pem");
  EXPECT_EQ(s.ssl_keyfile, "k.pem");
  EXPECT_EQ(s.http_port, 0);
  EXPECT_EQ(s.ssl_reload_interval, milliseconds(500));
  EXPECT_EQ(s.domain, "gw.example.com");
  EXPECT_EQ(s.acme_email, "ops@example.com");
  EXPECT_EQ(s.acme_directory, "https://127.0.0.1:14000/dir");
  EXPECT_EQ(s.acme_ca_file, "/tmp/pebble.pem");
}

TEST(ConfigServer, TlsDefaultsAreManaged) {
  LoadResult result = load_server(R"({"protocol": "https", "ssl_certfile": null, "ssl_keyfile": null})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const ServerConfig& s = result.config->server;
  EXPECT_TRUE(s.ssl_certfile.empty());
  EXPECT_FALSE(s.http_port.has_value());
  EXPECT_EQ(s.ssl_reload_interval, milliseconds(10'000));
  EXPECT_EQ(s.acme_directory, "https://acme-v02.api.letsencrypt.org/directory");
}

const BadCase kServerCases[] = {
    {"RequestTimeoutZero", "aisbf.json", R"({"server": {"request_timeout": 0}})",
     {kA + "server.request_timeout: must be > 0"}},
    {"RequestTimeoutNegative", "aisbf.json", R"({"server": {"request_timeout": -5}})",
     {kA + "server.request_timeout: must be > 0"}},
    {"RequestTimeoutString", "aisbf.json", R"({"server": {"request_timeout": "600"}})",
     {kA + "server.request_timeout: expected a number, got string"}},
    {"CapsBelowOne", "aisbf.json",
     R"({"server": {"max_connections": 0, "max_inflight_requests": -1, "max_upstream_body_bytes": 0,
         "max_sse_preamble_bytes": 0, "max_unauthenticated_body_bytes": 0}})",
     {kA + "server.max_connections: must be >= 1", kA + "server.max_inflight_requests: must be >= 1",
      kA + "server.max_upstream_body_bytes: must be >= 1", kA + "server.max_sse_preamble_bytes: must be >= 1",
      kA + "server.max_unauthenticated_body_bytes: must be >= 1"}},
    {"CapsWrongTypes", "aisbf.json",
     R"({"server": {"max_connections": "10", "max_inflight_requests": 1.5, "max_upstream_body_bytes": true,
         "max_sse_preamble_bytes": null, "max_unauthenticated_body_bytes": [1]}})",
     {kA + "server.max_connections: expected an integer, got string",
      kA + "server.max_inflight_requests: expected an integer, got number",
      kA + "server.max_upstream_body_bytes: expected an integer, got boolean",
      kA + "server.max_sse_preamble_bytes: expected an integer, got null",
      kA + "server.max_unauthenticated_body_bytes: expected an integer, got array"}},
    {"AllowedHostsNotArray", "aisbf.json", R"({"server": {"allowed_hosts": "box.lan"}})",
     {kA + "server.allowed_hosts: expected an array of strings, got string"}},
    {"AllowedHostsBadEntries", "aisbf.json", R"({"server": {"allowed_hosts": ["ok.lan", 7, ""]}})",
     {kA + "server.allowed_hosts[1]: expected a string, got number", kA + "server.allowed_hosts[2]: must not be empty"}},
    {"TlsFilesGoTogether", "aisbf.json", R"({"server": {"ssl_certfile": "c.pem"}})",
     {kA + "server.ssl_keyfile: ssl_certfile and ssl_keyfile go together: set both, or neither for a managed "
           "certificate"}},
    {"HttpPortWithoutHttps", "aisbf.json", R"({"server": {"http_port": 8080}})",
     {"warning: aisbf.json: server.http_port: used only with \"protocol\": \"https\" (the plain port beside the TLS "
      "one)"}},
    {"TlsBadValues", "aisbf.json",
     R"({"server": {"http_port": 70000, "ssl_reload_interval": 0, "domain": "*.example.com",
         "acme_email": "nobody", "acme_directory": "http://acme.example/dir"}})",
     {kA + "server.http_port: must be between 0 and 65535", kA + "server.ssl_reload_interval: must be > 0",
      kA + "server.domain: expected a public DNS name such as \"gateway.example.com\" (no scheme, port, wildcard or IP "
             "address): the certificate is ordered for it",
      kA + "server.acme_email: expected an e-mail address (the ACME account's contact)",
      kA + "server.acme_directory: expected an https:// URL of an ACME directory"}},
    {"ProtocolWrongType", "aisbf.json", R"({"server": {"protocol": 443}})",
     {kA + "server.protocol: expected a string, got number"}},
    {"AcmeBadValues", "aisbf.json",
     R"({"server": {"domain": "https://gw.example.com", "acme_email": "nobody", "acme_directory": "letsencrypt",
         "http_port": 70000}})",
     {kA + "server.http_port: must be between 0 and 65535",
      kA + "server.domain: expected a public DNS name such as \"gateway.example.com\" (no scheme, port, wildcard or IP "
           "address): the certificate is ordered for it",
      kA + "server.acme_email: expected an e-mail address (the ACME account's contact)",
      kA + "server.acme_directory: expected an https:// URL of an ACME directory"}},
    {"AcmeIpDomain", "aisbf.json", R"({"server": {"domain": "203.0.113.7"}})",
     {kA + "server.domain: expected a public DNS name such as \"gateway.example.com\" (no scheme, port, wildcard or IP "
           "address): the certificate is ordered for it"}},
    {"AcmeWildcardDomain", "aisbf.json", R"({"server": {"domain": "*.example.com"}})",
     {kA + "server.domain: expected a public DNS name such as \"gateway.example.com\" (no scheme, port, wildcard or IP "
           "address): the certificate is ordered for it"}},
};

INSTANTIATE_TEST_SUITE_P(Server, ConfigBadInput, testing::ValuesIn(kServerCases), case_name);

}  // namespace
}  // namespace aisbf::config_test

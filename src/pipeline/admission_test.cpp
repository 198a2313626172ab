// Admission from the request head: Host, principal and policy, 404/405,
// Origin and content type, and the body limit the header check gives.
#include "pipeline/admission.hpp"

#include <gtest/gtest.h>

#include "auth/account_index.hpp"
#include "auth/api_tokens.hpp"
#include "pipeline/app.hpp"
#include "pipeline/route_table.hpp"

namespace aisbf {
namespace {

namespace bhttp = boost::beast::http;

http::Request head(bhttp::verb method, std::string_view target,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> headers = {}) {
  http::Request req{method, target, 11};
  req.set(bhttp::field::host, "127.0.0.1:17765");
  for (auto [name, value] : headers) req.set(name, value);
  return req;
}

Config config_with_auth(bool enabled) {
  Config c;
  c.auth = AuthConfig{enabled, {"t1"}};
  c.server.allowed_hosts = {"gw.example"};
  return c;
}

std::string_view code_of(const Admission& a) { return a.refusal ? std::string_view(a.refusal->code) : "admitted"; }

TEST(Admission, HostCheckOnALoopbackListener) {
  const auto off = config_with_auth(false);
  for (std::string_view host : {"127.0.0.1:1", "localhost", "a.localhost:1", "[::1]:1", "GW.example"}) {
    auto req = head(bhttp::verb::get, "/health", {{"host", host}});
    EXPECT_EQ(code_of(admit(req, off, true)), "admitted") << host;
  }
  for (std::string_view host : {"127.evil.example", "127.0.0.1.nip.io:1", "evil.example"}) {
    auto req = head(bhttp::verb::get, "/health", {{"host", host}});
    auto a = admit(req, off, true);
    EXPECT_EQ(code_of(a), "invalid_host") << host;
    EXPECT_EQ(a.refusal->status, 403);
    EXPECT_EQ(code_of(admit(req, off, false)), "admitted") << host;  // not a loopback listener
  }
}

// The ACME challenge answer: the CA names the domain in Host, and the route
// is public whether auth is on or off.
TEST(Admission, AcmeChallengeAnswersAnyHostWithoutCredentials) {
  for (bool auth : {false, true}) {
    const auto config = config_with_auth(auth);
    auto req = head(bhttp::verb::get, "/.well-known/acme-challenge/abc_DEF-1", {{"host", "gw.example.com"}});
    EXPECT_EQ(code_of(admit(req, config, true)), "admitted") << auth;
    EXPECT_EQ(code_of(admit(req, config, false)), "admitted") << auth;
  }
  // Only that route: its neighbours keep the Host check.
  auto other = head(bhttp::verb::get, "/.well-known/other", {{"host", "gw.example.com"}});
  EXPECT_EQ(code_of(admit(other, config_with_auth(false), true)), "invalid_host");
}

// MCP's routes: absent while mcp.enabled is off, a foreign Origin refused
// before anything else, aisbf.json's mcp tokens admitted there (and only
// there), gateway callers as on any gateway route.
TEST(Admission, McpRoutes) {
  auto c = config_with_auth(true);
  c.mcp.autoselect_tokens = {"m1"};
  c.server.cors_origins = {"https://app.example"};
  const std::pair<std::string_view, std::string_view> json{"content-type", "application/json"};
  auto mcp = [&](std::initializer_list<std::pair<std::string_view, std::string_view>> headers) {
    return admit(head(bhttp::verb::post, "/mcp", headers), c, true);
  };
  auto a = mcp({{"authorization", "Bearer t1"}, json});
  EXPECT_EQ(code_of(a), "not_found");
  EXPECT_EQ(a.refusal->status, 404);
  EXPECT_EQ(code_of(admit(head(bhttp::verb::get, "/mcp/tools", {{"authorization", "Bearer m1"}}), c, true)), "not_found");

  c.mcp.enabled = true;
  a = mcp({{"authorization", "Bearer m1"}, json});
  EXPECT_EQ(code_of(a), "admitted");
  EXPECT_TRUE(a.mcp_token);
  EXPECT_FALSE(a.principal.authenticated());
  a = mcp({{"authorization", "Bearer t1"}, json});
  EXPECT_EQ(code_of(a), "admitted");
  EXPECT_FALSE(a.mcp_token);
  EXPECT_EQ(a.principal.kind, auth::PrincipalKind::global_token);
  EXPECT_EQ(code_of(mcp({{"authorization", "Bearer nope"}, json})), "invalid_api_key");
  EXPECT_EQ(code_of(mcp({json})), "invalid_api_key");
  // An MCP token opens no other route.
  EXPECT_EQ(code_of(admit(head(bhttp::verb::get, "/api/models", {{"authorization", "Bearer m1"}}), c, true)),
            "invalid_api_key");
  // Origin: absent, the gateway's own, or listed; anything else 403, token or not.
  for (std::string_view origin : {"http://127.0.0.1:17765", "https://APP.example"})
    EXPECT_EQ(code_of(mcp({{"authorization", "Bearer m1"}, {"origin", origin}, json})), "admitted") << origin;
  for (std::string_view origin : {"https://evil.example", "null", "https://app.example:8443"}) {
    a = mcp({{"authorization", "Bearer m1"}, {"origin", origin}, json});
    EXPECT_EQ(code_of(a), "cross_site_request") << origin;
    EXPECT_EQ(a.refusal->status, 403);
  }
}

TEST(Admission, PrincipalAndPolicy) {
  const auto on = config_with_auth(true);
  EXPECT_EQ(code_of(admit(head(bhttp::verb::get, "/health"), on, true)), "admitted");
  auto a = admit(head(bhttp::verb::get, "/api/models"), on, true);
  EXPECT_EQ(code_of(a), "invalid_api_key");
  EXPECT_EQ(a.refusal->status, 401);
  a = admit(head(bhttp::verb::get, "/api/admin/health", {{"authorization", "Bearer t1"}}), on, true);
  EXPECT_EQ(code_of(a), "admitted");
  EXPECT_EQ(a.principal.kind, auth::PrincipalKind::global_token);
  // x-api-key counts on Anthropic routes only, whose errors are Anthropic's.
  a = admit(head(bhttp::verb::post, "/v1/messages", {{"x-api-key", "t1"}, {"content-type", "application/json"}}), on,
            true);
  EXPECT_EQ(code_of(a), "admitted");
  EXPECT_EQ(a.format, IngressFormat::anthropic_messages);
  EXPECT_EQ(code_of(admit(head(bhttp::verb::get, "/api/models", {{"x-api-key", "t1"}}), on, true)), "invalid_api_key");
  // ...and on the model routes for the Anthropic SDK, which says anthropic-version.
  for (const char* target : {"/v1/models", "/v1/models/mock/m"}) {
    a = admit(head(bhttp::verb::get, target, {{"x-api-key", "t1"}, {"anthropic-version", "2023-06-01"}}), on, true);
    EXPECT_EQ(code_of(a), "admitted") << target;
    EXPECT_EQ(a.format, IngressFormat::anthropic_messages) << target;
  }
  a = admit(head(bhttp::verb::get, "/v1/models", {{"anthropic-version", "2023-06-01"}}), on, true);
  EXPECT_EQ(a.format, IngressFormat::anthropic_messages);  // its 401 in Anthropic's shape
  EXPECT_EQ(a.refusal->status, 401);
  // Unknown paths and wrong methods ask for a token first, as before.
  EXPECT_EQ(code_of(admit(head(bhttp::verb::get, "/nope"), on, true)), "invalid_api_key");
  EXPECT_EQ(code_of(admit(head(bhttp::verb::post, "/health"), on, true)), "invalid_api_key");
}

TEST(Admission, RouteOutcomes) {
  const auto off = config_with_auth(false);
  auto a = admit(head(bhttp::verb::get, "/nope"), off, true);
  EXPECT_EQ(code_of(a), "not_found");
  EXPECT_EQ(a.refusal->status, 404);
  a = admit(head(bhttp::verb::get, "/v1/chat/completions"), off, true);
  EXPECT_EQ(code_of(a), "method_not_allowed");
  EXPECT_EQ(a.refusal->status, 405);
  EXPECT_EQ(code_of(admit(head(bhttp::verb::get, "/v1/models/a%zz"), off, true)), "invalid_path");
  a = admit(head(bhttp::verb::post, "/api/mock/chat/completions", {{"content-type", "application/json; charset=utf-8"}}),
            off, true);
  ASSERT_EQ(code_of(a), "admitted");
  EXPECT_EQ(a.match.param("scope"), "mock");
  EXPECT_EQ(code_of(admit(head(bhttp::verb::post, "/v1/chat/completions", {{"content-type", "text/plain"}}), off, true)),
            "unsupported_media_type");
}

TEST(Admission, StateChangingRoutes) {
  const auto off = config_with_auth(false);
  const auto reset = "/api/admin/health/reset";
  EXPECT_EQ(code_of(admit(head(bhttp::verb::post, reset), off, true)), "admitted");  // no body, no Origin (curl)
  EXPECT_EQ(code_of(admit(head(bhttp::verb::post, reset, {{"content-length", "0"}}), off, true)), "admitted");
  EXPECT_EQ(code_of(admit(head(bhttp::verb::post, reset, {{"content-length", "2"}, {"content-type", "text/plain"}}),
                          off, true)),
            "unsupported_media_type");
  EXPECT_EQ(code_of(admit(head(bhttp::verb::post, reset, {{"transfer-encoding", "chunked"}}), off, true)),
            "unsupported_media_type");
  EXPECT_EQ(code_of(admit(head(bhttp::verb::post, reset,
                               {{"content-length", "2"}, {"content-type", "application/json"}, {"origin", "http://evil.example"}}),
                          off, true)),
            "cross_site_request");
  EXPECT_EQ(code_of(admit(head(bhttp::verb::post, reset, {{"origin", "null"}}), off, true)), "cross_site_request");
  EXPECT_EQ(code_of(admit(head(bhttp::verb::post, reset, {{"origin", "http://127.0.0.1:17765"}}), off, true)),
            "admitted");
  // Chat routes are not state-changing: an Origin is not looked at there.
  EXPECT_EQ(code_of(admit(head(bhttp::verb::post, "/v1/chat/completions",
                               {{"content-type", "application/json"}, {"origin", "http://evil.example"}}),
                          off, true)),
            "admitted");
}

// Uploads: a browser form may POST multipart/form-data cross-site without a
// preflight, so the upload routes check the Origin (before any byte is read):
// the gateway's own, a listed one (CORS) or none passes; any other is 403.
TEST(Admission, UploadRoutesCheckTheOrigin) {
  auto off = config_with_auth(false);
  off.server.cors_origins = {"https://app.example"};
  const std::string_view form = "multipart/form-data; boundary=b";
  for (auto path :
       {"/v1/audio/transcriptions", "/api/v1/audio/translations", "/api/mock/images/edits", "/v1/images/variations"}) {
    auto with = [&](std::string_view origin) {
      auto req = head(bhttp::verb::post, path, {{"content-type", form}, {"content-length", "10"}});
      if (!origin.empty()) req.set(bhttp::field::origin, origin);
      return std::string(code_of(admit(req, off, true)));
    };
    EXPECT_EQ(with(""), "admitted") << path;
    EXPECT_EQ(with("http://127.0.0.1:17765"), "admitted") << path;
    EXPECT_EQ(with("https://app.example"), "admitted") << path;
    EXPECT_EQ(with("https://evil.example"), "cross_site_request") << path;
    EXPECT_EQ(with("null"), "cross_site_request") << path;
  }
}

TEST(Admission, HeaderCheckBodyLimits) {
  auto on = std::make_shared<Config>(config_with_auth(true));
  on->server.max_body_bytes = 1000;
  on->server.max_unauthenticated_body_bytes = 10;
  App app(on, {.config_dir = {}, .listen_host = "127.0.0.1"});
  auto v = app.check_head(head(bhttp::verb::get, "/health"));
  EXPECT_FALSE(v.refuse);
  EXPECT_EQ(v.body_limit, 10u);
  v = app.check_head(head(bhttp::verb::post, "/v1/chat/completions",
                          {{"authorization", "Bearer t1"}, {"content-type", "application/json"}}));
  EXPECT_FALSE(v.refuse);
  EXPECT_EQ(v.body_limit, 1000u);
  v = app.check_head(head(bhttp::verb::post, "/v1/messages", {{"content-type", "application/json"}}));
  ASSERT_TRUE(v.refuse);
  EXPECT_EQ(v.refuse->status, 401);
  EXPECT_NE(v.refuse->body.find(R"("type":"error")"), std::string::npos) << v.refuse->body;  // Anthropic's shape
  // The verdict rides to the handler in the prelude, held in place by std::any.
  auto chat = head(bhttp::verb::post, "/api/mock/chat/completions",
                   {{"authorization", "Bearer t1"}, {"content-type", "application/json"}});
  v = app.check_head(chat);
  const auto* admitted = std::any_cast<AdmittedHead>(&v.prelude);
  ASSERT_NE(admitted, nullptr);
  auto again = readmit(chat, *admitted);
  ASSERT_NE(again.route, nullptr);
  EXPECT_EQ(again.route->spec.name, "scoped_chat");
  EXPECT_EQ(again.match.param("scope"), "mock");
  EXPECT_EQ(again.principal.kind, auth::PrincipalKind::global_token);
  EXPECT_EQ(again.principal.token_id, "auth.tokens[0]");
  // A reload recomputes what is derived: the listener address still wins over the file's.
  auto next = std::make_shared<Config>(*on);
  next->server.host = "0.0.0.0";
  next->auth.enabled = false;
  app.replace_config(next);
  EXPECT_EQ(app.config()->server.host, "127.0.0.1");
  v = app.check_head(head(bhttp::verb::post, "/v1/messages", {{"content-type", "application/json"}}));
  EXPECT_FALSE(v.refuse);
  EXPECT_EQ(app.check_head(head(bhttp::verb::get, "/health", {{"host", "evil.example"}})).refuse->status, 403);
}

struct Users {
  auth::AccountIndex index;
  std::string token = auth::generate_api_token().token;
  std::string cookie = auth::random_hex(32);
  std::string bearer = "Bearer " + token;
  std::string cookie_header = "aisbf_session=" + cookie;

  Users() {
    const auto now = auth::unix_now_ms();
    store::User alice{"alice", store::UserRole::user, true, false, "", "{}", 1, 0};
    store::ApiToken t{"tok_1", "alice", auth::sha256_hex(token), "", "{}", 1, 0, 0, true};
    store::Session s{auth::sha256_hex(cookie), "alice", "csrf-1", 1, now + 60'000};
    index.load(std::vector{alice}, std::vector{t}, std::vector{s});
  }
};

TEST(Admission, UserTokensSessionsAndCsrf) {
  Users users;
  const auto on = config_with_auth(true);
  auto a = admit(head(bhttp::verb::get, "/api/models", {{"authorization", users.bearer}}), on, true, &users.index);
  EXPECT_EQ(code_of(a), "admitted");
  EXPECT_EQ(a.principal.kind, auth::PrincipalKind::user_token);
  EXPECT_EQ(a.principal.user_id, "alice");
  // A user is not an admin; a user route refuses a global token (403) and anonymous callers (401).
  EXPECT_EQ(code_of(admit(head(bhttp::verb::get, "/api/admin/users", {{"authorization", users.bearer}}), on, true,
                          &users.index)),
            "insufficient_permissions");
  EXPECT_EQ(code_of(admit(head(bhttp::verb::get, "/api/user/tokens", {{"authorization", "Bearer t1"}}), on, true,
                          &users.index)),
            "insufficient_permissions");
  const auto off = config_with_auth(false);
  EXPECT_EQ(code_of(admit(head(bhttp::verb::get, "/api/user/tokens"), off, true, &users.index)), "invalid_api_key");
  EXPECT_EQ(code_of(admit(head(bhttp::verb::get, "/api/user/tokens", {{"authorization", users.bearer}}), off, true,
                          &users.index)),
            "admitted");
  // A session's reads need no CSRF token; its writes do.
  EXPECT_EQ(code_of(admit(head(bhttp::verb::get, "/api/user/tokens", {{"cookie", users.cookie_header}}), on, true,
                          &users.index)),
            "admitted");
  auto write = [&](std::string_view csrf) -> std::string {
    return std::string(code_of(admit(head(bhttp::verb::post, "/api/user/tokens",
                              {{"cookie", users.cookie_header}, {"x-csrf-token", csrf}}),
                         on, true, &users.index)));
  };
  EXPECT_EQ(write(""), "csrf_token_invalid");
  EXPECT_EQ(write("csrf-2"), "csrf_token_invalid");
  EXPECT_EQ(write("csrf-1"), "admitted");
  // Unknown to the index (another instance's): the head passes, marked pending.
  const std::string other = "Bearer " + auth::generate_api_token().token;
  a = admit(head(bhttp::verb::get, "/api/models", {{"authorization", other}}), on, true, &users.index);
  EXPECT_EQ(code_of(a), "admitted");
  EXPECT_EQ(a.pending, auth::Pending::user_token);
  EXPECT_FALSE(a.principal.authenticated());
}

TEST(Admission, APasswordToChangeHoldsTheSessionButNotItsTokens) {
  Users users;
  auto alice = *users.index.user("alice");
  alice.must_change_password = true;
  users.index.put_user(alice);
  const auto on = config_with_auth(true);
  auto as_session = [&](bhttp::verb method, std::string_view target) {
    return std::string(code_of(admit(head(method, target,
                                          {{"cookie", users.cookie_header},
                                           {"x-csrf-token", "csrf-1"},
                                           {"content-type", "application/json"},
                                           {"origin", "http://127.0.0.1:17765"}}),
                                     on, true, &users.index)));
  };
  EXPECT_EQ(as_session(bhttp::verb::get, "/api/auth/me"), "admitted");
  EXPECT_EQ(as_session(bhttp::verb::post, "/api/auth/logout"), "admitted");
  EXPECT_EQ(as_session(bhttp::verb::patch, "/api/user/password"), "admitted");
  for (auto target : {"/api/user/tokens", "/api/models", "/api/user/usage", "/api/user/providers"}) {
    EXPECT_EQ(as_session(bhttp::verb::get, target), "password_change_required") << target;
  }
  EXPECT_EQ(as_session(bhttp::verb::post, "/api/v1/chat/completions"), "password_change_required");
  // Public routes (the app itself, login) and unknown paths are as before.
  EXPECT_EQ(as_session(bhttp::verb::get, "/dashboard/profile"), "admitted");
  EXPECT_EQ(as_session(bhttp::verb::post, "/api/auth/login"), "admitted");
  EXPECT_EQ(as_session(bhttp::verb::get, "/api/nothing/here/at/all"), "not_found");
  // Her API token is not held back.
  EXPECT_EQ(code_of(admit(head(bhttp::verb::get, "/api/user/tokens", {{"authorization", users.bearer}}), on, true,
                          &users.index)),
            "admitted");
  // Once changed (the index told), the session is free.
  alice.must_change_password = false;
  users.index.put_user(alice);
  EXPECT_EQ(as_session(bhttp::verb::get, "/api/user/tokens"), "admitted");
}

TEST(Admission, AUserPrincipalIsParkedForTheHandler) {
  Users users;
  const auto on = config_with_auth(true);
  auto req = head(bhttp::verb::get, "/api/models", {{"authorization", users.bearer}});
  auto a = admit(req, on, true, &users.index);
  auto parked = admitted_head(a, 7, &req);
  ASSERT_TRUE(parked);
  EXPECT_EQ(parked->principal, AdmittedHead::kUser);
  // The parser hands the request over by moving it: the slot still knows it.
  auto moved = std::move(req);
  auto again = readmit(moved, *parked);
  ASSERT_NE(again.route, nullptr);
  EXPECT_EQ(again.principal.kind, auth::PrincipalKind::user_token);
  EXPECT_EQ(again.principal.user_id, "alice");
  // Taken once; a second look (or another request) falls back to admit().
  EXPECT_EQ(readmit(moved, *parked).route, nullptr);
  auto other = head(bhttp::verb::get, "/api/models", {{"authorization", users.bearer}});
  auto b = admit(other, on, true, &users.index);
  auto parked_b = admitted_head(b, 7, &other);
  ASSERT_TRUE(parked_b);
  EXPECT_EQ(readmit(moved, *parked_b).route, nullptr);
  // Without the request, a user's principal is not carried at all.
  auto c = admit(other, on, true, &users.index);
  EXPECT_FALSE(admitted_head(c, 7));
}

// Two users' requests interleaved on one thread, with more parks between a
// request's check and its handler than the ticket has values (256), and
// requests that die after their check (their targets freed, their slots
// left behind): each handler gets its own principal or admits again; never
// the other user's.
TEST(Admission, ParkedPrincipalsAreNeverHandedToAnotherRequest) {
  Users users;
  const auto bob_token = auth::generate_api_token().token;
  users.index.put_user({"bob", store::UserRole::user, true, false, "", "{}", 1, 0});
  users.index.put_token({"tok_2", "bob", auth::sha256_hex(bob_token), "", "{}", 1, 0, 0, true});
  const std::string bob = "Bearer " + bob_token;
  const auto on = config_with_auth(true);
  auto park = [&](http::Request& req) {
    auto a = admit(req, on, true, &users.index);
    return *admitted_head(a, 1, &req);
  };
  auto who = [&](const http::Request& req, const AdmittedHead& h) -> std::string {
    auto again = readmit(req, h);
    if (again.route == nullptr) again = admit(req, on, true, &users.index);  // what App::handle does
    return again.principal.user_id;
  };
  auto alice_req = head(bhttp::verb::get, "/api/models", {{"authorization", users.bearer}});
  const auto alice_head = park(alice_req);
  auto bob_req = head(bhttp::verb::get, "/api/models", {{"authorization", bob}});
  const auto bob_head = park(bob_req);
  EXPECT_EQ(who(bob_req, bob_head), "bob");  // handlers in the other order
  std::vector<http::Request> live;
  live.reserve(600);
  for (int i = 0; i < 600; ++i) {
    if (i % 3 == 0) {  // checked, then gone before its handler: its target's memory is reused
      auto gone = head(bhttp::verb::get, "/api/models", {{"authorization", bob}});
      park(gone);
      continue;
    }
    live.push_back(head(bhttp::verb::get, "/api/models", {{"authorization", i % 2 ? bob : users.bearer}}));
    park(live.back());
  }
  EXPECT_EQ(who(alice_req, alice_head), "alice");
  auto late_bob = head(bhttp::verb::get, "/api/models", {{"authorization", bob}});
  const auto late_head = park(late_bob);
  auto late_alice = head(bhttp::verb::get, "/api/models", {{"authorization", users.bearer}});
  const auto late_alice_head = park(late_alice);
  EXPECT_EQ(who(late_alice, late_alice_head), "alice");
  EXPECT_EQ(who(late_bob, late_head), "bob");
}

}  // namespace
}  // namespace aisbf

// The dashboard's answers over a table of its own (the embedded one depends
// on whether web/dist was built): redirects, client routes, hashed assets,
// ETags, gzip, and the page of a binary built without web/dist.
#include "dashboard/assets.hpp"

#include <gtest/gtest.h>

namespace aisbf::dashboard {
namespace {

const Asset kTable[] = {
    {"assets/index-AbC1.js", "console.log(1)", "GZJS", "a1b2"},
    {"assets/index-Zz9.css", "body{}", "", "c3d4"},
    {"favicon.svg", "<svg/>", "", "e5f6"},
    {"index.html", "<!doctype html><div id=app>", "GZHTML", "0f0f"},
};

std::string header(const Answer& a, std::string_view name) {
  for (const auto& [k, v] : a.headers) {
    if (k == name) return v;
  }
  return "(none)";
}

Answer get(std::string_view target, std::string_view inm = {}, std::string_view ae = {}) {
  return answer(kTable, {target, inm, ae});
}

TEST(DashboardAssets, BarePathRedirectsToTheSlashKeepingTheQuery) {
  auto a = get("/dashboard");
  EXPECT_EQ(a.status, 301);
  EXPECT_EQ(header(a, "Location"), "/dashboard/");
  EXPECT_EQ(header(get("/dashboard?x=1"), "Location"), "/dashboard/?x=1");
}

TEST(DashboardAssets, EveryClientRouteIsTheIndexRevalidated) {
  for (std::string_view t :
       {"/dashboard/", "/dashboard/providers", "/dashboard/user/tokens", "/dashboard/login?next=%2Fdashboard%2Fusers",
        "/dashboard/index.html", "/dashboard/response-cache"}) {
    auto a = get(t);
    EXPECT_EQ(a.status, 200) << t;
    EXPECT_EQ(a.body, "<!doctype html><div id=app>") << t;
    EXPECT_EQ(a.content_type, "text/html; charset=utf-8") << t;
    EXPECT_EQ(header(a, "Cache-Control"), "no-cache") << t;
    EXPECT_EQ(header(a, "ETag"), "\"0f0f\"") << t;
  }
}

TEST(DashboardAssets, HashedAssetsAreImmutableAndUnknownOnesAre404) {
  auto js = get("/dashboard/assets/index-AbC1.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(header(js, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(header(js, "Vary"), "Accept-Encoding");
  EXPECT_EQ(get("/dashboard/assets/index-Zz9.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(header(get("/dashboard/assets/index-Zz9.css"), "Vary"), "(none)");  // no gzip variant
  for (std::string_view t :
       {"/dashboard/assets/nope.js", "/dashboard/assets/", "/dashboard/assets", "/dashboard/assets/../index.html"}) {
    EXPECT_EQ(get(t).status, 404) << t;
  }
}

TEST(DashboardAssets, OtherBuildFilesByExactPath) {
  auto icon = get("/dashboard/favicon.svg");
  EXPECT_EQ(icon.status, 200);
  EXPECT_EQ(icon.content_type, "image/svg+xml");
  EXPECT_EQ(header(icon, "Cache-Control"), "no-cache");
}

TEST(DashboardAssets, GzipWhenAcceptedWithItsOwnETag) {
  auto a = get("/dashboard/assets/index-AbC1.js", {}, "br, gzip;q=0.8");
  EXPECT_EQ(a.body, "GZJS");
  EXPECT_EQ(header(a, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(a, "ETag"), "\"a1b2-gz\"");
  auto plain = get("/dashboard/assets/index-AbC1.js", {}, "gzip;q=0");
  EXPECT_EQ(plain.body, "console.log(1)");
  EXPECT_EQ(header(plain, "Content-Encoding"), "(none)");
  EXPECT_EQ(get("/dashboard/assets/index-Zz9.css", {}, "gzip").body, "body{}");  // none smaller
}

TEST(DashboardAssets, IfNoneMatchAnswers304) {
  auto a = get("/dashboard/assets/index-AbC1.js", "\"a1b2\"");
  EXPECT_EQ(a.status, 304);
  EXPECT_TRUE(a.body.empty());
  EXPECT_TRUE(a.content_type.empty());
  EXPECT_EQ(header(a, "ETag"), "\"a1b2\"");
  EXPECT_EQ(header(a, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(get("/dashboard/assets/index-AbC1.js", "W/\"x\", \"a1b2-gz\"", "gzip").status, 304);
  EXPECT_EQ(get("/dashboard/assets/index-AbC1.js", "\"a1b2-gz\"").status, 200);  // another representation
  EXPECT_EQ(get("/dashboard/profile", "*").status, 304);
  EXPECT_EQ(get("/dashboard/profile", "\"other\"").status, 200);
}

TEST(DashboardAssets, WithoutABuildThePageSaysHowToBuild) {
  auto a = answer({}, {"/dashboard/providers", {}, {}});
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.content_type, "text/html; charset=utf-8");
  EXPECT_NE(a.body.find("scripts/setup.sh"), std::string_view::npos);
  EXPECT_EQ(answer({}, {"/dashboard/assets/index.js", {}, {}}).status, 404);
}

TEST(DashboardAssets, EnabledUnlessFalse) {
  EXPECT_TRUE(enabled({}));
  EXPECT_TRUE(enabled({{"dashboard", boost::json::object{{"username", "admin"}}}}));
  EXPECT_TRUE(enabled({{"dashboard", boost::json::object{{"enabled", true}}}}));
  EXPECT_FALSE(enabled({{"dashboard", boost::json::object{{"enabled", false}}}}));
  EXPECT_TRUE(enabled({{"dashboard", nullptr}}));
}

TEST(DashboardAssets, AcceptEncodingParsing) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("deflate, GZIP"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_TRUE(accepts_gzip("gzip;q=0.001"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("br, deflate"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0, *"));
  EXPECT_FALSE(accepts_gzip("*;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip;q=zero"));
}

TEST(DashboardAssets, SecurityHeadersForbidInlineScriptsAndFraming) {
  std::string csp;
  bool frame = false, sniff = false, referrer = false;
  for (const auto& [k, v] : security_headers()) {
    if (k == "Content-Security-Policy") csp = v;
    frame |= k == "X-Frame-Options" && v == "DENY";
    sniff |= k == "X-Content-Type-Options" && v == "nosniff";
    referrer |= k == "Referrer-Policy" && v == "same-origin";
  }
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_TRUE(frame && sniff && referrer);
}

TEST(DashboardAssets, UnderDashboardIsThePathPrefixOnly) {
  for (std::string_view t : {"/dashboard", "/dashboard/", "/dashboard/%zz", "/dashboard/x", "/dashboard?a=1"})
    EXPECT_TRUE(under_dashboard(t)) << t;
  for (std::string_view t : {"/", "/dashboards", "/dashboardx/y", "/api/dashboard", "/v1/chat/completions", ""})
    EXPECT_FALSE(under_dashboard(t)) << t;
}

}  // namespace
}  // namespace aisbf::dashboard

namespace aisbf::dashboard {
namespace {

TEST(DashboardPrefix, ForwardedPrefixTakesPlainAbsolutePathsOnly) {
  EXPECT_EQ(forwarded_prefix("/gw"), "/gw");
  EXPECT_EQ(forwarded_prefix("/gw/"), "/gw");
  EXPECT_EQ(forwarded_prefix(" /tools/aisbf-1.2_x~y "), "/tools/aisbf-1.2_x~y");
  EXPECT_EQ(forwarded_prefix("/"), "");
  for (std::string_view bad : {"", "gw", "//evil.example", "/gw//x", "/gw/../x", "/./gw", "/gw/..", "/g w", "/g\"w",
                               "/g<w", "/g%2fw", "/g?w", "/g#w", "/g\\w", "https://evil.example/gw", "/g'w", "/g>w"}) {
    EXPECT_FALSE(forwarded_prefix(bad)) << bad;
  }
  EXPECT_FALSE(forwarded_prefix("/" + std::string(256, 'a')));
  EXPECT_TRUE(forwarded_prefix("/" + std::string(255, 'a')));
}

const Asset kPrefixTable[] = {
    {"assets/index-AbC1.js", "console.log(1)", "GZJS", "a1b2"},
    {"index.html",
     R"(<head><meta name="aisbf-prefix" content=""><link rel="icon" href="/dashboard/favicon.svg">)"
     R"(<script type="module" src="/dashboard/assets/index-AbC1.js"></script></head><p>/dashboard/ in text</p>)",
     "GZHTML", "0f0f"},
};

TEST(DashboardPrefix, TheIndexCarriesThePrefixUncompressedWithItsOwnETag) {
  auto a = answer(kPrefixTable, {"/dashboard/providers", "", "gzip", "/gw"});
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(
      a.content(),
      R"(<head><meta name="aisbf-prefix" content="/gw"><link rel="icon" href="/gw/dashboard/favicon.svg">)"
      R"(<script type="module" src="/gw/dashboard/assets/index-AbC1.js"></script></head><p>/dashboard/ in text</p>)");
  EXPECT_EQ(header(a, "Content-Encoding"), "(none)");
  const auto etag = header(a, "ETag");
  EXPECT_TRUE(etag.starts_with("\"0f0f-p")) << etag;
  EXPECT_NE(etag, header(answer(kPrefixTable, {"/dashboard/", "", "", "/other"}), "ETag"));
  EXPECT_EQ(answer(kPrefixTable, {"/dashboard/", etag, "", "/gw"}).status, 304);
  EXPECT_EQ(answer(kPrefixTable, {"/dashboard/", "\"0f0f\"", "", "/gw"}).status, 200);  // the plain one's tag

  // Without a prefix: the file as built, gzip allowed.
  auto plain = answer(kPrefixTable, {"/dashboard/", "", "gzip", ""});
  EXPECT_TRUE(plain.rewritten.empty());
  EXPECT_EQ(plain.content(), "GZHTML");
}

TEST(DashboardPrefix, RedirectAndAssetsWithAPrefix) {
  EXPECT_EQ(header(answer(kPrefixTable, {"/dashboard?x=1", "", "", "/gw"}), "Location"), "/gw/dashboard/?x=1");
  auto js = answer(kPrefixTable, {"/dashboard/assets/index-AbC1.js", "", "", "/gw"});
  EXPECT_EQ(js.content(), "console.log(1)");  // assets are the same files whatever the prefix
}

}  // namespace
}  // namespace aisbf::dashboard

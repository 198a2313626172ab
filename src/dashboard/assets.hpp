// The dashboard's files (web/dist, built by Vite), embedded in the binary
// at build time (embed_web.cmake writes the table), and the answer to a GET
// under /dashboard: pure, no I/O, no Asio. The route handler is
// pipeline/routes_dashboard.cpp.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

namespace aisbf::dashboard {

// aisbf.json `dashboard.enabled` (AISBF's switch): on unless it is false.
// config/ checks its type; Config::aisbf holds the section.
bool enabled(const boost::json::object& aisbf_json);

struct Asset {
  std::string_view path;      // relative to web/dist: "index.html", "assets/index-Bx2f.js"
  std::string_view identity;  // the file's bytes
  std::string_view gzip;      // gzip -9 of them; empty when that is not smaller
  std::string_view hash;      // hex SHA-256 prefix of `identity`: the strong ETag
};

// The table built into this binary; empty when web/dist was absent at build time.
std::span<const Asset> embedded_assets();

// By extension: text types with charset=utf-8; application/octet-stream for an unknown one.
std::string_view content_type_for(std::string_view path);

// Accept-Encoding allows gzip (a `gzip` or `*` token whose q is not 0, and
// no `gzip;q=0`).
bool accepts_gzip(std::string_view accept_encoding);

// If-None-Match names this representation's ETag (weak comparison, as
// RFC 9110 says for If-None-Match), or is `*`.
bool etag_matches(std::string_view if_none_match, std::string_view etag);

using Headers = std::vector<std::pair<std::string, std::string>>;

// What every answer under /dashboard carries: a Content-Security-Policy
// without inline scripts or styles, X-Frame-Options DENY, nosniff and a
// same-origin referrer.
const Headers& security_headers();

// A request target under /dashboard ("/dashboard", "/dashboard/…",
// "/dashboard?…"): its early refusals (a bad escape, a wrong method, a
// refused Host) carry security_headers() too.
bool under_dashboard(std::string_view target);

// X-Forwarded-Prefix as a path prefix the dashboard may put in front of
// its own paths ("/gw", "/tools/aisbf"): absolute, at most 256 bytes of
// unreserved URL characters and '/', no empty, "." or ".." segment; a
// trailing '/' dropped ("/" is no prefix: ""). nullopt: not such a prefix
// (the header is then ignored). Only a trusted proxy's header is asked.
std::optional<std::string> forwarded_prefix(std::string_view header);

struct Request {
  std::string_view target;  // as received: "/dashboard/assets/x.js?v=1"
  std::string_view if_none_match;
  std::string_view accept_encoding;
  std::string_view prefix;  // forwarded_prefix() of a trusted proxy; empty: served at the root
};

struct Answer {
  int status = 200;
  std::string_view content_type;  // empty on 301 and 304
  std::string_view body;          // a view into the asset table or static text
  std::string rewritten;          // index.html with a prefix: the body to send instead
  Headers headers;                // Cache-Control, ETag, Vary, Content-Encoding, Location

  std::string_view content() const { return rewritten.empty() ? body : std::string_view(rewritten); }
};

// GET /dashboard → 301 to /dashboard/; /dashboard/assets/<file>: that
// hashed file (a year, immutable) or 404; another file of the build by its
// exact path (no-cache); any other path under /dashboard/: index.html
// (no-cache), the app's client routes. ETag and 304 on If-None-Match, gzip
// when accepted. Without a build (`assets` has no index.html) the page says
// how to build the dashboard. Security headers are not included here.
// With a prefix, the redirect and index.html's own paths ("/dashboard/…"
// attributes and the aisbf-prefix meta the app reads) carry it; that
// index.html is sent uncompressed, with an ETag of its own.
Answer answer(std::span<const Asset> assets, const Request& request);

}  // namespace aisbf::dashboard

#include "dashboard/assets.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>

#include "core/sha256.hpp"

namespace aisbf::dashboard {

namespace {

constexpr std::string_view kPrefix = "/dashboard/";
constexpr std::string_view kAssetsDir = "assets/";
constexpr std::string_view kIndex = "index.html";
constexpr std::string_view kHashedCache = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";

// Shown at /dashboard/ by a binary built without web/dist: unstyled, since
// the CSP allows no inline style, and with nothing to load.
constexpr std::string_view kNotBuilt = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>aisbf: dashboard not built</title>
</head>
<body>
<main>
<h1>The dashboard is not built into this aisbf</h1>
<p>This binary was built without <code>web/dist</code>. Run <code>scripts/setup.sh</code>
(it runs <code>npm ci</code> and <code>npm run build</code> in <code>web/</code> when npm is installed),
then build aisbf again (<code>cmake --build build</code>, or <code>scripts/run.sh</code>).</p>
<p>The API is served as usual: <a href="/api/openapi.json">/api/openapi.json</a> describes it.</p>
</main>
</body>
</html>
)";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Calls `f(item)` for each comma-separated item, trimmed, empty ones skipped.
template <class F>
void each_item(std::string_view list, F f) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto item = trim(list.substr(0, comma));
    if (!item.empty()) f(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

// The q of "gzip;q=0.5" (1 without one; 0 for a malformed one).
double quality(std::string_view params) {
  double q = 1;
  while (!params.empty()) {
    const auto semi = params.find(';');
    const auto param = trim(params.substr(0, semi));
    if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
      const std::string value(param.substr(2));
      char* end = nullptr;
      q = std::strtod(value.c_str(), &end);
      if (end == value.c_str()) q = 0;
    }
    if (semi == std::string_view::npos) break;
    params.remove_prefix(semi + 1);
  }
  return q;
}

const Asset* find(std::span<const Asset> assets, std::string_view path) {
  for (const auto& a : assets) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

std::string quoted(std::string_view hash, bool gzip) {
  std::string out = "\"";
  out.append(hash);
  if (gzip) out.append("-gz");
  out.push_back('"');
  return out;
}

Answer serve(const Asset& asset, const Request& request, std::string_view cache_control);

// index.html for a proxy's prefix: every attribute value that starts with
// the dashboard's path, and the empty aisbf-prefix meta, get the prefix.
// The prefix holds no character that HTML or an attribute would treat
// specially (forwarded_prefix allows none).
std::string with_prefix(std::string_view html, std::string_view prefix) {
  constexpr std::string_view kMeta = R"(<meta name="aisbf-prefix" content="">)";
  constexpr std::string_view kPath = "=\"/dashboard/";
  std::string out;
  out.reserve(html.size() + 16 * prefix.size());
  std::size_t at = 0;
  while (at < html.size()) {
    const auto meta = html.find(kMeta, at);
    const auto path = html.find(kPath, at);
    const auto next = std::min(meta, path);
    if (next == std::string_view::npos) break;
    out.append(html.substr(at, next - at));
    if (next == meta) {
      out.append(R"(<meta name="aisbf-prefix" content=")").append(prefix).append(R"(">)");
      at = meta + kMeta.size();
    } else {
      out.append("=\"").append(prefix).append("/dashboard/");
      at = path + kPath.size();
    }
  }
  out.append(html.substr(std::min(at, html.size())));
  return out;
}

// Sets the ETag; true when the client holds this representation (a 304).
bool not_modified(Answer& out, const Request& request, std::string etag) {
  const bool held = etag_matches(request.if_none_match, etag);
  if (held) out.status = 304;
  out.headers.emplace_back("ETag", std::move(etag));
  return held;
}

Answer serve_index(const Asset& index, const Request& request) {
  if (request.prefix.empty()) return serve(index, request, kRevalidate);
  Answer out;
  std::string etag = "\"";
  etag.append(index.hash).append("-p").append(Sha256::hex_of(request.prefix).substr(0, 8)).push_back('"');
  out.headers.emplace_back("Cache-Control", std::string(kRevalidate));
  if (not_modified(out, request, std::move(etag))) return out;
  out.content_type = content_type_for(index.path);
  out.rewritten = with_prefix(index.identity, request.prefix);
  return out;
}

Answer serve(const Asset& asset, const Request& request, std::string_view cache_control) {
  Answer out;
  const bool gzip = !asset.gzip.empty() && accepts_gzip(request.accept_encoding);
  std::string etag = quoted(asset.hash, gzip);
  out.headers.emplace_back("Cache-Control", std::string(cache_control));
  if (!asset.gzip.empty()) out.headers.emplace_back("Vary", "Accept-Encoding");
  if (not_modified(out, request, std::move(etag))) return out;
  out.content_type = content_type_for(asset.path);
  if (gzip) {
    out.headers.emplace_back("Content-Encoding", "gzip");
    out.body = asset.gzip;
  } else {
    out.body = asset.identity;
  }
  return out;
}

}  // namespace

bool enabled(const boost::json::object& aisbf_json) {
  const auto* section = aisbf_json.if_contains("dashboard");
  const auto* dashboard = section != nullptr ? section->if_object() : nullptr;
  const auto* on = dashboard != nullptr ? dashboard->if_contains("enabled") : nullptr;
  return on == nullptr || !on->is_bool() || on->get_bool();
}

std::string_view content_type_for(std::string_view path) {
  constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".webp", "image/webp"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
  };
  for (const auto& [ext, type] : kTypes) {
    if (ends_with(path, ext)) return type;
  }
  return "application/octet-stream";
}

bool accepts_gzip(std::string_view accept_encoding) {
  std::optional<double> gzip, any;
  each_item(accept_encoding, [&](std::string_view item) {
    const auto semi = item.find(';');
    const auto coding = trim(item.substr(0, semi));
    const double q = semi == std::string_view::npos ? 1.0 : quality(item.substr(semi + 1));
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip"))
      gzip = q;
    else if (coding == "*")
      any = q;
  });
  if (gzip) return *gzip > 0;
  return any && *any > 0;
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  bool matched = false;
  each_item(if_none_match, [&](std::string_view tag) {
    if (tag == "*") matched = true;
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) matched = true;
  });
  return matched;
}

const Headers& security_headers() {
  static const Headers headers = {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"},
      {"X-Frame-Options", "DENY"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "same-origin"},
  };
  return headers;
}

std::optional<std::string> forwarded_prefix(std::string_view header) {
  constexpr std::size_t kMaxPrefix = 256;
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) header.remove_suffix(1);
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) header.remove_prefix(1);
  if (header.empty() || header.front() != '/' || header.size() > kMaxPrefix) return std::nullopt;
  while (header.size() > 1 && header.back() == '/') header.remove_suffix(1);
  if (header == "/") return std::string{};
  std::size_t at = 1;
  while (at <= header.size()) {
    auto end = header.find('/', at);
    if (end == std::string_view::npos) end = header.size();
    const auto segment = header.substr(at, end - at);
    if (segment.empty() || segment == "." || segment == "..") return std::nullopt;
    for (char c : segment) {
      const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                              c == '.' || c == '_' || c == '~';
      if (!unreserved) return std::nullopt;
    }
    at = end + 1;
  }
  return std::string(header);
}

bool under_dashboard(std::string_view target) {
  constexpr std::string_view kBare = "/dashboard";
  return target.starts_with(kBare) &&
         (target.size() == kBare.size() || target[kBare.size()] == '/' || target[kBare.size()] == '?');
}

Answer answer(std::span<const Asset> assets, const Request& request) {
  const auto query_at = request.target.find('?');
  const auto path = request.target.substr(0, query_at);
  Answer out;
  if (path.size() < kPrefix.size()) {  // "/dashboard": the app's links are relative to "/dashboard/"
    out.status = 301;
    std::string location(request.prefix);
    location.append(kPrefix);
    if (query_at != std::string_view::npos) location.append(request.target.substr(query_at));
    out.headers.emplace_back("Location", std::move(location));
    out.headers.emplace_back("Cache-Control", std::string(kRevalidate));
    return out;
  }
  const auto rel = path.substr(kPrefix.size());
  if (rel.substr(0, kAssetsDir.size()) == kAssetsDir || rel == "assets") {
    if (const Asset* asset = find(assets, rel)) return serve(*asset, request, kHashedCache);
    out.status = 404;
    out.content_type = "text/plain; charset=utf-8";
    out.body = "no such dashboard asset\n";
    out.headers.emplace_back("Cache-Control", std::string(kRevalidate));
    return out;
  }
  if (!rel.empty() && rel != kIndex) {
    if (const Asset* file = find(assets, rel)) return serve(*file, request, kRevalidate);
  }
  if (const Asset* index = find(assets, kIndex)) return serve_index(*index, request);
  out.content_type = "text/html; charset=utf-8";
  out.body = kNotBuilt;
  out.headers.emplace_back("Cache-Control", std::string(kRevalidate));
  return out;
}

}  // namespace aisbf::dashboard

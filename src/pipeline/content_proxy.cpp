#include "pipeline/content_proxy.hpp"

#include <cctype>
#include <charconv>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/url/parse.hpp>

#include "core/log_text.hpp"
#include "http/endpoint.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/content_ids.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/request_deadline.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/user_views.hpp"
#include "routing/user_config.hpp"

namespace aisbf {

namespace {

using boost::asio::awaitable;

// A fetch's own bounds, within the request's deadline.
constexpr Timeouts kFetchTimeouts{std::chrono::seconds(10), std::chrono::seconds(60), std::chrono::seconds(60),
                                  std::chrono::minutes(10)};

struct FetchTarget {
  http::Endpoint endpoint;
  std::string target;  // path and query
};

GatewayError proxy_error(ErrorKind kind, std::string message, std::string code) {
  auto e = make_error(kind, std::move(message));
  e.code = std::move(code);
  return e;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool same_origin(const http::Endpoint& a, const http::Endpoint& b) {
  return a.tls == b.tls && a.port == b.port && lower(a.host) == lower(b.host);
}

// Where the entry's URL is fetched from, and under which address rule,
// given the provider as the current config has it (null: gone): the
// provider's own origin as the provider reaches it (its address rule, its
// SOCKS proxy); anything else public addresses only, through the
// provider's proxy when that is tor (the provider's traffic stays on tor),
// else directly.
Expected<FetchTarget> fetch_target(const ContentEntry& entry, const ProviderConfig* provider) {
  auto parsed = boost::urls::parse_absolute_uri(entry.url);
  auto bad = [] {
    return proxy_error(ErrorKind::upstream_protocol, "the content's URL is not usable", "content_bad_url");
  };
  if (!parsed || parsed->has_userinfo() || !parsed->has_authority()) return bad();
  const auto& u = *parsed;
  std::string origin = fmt::format("{}://{}", u.scheme(), u.encoded_host_and_port());
  auto endpoint = http::parse_endpoint(origin);
  if (!endpoint) return bad();
  FetchTarget out;
  out.target = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  if (out.target.front() != '/') return bad();
  if (u.has_query()) (out.target += '?') += u.encoded_query();
  auto origin_of_provider = provider != nullptr ? http::parse_endpoint(provider->endpoint) : std::nullopt;
  const bool providers_own = origin_of_provider && same_origin(*endpoint, *origin_of_provider);
  if (!providers_own || provider->public_addresses_only) *endpoint = http::with_public_only(std::move(*endpoint));
  if (provider != nullptr && provider->proxy && (providers_own || provider->proxy->tor))
    *endpoint = http::with_proxy(std::move(*endpoint), *provider->proxy);
  out.endpoint = std::move(*endpoint);
  return out;
}

std::optional<std::uint64_t> content_length(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return n;
}

// The refusal a failed start becomes: the address rule's own, or the host's failure.
GatewayError start_failed(const GatewayError& e, const ContentEntry& entry) {
  if (e.code == "private_endpoint_refused") {
    return proxy_error(ErrorKind::upstream_unreachable,
                       "the content's host resolves to an address that is not public and is not the endpoint of "
                       "the provider whose answer held it: refused",
                       "content_address_refused");
  }
  return proxy_error(
      e.kind == ErrorKind::upstream_timeout ? ErrorKind::upstream_timeout : ErrorKind::upstream_unreachable,
      fmt::format("the content of provider '{}' could not be fetched: {}", entry.provider_id, e.message),
      "content_unavailable");
}

std::optional<GatewayError> refuse_head(const http::UpstreamCall& call, const ContentEntry& entry,
                                        std::optional<std::uint64_t> length, std::uint64_t cap) {
  const int status = call.status();
  if (status >= 300 && status < 400) {
    return proxy_error(
        ErrorKind::upstream_status,
        fmt::format("the content's host answered with a redirect ({}), which the proxy does not follow", status),
        "content_redirect_refused");
  }
  if (status == 404 || status == 410) {
    return proxy_error(ErrorKind::not_found, fmt::format("the content is gone from provider '{}'", entry.provider_id),
                       "content_not_found");
  }
  if (status != 200) {
    return proxy_error(ErrorKind::upstream_status, fmt::format("the content's host answered {}", status),
                       "content_unavailable");
  }
  if (length && *length > cap) {
    return proxy_error(ErrorKind::upstream_protocol,
                       fmt::format("the content is {} bytes, more than media.proxy_max_bytes ({})", *length, cap),
                       "content_too_large");
  }
  return std::nullopt;
}

// 502 for what went wrong upstream (the error kinds would say 500-ish
// statuses of their own; the proxy is a gateway: 502, 504 or 404).
int proxy_status(const GatewayError& e) {
  if (e.kind == ErrorKind::not_found) return 404;
  if (e.kind == ErrorKind::upstream_timeout) return 504;
  return 502;
}

awaitable<void> refuse(http::Exchange& ex, RequestContext& ctx, GatewayError e) {
  e.status = proxy_status(e);
  co_await send_error(ex, e, ctx);
}

// The body, piece by piece as it comes, at most `cap` bytes in all.
awaitable<void> relay_body(http::Exchange& ex, http::UpstreamCall& call, std::uint64_t cap, const RequestContext& ctx) {
  std::uint64_t sent = 0;
  while (!call.done()) {
    auto piece = co_await call.read_some();
    if (!piece) {
      spdlog::info("{} content proxy: the upstream body failed after {} bytes: {}", ctx.request_id, sent,
                   log_text(piece.error().message));
      ex.close_after_response();  // a sized body short of its length, or a chunked one without its end
      co_return;
    }
    sent += piece->size();
    if (sent > cap) {
      spdlog::info("{} content proxy: cut past media.proxy_max_bytes ({})", ctx.request_id, cap);
      ex.close_after_response();
      co_return;
    }
    if (!co_await ex.stream_write(*piece)) {
      call.cancel();
      co_return;
    }
  }
  co_await ex.end_stream();
}

// The provider as the request's current config has it: the global
// snapshot's, or the view of the user whose namespace held it (rebuilt
// when an admin changed their private-endpoint allowance). Null when it is
// gone (or the view cannot be had): the fetch is then public-only.
awaitable<const ProviderConfig*> current_provider(RequestContext& ctx, const ContentEntry& entry,
                                                  std::shared_ptr<const routing::UserView>& view) {
  if (entry.provider_user.empty()) co_return ctx.config->find_provider(entry.provider_id);
  if (ctx.user_views == nullptr) co_return nullptr;
  auto got = co_await ctx.user_views->get(ctx.config, entry.provider_user);
  if (!got) co_return nullptr;
  view = std::move(*got);
  co_return view->config().find_provider(entry.provider_id);
}

}  // namespace

awaitable<void> serve_content_proxy(http::Exchange& ex, RequestContext& ctx, std::string_view content_id) {
  arm_deadline(ctx);
  std::optional<ContentEntry> entry;
  if (ctx.state != nullptr && ctx.state->content_ids)
    entry = ctx.state->content_ids->find(content_id, content_owner(ctx.principal), ContentIds::Clock::now());
  if (!entry) {
    co_return co_await refuse(
        ex, ctx,
        proxy_error(ErrorKind::not_found, "no such content: the id is unknown or expired", "content_not_found"));
  }
  std::shared_ptr<const routing::UserView> view;  // keeps `provider` alive
  const ProviderConfig* provider = co_await current_provider(ctx, *entry, view);
  auto where = fetch_target(*entry, provider);
  if (!where) co_return co_await refuse(ex, ctx, where.take_error());
  const std::uint64_t cap = ctx.config->media.proxy_max_bytes;
  http::OutgoingRequest out;
  out.method = "GET";
  out.target = where->target;
  out.headers = {{"Accept", "*/*"}, {"Accept-Encoding", "identity"}, {"User-Agent", "aisbf/" AISBF_VERSION}};
  http::UpstreamCall call(ex.upstream_pool(), where->endpoint, within_deadline(kFetchTimeouts, ctx),
                          entry->provider_id);
  ex.watch_disconnect([&call] { call.cancel(); });
  if (auto failed = co_await call.start(out)) {
    ex.stop_watch();
    co_return co_await refuse(ex, ctx, start_failed(*failed, *entry));
  }
  const auto length = content_length(call.header("content-length"));
  if (auto refused = refuse_head(call, *entry, length, cap)) {
    ex.stop_watch();
    co_return co_await refuse(ex, ctx, std::move(*refused));
  }
  std::string type = call.header("content-type");
  if (type.empty()) type = "application/octet-stream";
  const HeaderList headers{{"x-request-id", ctx.request_id},
                           {"X-Content-Type-Options", "nosniff"},
                           {"Content-Security-Policy", "default-src 'none'; sandbox"},
                           {"Cache-Control", "private, max-age=300"}};
  const bool started = co_await ex.begin_stream(200, type, headers, length);
  // HEAD: the head alone (Exchange writes no body for it); the upstream's is not read.
  if (started && ex.request().method() != boost::beast::http::verb::head) co_await relay_body(ex, call, cap, ctx);
  ex.stop_watch();
}

}  // namespace aisbf

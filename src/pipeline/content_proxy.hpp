// `GET /api/proxy/{content_id}`: the content proxy (docs/images.md
// "Content proxy"). An id that image_urls.hpp gave the caller's namespace
// is fetched from the URL it stands for and the body streamed to the
// client as it arrives, with the upstream's Content-Type and
// Content-Length.
//
// - Unknown, expired and another namespace's ids are the same 404 (an id
//   seen by someone else tells them nothing).
// - The provider is looked up at fetch time, by id, in the current config
//   (the global snapshot, or the view of the user whose namespace held it):
//   a provider since removed, or a user whose private-endpoint allowance was
//   revoked, no longer opens its origin.
// - The fetch goes to the provider's own endpoint origin (scheme, host and
//   port as configured, under that provider's address rule and through its
//   proxy) or else to a public address only (through the provider's proxy
//   when that is tor, else directly): every address the host resolves to is
//   checked after DNS, before connect (http/upstream_client.hpp, so a name
//   that rebinds to 127.0.0.1 is refused too). Refused: 502
//   `content_address_refused`.
// - No redirect is followed, to any host: a 3xx is 502
//   `content_redirect_refused` (an image URL that moved is the provider's
//   problem; following it would reopen the address question).
// - At most `media.proxy_max_bytes`: a larger Content-Length is 502
//   `content_too_large` before any byte; a body without a length that
//   grows past it is cut (the connection closes: the client sees a
//   truncated chunked body, never a complete-looking one).
// - The answer carries `X-Content-Type-Options: nosniff` and a sandboxing
//   Content-Security-Policy: it is served from the gateway's origin.
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

boost::asio::awaitable<void> serve_content_proxy(http::Exchange& ex, RequestContext& ctx, std::string_view content_id);

}  // namespace aisbf

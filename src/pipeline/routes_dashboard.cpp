#include "pipeline/routes_dashboard.hpp"

#include <iterator>

#include <boost/beast/http/field.hpp>

#include "core/ip_range.hpp"
#include "dashboard/assets.hpp"
#include "pipeline/respond.hpp"

namespace aisbf::dashboard_routes {

namespace bhttp = boost::beast::http;

boost::asio::awaitable<void> serve(App&, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  // The security headers: App::handle adds them to everything under /dashboard.
  if (!dashboard::enabled(ctx.config->aisbf)) {
    co_return co_await send_error(
        ex, make_error(ErrorKind::not_found, "the dashboard is off (aisbf.json dashboard.enabled)", "not_found"), ctx);
  }
  const auto& req = ex.request();
  // A path prefix only from a reverse proxy the operator listed; anyone
  // else could otherwise point the app's scripts elsewhere on this origin.
  // Sent on several lines (a proxy that appends its own), the last is the
  // nearest proxy's: the first may be the client's.
  std::optional<std::string> prefix;
  const auto& proxies = ctx.config->server.trusted_proxies;
  if (auto [first, end] = req.equal_range("X-Forwarded-Prefix");
      first != end && !proxies.empty() && in_any_range(proxies, ex.client_address())) {
    auto last = first;
    while (std::next(last) != end) ++last;
    prefix = dashboard::forwarded_prefix(std::string_view(last->value()));
  }
  auto answer = dashboard::answer(
      dashboard::embedded_assets(),
      {std::string_view(req.target()), std::string_view(req[bhttp::field::if_none_match]),
       std::string_view(req[bhttp::field::accept_encoding]), prefix ? std::string_view(*prefix) : std::string_view{}});
  answer.headers.emplace_back("x-request-id", ctx.request_id);
  co_await ex.send(answer.status, answer.content_type, answer.content(), answer.headers);
}

}  // namespace aisbf::dashboard_routes

#include "pipeline/routes_dashboard.hpp"

#include <boost/beast/http/field.hpp>

#include "dashboard/assets.hpp"
#include "pipeline/respond.hpp"

namespace aisbf::dashboard_routes {

namespace bhttp = boost::beast::http;

boost::asio::awaitable<void> serve(App&, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  for (const auto& [name, value] : dashboard::security_headers()) ex.add_common_header(name, value);
  if (!dashboard::enabled(ctx.config->aisbf)) {
    co_return co_await send_error(
        ex, make_error(ErrorKind::not_found, "the dashboard is off (aisbf.json dashboard.enabled)", "not_found"), ctx);
  }
  const auto& req = ex.request();
  auto answer = dashboard::answer(dashboard::embedded_assets(),
                                  {std::string_view(req.target()), std::string_view(req[bhttp::field::if_none_match]),
                                   std::string_view(req[bhttp::field::accept_encoding])});
  answer.headers.emplace_back("x-request-id", ctx.request_id);
  co_await ex.send(answer.status, answer.content_type, answer.body, answer.headers);
}

}  // namespace aisbf::dashboard_routes

#include "pipeline/cors_gate.hpp"

#include <boost/beast/http/field.hpp>

#include "api/cors.hpp"
#include "auth/host_check.hpp"
#include "pipeline/admission.hpp"
#include "pipeline/route_table.hpp"

namespace aisbf {

namespace bhttp = boost::beast::http;

bool is_cors_preflight(const http::Request& request) {
  return request.method() == bhttp::verb::options && request.count(bhttp::field::access_control_request_method) != 0 &&
         request.count(bhttp::field::origin) != 0;
}

std::optional<http::EarlyAnswer> cors_preflight(const http::Request& request, const Config& config,
                                                std::string request_id) {
  const auto method = std::string_view(request[bhttp::field::access_control_request_method]);
  const auto match = route_matcher().match(method, std::string_view(request.target()));
  if (match.outcome != api::RouteMatch::Outcome::matched || !api::cors_route(route_table()[match.route].spec))
    return std::nullopt;
  const auto origin = std::string_view(request[bhttp::field::origin]);
  if (!auth::is_listed_origin(origin, config.server.cors_origins)) {
    return early_answer(
        make_error(ErrorKind::forbidden, "CORS preflight refused: the Origin is not one of server.cors_origins",
                   "cross_site_request"),
        IngressFormat::openai_chat, std::move(request_id));
  }
  http::EarlyAnswer answer;
  answer.status = 204;
  answer.content_type = "";
  answer.headers =
      api::preflight_headers(origin, method, std::string_view(request[bhttp::field::access_control_request_headers]));
  answer.headers.emplace_back("x-request-id", std::move(request_id));
  return answer;
}

void add_cors_headers(const http::Request& request, const Config& config, const api::RouteMatch& match,
                      HeaderList& out) {
  if (config.server.cors_origins.empty() || match.outcome == api::RouteMatch::Outcome::not_found) return;
  const auto origin = std::string_view(request[bhttp::field::origin]);
  if (origin.empty() || !api::cors_route(route_table()[match.route].spec) ||
      !auth::is_listed_origin(origin, config.server.cors_origins))
    return;
  for (auto& header : api::cors_response_headers(origin)) out.push_back(std::move(header));
}

}  // namespace aisbf

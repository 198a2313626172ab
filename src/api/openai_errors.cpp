#include "api/openai_errors.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace aisbf::api {

std::string_view openai_error_type(int status) {
  switch (status) {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 429: return "rate_limit_error";
    default: return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

namespace {
boost::json::object error_object(const GatewayError& e) {
  boost::json::object inner;
  inner["message"] = e.message;
  inner["type"] = openai_error_type(e.status);
  inner["param"] = e.param.empty() ? boost::json::value(nullptr) : boost::json::value(e.param);
  inner["code"] = e.code.empty() ? boost::json::value(nullptr) : boost::json::value(e.code);
  if (!e.attempts_json.empty()) {
    boost::system::error_code ec;
    auto attempts = boost::json::parse(e.attempts_json, ec);
    if (!ec) inner["attempts"] = std::move(attempts);
  }
  boost::json::object outer;
  outer["error"] = std::move(inner);
  return outer;
}
}  // namespace

std::string openai_error_body(const GatewayError& error) {
  return boost::json::serialize(error_object(error));
}

std::string openai_error_event(const GatewayError& error) {
  return "data: " + openai_error_body(error) + "\n\n";
}

}  // namespace aisbf::api

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "providers/openai/openai_adapter.hpp"

namespace aisbf::openai {

namespace {

// The upstream's own `error.message` (and `error.code`) when the body is
// OpenAI-shaped; otherwise a short excerpt of the body.
std::pair<std::string, std::string> upstream_message(std::string_view body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (!ec) {
    const boost::json::value* err = v.is_object() ? v.as_object().if_contains("error") : nullptr;
    if (err != nullptr && err->is_object()) {
      std::string message, code;
      if (const auto* m = err->as_object().if_contains("message"); m && m->is_string()) message = m->as_string().c_str();
      if (const auto* c = err->as_object().if_contains("code"); c && c->is_string()) code = c->as_string().c_str();
      if (!message.empty()) return {message, code};
    } else if (err != nullptr && err->is_string()) {
      return {std::string(err->as_string().c_str()), {}};
    }
  }
  constexpr std::size_t kExcerpt = 300;
  std::string excerpt(body.substr(0, kExcerpt));
  if (body.size() > kExcerpt) excerpt += "…";
  return {excerpt, {}};
}

}  // namespace

GatewayError OpenAiAdapter::classify_error(int status, std::string_view body, const UpstreamTarget& target) const {
  if (status == 401 || status == 403) return upstream_error(status, target.provider_id, {});
  auto [message, code] = upstream_message(body);
  auto e = upstream_error(status, target.provider_id,
                          fmt::format("provider '{}' answered {}: {}", target.provider_id, status, message));
  e.code = code.empty() ? "upstream_error" : code;
  return e;
}

}  // namespace aisbf::openai

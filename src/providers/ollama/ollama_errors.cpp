// Ollama error answers: `{"error": "<message>"}` with the HTTP status
// (PROTOCOLS.md §4.3) → GatewayError.
#include <fmt/format.h>

#include <boost/json/parse.hpp>

#include "providers/ollama/ollama_adapter.hpp"
#include "providers/ollama/ollama_wire.hpp"

namespace aisbf::ollama {

namespace {

// The upstream's own message when the body is `{"error": ...}`; otherwise an
// excerpt of the body (a proxy's HTML page, Go's plain "404 page not found").
std::optional<std::string> json_message(std::string_view body) {
  auto parsed = wire::parse_object(body, "error");
  if (!parsed) return std::nullopt;
  auto error = wire::embedded_error(*parsed);
  if (!error) return std::nullopt;
  return std::move(error->message);
}

}  // namespace

GatewayError OllamaAdapter::classify_error(int status, std::string_view body, const UpstreamTarget& target) const {
  if (status == 401 || status == 403) return upstream_error(status, target.provider_id, {});  // body withheld
  std::optional<std::string> message = json_message(body);
  std::string text = message ? *message : body.empty() ? fmt::format("HTTP {}", status) : wire::excerpt(body, 300);
  auto e = upstream_error(status, target.provider_id,
                          fmt::format("provider '{}' answered {}: {}", target.provider_id, status, text));
  e.code = "upstream_error";
  if (status == 404 && message) {
    // `model "x" not found, try pulling it first`: this server lacks the model, another candidate may have it.
    e.code = "model_not_found";
    e.retryable = true;
  }
  return e;
}

}  // namespace aisbf::ollama

#include "pipeline/ollama_probe.hpp"

#include <cstdlib>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

#include <spdlog/spdlog.h>

#include "core/log_text.hpp"
#include "http/endpoint.hpp"

namespace aisbf {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

std::optional<std::string> ollama_probe_url() {
  const char* env = std::getenv("AISBF_OLLAMA_URL");
  if (env == nullptr) return "http://localhost:11434";
  const std::string url(env);
  if (url.empty() || url == "off") return std::nullopt;
  return url;
}

bool ollama_answers(const std::string& base_url, std::chrono::milliseconds timeout) {
  const auto endpoint = http::parse_endpoint(base_url);
  if (!endpoint || endpoint->tls) return false;
  // No name lookup: getaddrinfo cannot be cancelled, so run_for could not
  // bound it. An address, or localhost (as 127.0.0.1, Ollama's default bind).
  boost::system::error_code address_ec;
  const auto address = endpoint->host == "localhost" ? asio::ip::make_address("127.0.0.1", address_ec)
                                                     : asio::ip::make_address(endpoint->host, address_ec);
  if (address_ec) {
    spdlog::info("first start: Ollama not probed at {}: only an IP address or localhost is (no name lookup at start)",
                 log_text(endpoint->origin_key));
    return false;
  }
  asio::io_context io;
  beast::tcp_stream stream(io);
  bhttp::response<bhttp::string_body> res;
  bool ok = false;
  beast::flat_buffer buffer;
  bhttp::request<bhttp::string_body> req{bhttp::verb::get, endpoint->base_path + "/api/tags", 11};
  req.set(bhttp::field::host, endpoint->host_header);
  // One chain of callbacks, the whole of it bounded by run_for.
  stream.async_connect(asio::ip::tcp::endpoint(address, endpoint->port), [&](auto ec) {
    if (ec) return;
    bhttp::async_write(stream, req, [&](auto ec2, auto) {
      if (ec2) return;
      bhttp::async_read(stream, buffer, res, [&](auto ec3, auto) {
        if (ec3 || res.result_int() != 200) return;
        boost::system::error_code parse_ec;
        const auto body = boost::json::parse(res.body(), parse_ec);
        const auto* obj = parse_ec ? nullptr : body.if_object();
        ok = obj != nullptr && obj->contains("models");
      });
    });
  });
  io.run_for(timeout);
  // Whatever is still pending ends here, before the objects it uses go.
  boost::system::error_code ignored;
  stream.socket().close(ignored);
  io.restart();
  io.run();
  return ok;
}

}  // namespace aisbf

#include "pipeline/stream_errors.hpp"

#include <fmt/format.h>

namespace aisbf {

GatewayError stream_broken(std::string_view provider_id, std::string_view why) {
  auto e = make_error(ErrorKind::upstream_protocol,
                      fmt::format("the stream from provider '{}' ended unexpectedly: {}", provider_id, why));
  e.code = "upstream_stream_cut";
  return e;
}

GatewayError event_too_large(std::string_view provider_id, std::size_t cap) {
  auto e = make_error(ErrorKind::upstream_protocol,
                      fmt::format("provider '{}' sent a stream event larger than {} bytes", provider_id, cap));
  e.code = "upstream_event_too_large";
  return e;
}

GatewayError preamble_too_large(std::string_view provider_id, std::size_t cap) {
  auto e = make_error(ErrorKind::upstream_protocol,
                      fmt::format("provider '{}' sent more than {} bytes of keep-alives before its first event",
                                  provider_id, cap));
  e.code = "upstream_preamble_too_large";
  return e;
}

GatewayError not_streaming(std::string_view provider_id, std::string_view content_type) {
  auto e = make_error(ErrorKind::upstream_protocol,
                      fmt::format("provider '{}' answered a streaming request with '{}' instead of a stream",
                                  provider_id, content_type));
  e.code = "upstream_not_streaming";
  return e;
}

GatewayError failed_stream_read(std::string_view provider_id, GatewayError read_error) {
  if (read_error.kind != ErrorKind::upstream_protocol) return read_error;
  return stream_broken(provider_id, read_error.message);
}

}  // namespace aisbf

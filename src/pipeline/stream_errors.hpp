// The errors a relayed or translated stream can end with.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/gateway_error.hpp"

namespace aisbf {

GatewayError stream_broken(std::string_view provider_id, std::string_view why);
GatewayError event_too_large(std::string_view provider_id, std::size_t cap);
// Only comment / empty events (keep-alives) buffered past `cap` before the first data event.
GatewayError preamble_too_large(std::string_view provider_id, std::size_t cap);
GatewayError not_streaming(std::string_view provider_id, std::string_view content_type);
// A body read that failed once the stream had started: a broken connection
// (ErrorKind::upstream_protocol: a read fails otherwise only by a timeout or
// the client leaving) becomes stream_broken, naming the provider.
GatewayError failed_stream_read(std::string_view provider_id, GatewayError read_error);

}  // namespace aisbf

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

}  // namespace aisbf

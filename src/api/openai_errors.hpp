// OpenAI's error body: {"error":{"message","type","param","code"}}.
#pragma once

#include <string>
#include <string_view>

#include "core/gateway_error.hpp"

namespace aisbf::api {

std::string_view openai_error_type(int status);
std::string openai_error_body(const GatewayError& error);

// The error as a final SSE event, for failures after the stream started.
std::string openai_error_event(const GatewayError& error);

}  // namespace aisbf::api

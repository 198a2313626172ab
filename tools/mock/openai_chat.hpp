// Chat completions of aisbf-mock (internal to openai.cpp / openai_chat.cpp).
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "faults.hpp"
#include "openai.hpp"

namespace aisbf_mock {

// `"stream": true` in the body. A request that is not streamed gets
// fault-stream-error as its 500: true when `plan` holds that answer.
bool wants_stream(const boost::json::object& body);
bool plain_stream_error(bool stream, Fault fault, Plan& plan);

// The deterministic answer to a validated chat request (`messages` is a
// non-empty array), plain or streamed, with stream-level faults applied.
void build_chat(ApiContext& ctx, const boost::json::object& body, std::string_view model, Fault fault,
                Plan& plan);

}  // namespace aisbf_mock

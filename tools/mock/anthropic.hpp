// The Anthropic Messages API of aisbf-mock (internal to anthropic.cpp and
// anthropic_chat.cpp). handle_anthropic in api.hpp is the entry point.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "api.hpp"
#include "faults.hpp"

namespace aisbf_mock {

// {"type":"error","error":{"type","message"},"request_id"} with `status`.
void anthropic_error(Plan& plan, int status, std::string_view type, std::string_view message,
                     std::string_view request_id);

// POST /v1/messages after auth, version, JSON, model and the status faults:
// validates the rest and answers (plain or streamed, stream faults applied).
void anthropic_messages(ApiContext& ctx, const boost::json::object& body, std::string_view model, Fault fault,
                        std::string_view request_id, Plan& plan);

}  // namespace aisbf_mock

// The Responses API of aisbf-mock (internal to openai.cpp / openai_responses.cpp).
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "faults.hpp"
#include "openai.hpp"

namespace aisbf_mock {

// `POST …/responses`: the 400s of an invalid request, else the deterministic
// answer, plain or streamed, with the faults applied as for chat.
// `chatgpt_backend`: the path was …/codex/responses, which refuses what the
// ChatGPT backend refuses (a non-streamed request, max_output_tokens).
void build_responses(ApiContext& ctx, const boost::json::object& body, std::string_view model, bool chatgpt_backend,
                     Fault fault, Plan& plan);

}  // namespace aisbf_mock

// The OpenAI-compatible API of aisbf-mock (handle_openai in api.hpp), as pure
// functions from a request to a Plan: chat completions (plain and streamed,
// tool calls), models, embeddings, errors and injected faults. No I/O here.
#pragma once

#include <string_view>

#include "api.hpp"
#include "plan.hpp"

namespace aisbf_mock {

// OpenAI-style error body and status into `plan`; param/code may be empty (null).
void set_error(Plan& plan, int status, std::string_view message, std::string_view type,
               std::string_view param = {}, std::string_view code = {});

// The request's key (Authorization: Bearer, or api-key) is accepted; else a 401 in `plan`.
bool openai_authorized(ApiContext& ctx, const RequestView& req, Plan& plan);

}  // namespace aisbf_mock

// The OpenAI-compatible API of aisbf-mock, as pure functions from a request
// to a Plan: chat completions (plain and streamed, tool calls), models,
// embeddings, errors and injected faults. No I/O here.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plan.hpp"

namespace aisbf_mock {

struct ApiContext {
  std::vector<std::string> api_keys;  // empty: any non-empty Bearer token is accepted
  std::atomic<std::uint64_t> next_id{1};
};

// Fills `plan` (already reset) for a request to any non-control route.
void handle_api(ApiContext& ctx, const RequestView& req, Plan& plan);

// OpenAI-style error body and status into `plan`; param/code may be empty (null).
void set_error(Plan& plan, int status, std::string_view message, std::string_view type,
               std::string_view param = {}, std::string_view code = {});

}  // namespace aisbf_mock

// The API routes of aisbf-mock: one entry point for the I/O layer, which
// hands each request to the protocol it belongs to (OpenAI, Anthropic,
// Gemini or Ollama). Pure functions from a request to a Plan; no I/O here.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "faults.hpp"
#include "plan.hpp"
#include "prompt_cache.hpp"

namespace aisbf_mock {

struct ApiContext {
  std::vector<std::string> api_keys;  // empty: any non-empty key is accepted
  std::atomic<std::uint64_t> next_id{1};
  FaultDice dice;  // flaky-P draws (--seed)
  PromptCaches caches;  // the providers' prompt caches (prompt_cache.hpp)
};

// The fault for `model` (explicit fault-* names, else a flaky-P draw);
// notes its name in plan.fault for the recorder.
Fault pick_fault(ApiContext& ctx, std::string_view model, Plan& plan);

// Fills `plan` (already reset) for a request to any non-control route.
void handle_api(ApiContext& ctx, const RequestView& req, Plan& plan);

// Each returns false (and leaves `plan` alone) when the request is not one
// of its routes. See README.md for how a route is told apart.
bool handle_anthropic(ApiContext& ctx, const RequestView& req, Plan& plan);
bool handle_gemini(ApiContext& ctx, const RequestView& req, Plan& plan);
bool handle_ollama(ApiContext& ctx, const RequestView& req, Plan& plan);
// Everything else, including the 404 for unknown paths.
void handle_openai(ApiContext& ctx, const RequestView& req, Plan& plan);

}  // namespace aisbf_mock

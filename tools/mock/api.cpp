#include "api.hpp"

namespace aisbf_mock {

Fault pick_fault(ApiContext& ctx, std::string_view model, Plan& plan) {
  const Fault fault = ctx.dice.pick(model);
  plan.fault = fault_name(fault);
  return fault;
}

void handle_api(ApiContext& ctx, const RequestView& req, Plan& plan) {
  if (handle_ollama(ctx, req, plan)) return;
  if (handle_gemini(ctx, req, plan)) return;
  if (handle_anthropic(ctx, req, plan)) return;
  handle_openai(ctx, req, plan);
}

}  // namespace aisbf_mock

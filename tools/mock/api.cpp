#include "api.hpp"

namespace aisbf_mock {

void handle_api(ApiContext& ctx, const RequestView& req, Plan& plan) {
  if (handle_ollama(ctx, req, plan)) return;
  if (handle_gemini(ctx, req, plan)) return;
  if (handle_anthropic(ctx, req, plan)) return;
  handle_openai(ctx, req, plan);
}

}  // namespace aisbf_mock

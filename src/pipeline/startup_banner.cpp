#include "pipeline/startup_banner.hpp"

#include <fmt/format.h>

#include "dashboard/assets.hpp"
#include "providers/registry.hpp"

namespace aisbf {

bool provider_live(const ProviderConfig& provider) {
  if (find_provider_adapter(provider.type, provider.api) == nullptr) return false;
  return !provider.api_key_required || !provider.api_key.empty();
}

std::vector<std::string> startup_banner(const BannerInput& in) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("OpenAI-compatible API at {}/api/v1 (and {}/v1), Anthropic Messages at {}/v1/messages",
                              in.url, in.url, in.url));
  if (dashboard::enabled(in.config->aisbf)) lines.push_back(fmt::format("dashboard: {}/dashboard/", in.url));
  lines.push_back(fmt::format("configuration: {}", in.config_dir.string()));
  for (const auto& found : in.first_run)
    lines.push_back(fmt::format("first start: provider '{}' created from {}", found.id, found.origin));
  std::string live, idle;
  for (const auto& provider : in.config->providers) {
    auto& list = provider_live(provider) ? live : idle;
    list.append(list.empty() ? "" : ", ").append(provider.id);
  }
  if (!live.empty()) {
    lines.push_back(fmt::format("providers live: {}", live));
  } else {
    lines.push_back(fmt::format(
        "no provider can serve yet: set OPENAI_API_KEY (or ANTHROPIC_API_KEY, GEMINI_API_KEY, …) before the first "
        "start, or add one to {} (or in the dashboard)",
        (in.config_dir / "providers.json").string()));
  }
  if (!idle.empty()) lines.push_back(fmt::format("providers not usable yet (no key, or a type not built): {}", idle));
  if (in.password_file)
    lines.push_back(fmt::format("admin login: the password is in {}; change it at the first login",
                                (in.config_dir / "initial-admin-password").string()));
  return lines;
}

}  // namespace aisbf

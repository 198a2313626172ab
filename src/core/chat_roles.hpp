// The canonical roles (chat_types.hpp) and their names, as OpenAI's chat
// wire spells them: one table for the codecs, the token counter and the
// condensation transcripts. Formats with other rules (Anthropic's
// user/assistant turns, Ollama's system for developer) map around it.
#pragma once

#include <optional>
#include <string_view>

#include "core/chat_types.hpp"

namespace aisbf {

// "system", "developer", "user", "assistant", "tool".
constexpr std::string_view role_name(Role role) {
  switch (role) {
    case Role::system:
      return "system";
    case Role::developer:
      return "developer";
    case Role::user:
      return "user";
    case Role::assistant:
      return "assistant";
    case Role::tool:
      return "tool";
  }
  return "user";
}

// The role a name means; OpenAI's legacy "function" is a tool message.
// nullopt for any other name.
constexpr std::optional<Role> parse_role(std::string_view name) {
  if (name == "system") return Role::system;
  if (name == "developer") return Role::developer;
  if (name == "user") return Role::user;
  if (name == "assistant") return Role::assistant;
  if (name == "tool" || name == "function") return Role::tool;
  return std::nullopt;
}

}  // namespace aisbf

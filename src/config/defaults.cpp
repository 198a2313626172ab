// AISBF's default providers.json, rotations.json and autoselect.json, as
// AISBF 0.99.83 ships them; used when a file is missing.
#include "config/defaults.hpp"

namespace aisbf::config_detail {

std::string_view default_providers_json() {
  static constexpr std::string_view kText = R"aisbf({
  "providers": {
    "codex": {
      "id": "codex",
      "name": "Codex / ChatGPT OAuth2",
      "endpoint": "https://chatgpt.com/backend-api",
      "type": "codex",
      "api_key_required": false,
      "is_subscription": true,
      "free_tier_limit": 1,
      "free_tier_period": "week",
      "free_tier_limit_type": "requests",
      "premium_reference_monthly_cost": 20,
      "free_tier_description": "Codex upstream weekly free-tier equivalent",
      "rate_limit": 0,
      "models": []
    },
    "kiro": {
      "id": "kiro",
      "name": "Kiro CLI",
      "endpoint": "https://api.kiro.dev",
      "type": "kiro",
      "api_key_required": false,
      "is_subscription": true,
      "free_tier_limit": 50,
      "free_tier_period": "month",
      "free_tier_limit_type": "requests",
      "premium_reference_monthly_cost": 19,
      "free_tier_description": "Kiro upstream 50 requests/month free tier",
      "rate_limit": 0,
      "models": []
    },
    "claude": {
      "id": "claude",
      "name": "Claude OAuth2",
      "endpoint": "https://api.anthropic.com",
      "type": "claude",
      "api_key_required": false,
      "is_subscription": true,
      "free_tier_limit": 1,
      "free_tier_period": "month",
      "free_tier_limit_type": "requests",
      "premium_reference_monthly_cost": 20,
      "free_tier_description": "Claude upstream subscription/free-tier equivalent",
      "rate_limit": 0,
      "models": []
    },
    "kilo": {
      "id": "kilo",
      "name": "Kilocode (OAuth2)",
      "endpoint": "https://api.kilo.ai",
      "type": "kilo",
      "api_key_required": false,
      "is_subscription": true,
      "free_tier_limit": 1,
      "free_tier_period": "month",
      "free_tier_limit_type": "requests",
      "premium_reference_monthly_cost": 0,
      "free_tier_description": "Kilo upstream free-tier/subscription equivalent",
      "rate_limit": 0,
      "kilo_config": {
        "credentials_file": "~/.kilo_credentials.json"
      },
      "models": []
    },
    "coderai": {
      "id": "coderai",
      "name": "CoderAI Broker",
      "endpoint": "http://127.0.0.1:11437",
      "type": "coderai",
      "api_key_required": false,
      "rate_limit": 0,
      "coderai_config": {
        "transport": "broker",
        "http_enabled": false,
        "websocket_enabled": false,
        "broker_enabled": true,
        "broker_mode": true,
        "broker_preferred": true,
        "discovery_enabled": true,
        "client_id": "aisbf-default",
        "bridge_path": "/coderai/ws",
        "registration_path": "/coderai/register"
      },
      "models": []
    }
  }
}
)aisbf";
  return kText;
}

std::string_view default_rotations_json() {
  static constexpr std::string_view kText = R"aisbf({
  "notifyerrors": false,
  "rotations": {
  }
}
)aisbf";
  return kText;
}

std::string_view default_autoselect_json() {
  static constexpr std::string_view kText = R"aisbf({
  "autoselect": {
    "nsfw": false,
    "privacy": false,
    "classify_nsfw": false,
    "classify_privacy": false,
    "classify_semantic": false,
    "model_name": "autoselect",
    "description": "Auto-selects the best rotating model based on user prompt analysis",
    "selection_model": "general",
    "fallback": "general",
    "capabilities": ["t2t", "reasoning", "multimodal"],
    "available_models": [
    ]
  }
}
)aisbf";
  return kText;
}

std::string_view default_file_text(std::string_view file_name) {
  if (file_name == kAisbfFile) return default_aisbf_json();
  if (file_name == kProvidersFile) return default_providers_json();
  if (file_name == kRotationsFile) return default_rotations_json();
  if (file_name == kAutoselectFile) return default_autoselect_json();
  return {};
}

}  // namespace aisbf::config_detail

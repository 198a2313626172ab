// AISBF's default aisbf.json (from AISBF 0.99.83) with our sections
// (routing, autoselect, classify_window) at their defaults, made safe to generate:
// it binds 127.0.0.1 with auth off, and leaves out AISBF's known default
// dashboard password (sha256 of "admin") and its placeholder auth and MCP
// tokens, so that nothing in a generated file is a known credential.
#include "config/defaults.hpp"

namespace aisbf::config_detail {

std::string_view default_aisbf_json() {
  static constexpr std::string_view kText = R"aisbf({
  "database": {
    "type": "sqlite",
    "sqlite_path": "~/.aisbf/aisbf.db",
    "mysql_host": "localhost",
    "mysql_port": 3306,
    "mysql_user": "aisbf",
    "mysql_password": "",
    "mysql_database": "aisbf"
  },
  "classify_nsfw": false,
  "classify_privacy": false,
  "classify_semantic": false,
  "classify_window": 0,
  "server": {
    "host": "127.0.0.1",
    "port": 17765,
    "protocol": "http",
    "ssl_certfile": null,
    "ssl_keyfile": null
  },
  "auth": {
    "enabled": false,
    "tokens": []
  },
  "mcp": {
    "enabled": false,
    "autoselect_tokens": [],
    "fullconfig_tokens": []
  },
  "dashboard": {
    "enabled": true,
    "username": "admin"
  },
  "internal_model": {
    "condensation_model_id": "huihui-ai/Qwen2.5-0.5B-Instruct-abliterated-v3",
    "autoselect_model_id": "huihui-ai/Qwen2.5-0.5B-Instruct-abliterated-v3",
    "nsfw_classifier": "michelleli99/NSFW_text_classifier",
    "privacy_classifier": "iiiorg/piiranha-v1-detect-personal-information",
    "semantic_vectorization": "sentence-transformers/all-MiniLM-L6-v2"
  },
  "cache": {
    "type": "sqlite",
    "sqlite_path": "~/.aisbf/cache.db",
    "redis_host": "localhost",
    "redis_port": 6379,
    "redis_db": 0,
    "redis_password": null,
    "redis_key_prefix": "aisbf:",
    "mysql_host": "localhost",
    "mysql_port": 3306,
    "mysql_user": "aisbf",
    "mysql_password": "",
    "mysql_database": "aisbf_cache"
  },
  "response_cache": {
    "enabled": true,
    "backend": "memory",
    "ttl": 600,
    "max_memory_cache": 1000,
    "redis_host": "localhost",
    "redis_port": 6379,
    "redis_db": 0,
    "redis_password": null,
    "redis_key_prefix": "aisbf:response:",
    "sqlite_path": "~/.aisbf/response_cache.db",
    "mysql_host": "localhost",
    "mysql_port": 3306,
    "mysql_user": "aisbf",
    "mysql_password": "",
    "mysql_database": "aisbf_response_cache"
  },
  "feature_controls": {
    "nsfw_classification": {
      "mode": "disabled"
    },
    "privacy_classification": {
      "mode": "disabled"
    },
    "context_condensation": {
      "mode": "inherit"
    },
    "response_cache": {
      "mode": "enabled"
    },
    "prompt_batching": {
      "mode": "disabled"
    },
    "prompt_security": {
      "security_scan": {
        "mode": "disabled"
      },
      "context_lens": {
        "mode": "disabled"
      },
      "block_high_risk_prompts": {
        "mode": "disabled"
      },
      "persist_prompt_text": {
        "mode": "disabled"
      },
      "redact_before_persist": {
        "mode": "enabled"
      },
      "risk_threshold": "high"
    }
  },
  "tor": {
    "enabled": false,
    "control_port": 9051,
    "control_host": "127.0.0.1",
    "control_password": "",
    "hidden_service_dir": "",
    "hidden_service_port": 80,
    "socks_port": 9050,
    "socks_host": "127.0.0.1"
  },
  "batching": {
    "enabled": false,
    "window_ms": 100,
    "max_batch_size": 8,
    "provider_settings": {
      "openai": {
        "enabled": true,
        "max_batch_size": 10
      },
      "anthropic": {
        "enabled": true,
        "max_batch_size": 5
      }
    }
  },
  "adaptive_rate_limiting": {
    "enabled": true,
    "initial_rate_limit": 0,
    "learning_rate": 0.1,
    "headroom_percent": 10,
    "recovery_rate": 0.05,
    "max_rate_limit": 60,
    "min_rate_limit": 0.1,
    "backoff_base": 2,
    "jitter_factor": 0.25,
    "history_window": 3600,
    "consecutive_successes_for_recovery": 10
  },
  "routing": {
    "max_attempts": 5,
    "max_attempts_per_model": 2,
    "failure_threshold": 3,
    "default_error_cooldown": 300,
    "max_rate_limit_wait": 30
  },
  "autoselect": {
    "selection_timeout": 10,
    "cache_ttl": 600,
    "cache_max_entries": 10000,
    "history_messages": 10,
    "history_tokens": 8000
  },
  "client_rate_limiting": {
    "enabled": false,
    "api": {
      "requests_per_minute": 60,
      "requests_per_hour": 1000
    },
    "general": {
      "requests_per_minute": 120,
      "requests_per_hour": 3000
    }
  },
  "signup": {
    "enabled": false,
    "require_email_verification": true,
    "verification_token_expiry_hours": 24
  },
  "smtp": {
    "enabled": false,
    "host": "localhost",
    "port": 587,
    "username": "",
    "password": "",
    "use_tls": true,
    "use_ssl": false,
    "from_email": "noreply@example.com",
    "from_name": "AISBF"
  },
  "oauth2": {
    "google": {
      "enabled": false,
      "client_id": "",
      "client_secret": "",
      "scopes": [
        "openid",
        "email",
        "profile"
      ]
    },
    "github": {
      "enabled": false,
      "client_id": "",
      "client_secret": "",
      "scopes": [
        "user:email",
        "read:user"
      ]
    }
  },
  "billing": {
    "currency": "EUR",
    "currency_symbol": "€",
    "currency_decimals": 2,
    "payment_methods": {
      "paypal": {
        "enabled": false,
        "client_id": "",
        "client_secret": "",
        "mode": "sandbox"
      },
      "stripe": {
        "enabled": false,
        "publishable_key": "",
        "secret_key": "",
        "webhook_secret": "",
        "mode": "test"
      },
      "bitcoin": {
        "enabled": false,
        "wallet_address": "",
        "confirmations_required": 3
      },
      "eth": {
        "enabled": false,
        "wallet_address": "",
        "chain_id": 1,
        "confirmations_required": 12
      },
      "usdt": {
        "enabled": false,
        "wallet_address": "",
        "chain": "ethereum",
        "confirmations_required": 12
      },
      "usdc": {
        "enabled": false,
        "wallet_address": "",
        "chain": "ethereum",
        "confirmations_required": 12
      }
    }
  }
}
)aisbf";
  return kText;
}

}  // namespace aisbf::config_detail

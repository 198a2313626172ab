// The first start: instead of AISBF's default providers (OAuth types that
// are not usable until set up, and an autoselect whose fallback rotation
// does not exist), a providers.json with a provider for each API key found
// in the environment (stored as an "env:NAME" reference, never the key) and
// for an Ollama that answered, and an empty autoselect.json: a config that
// loads without warnings and serves at once. Generation is pure (the
// environment comes as a lookup); write_first_run_files writes the two files.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace aisbf {

// A well-known key variable and the provider made for it.
struct EnvProvider {
  std::string_view id;            // the provider id written
  std::string_view name;          // its display name
  std::string_view type;          // providers.json type
  std::string_view preset;        // an OpenAI-compatible preset, or ""
  std::string_view endpoint;      // the service's documented base URL
  std::string_view key_vars[2];   // the first one set wins ("" : none)
  std::string_view base_url_var;  // overrides `endpoint` when set (OPENAI_BASE_URL, …)
};
std::span<const EnvProvider> env_providers();

using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup process_env();  // getenv, an empty value as unset

struct FirstRunFound {
  std::string id;
  std::string origin;  // "env:OPENAI_API_KEY", or "ollama at http://…"
};

struct FirstRunDocs {
  std::string providers_json;
  std::string autoselect_json;
  std::vector<FirstRunFound> found;
};
// `ollama_url`: the base URL where an Ollama answered (none: none did).
FirstRunDocs first_run_docs(const EnvLookup& env, const std::optional<std::string>& ollama_url);

// True when `dir` holds neither aisbf.json nor providers.json (nothing to keep).
bool is_first_start(const std::filesystem::path& dir);

// Creates `dir` (0700) and writes providers.json and autoselect.json (0600,
// atomically) where they do not exist; load_config then writes AISBF's
// defaults for the other two.
// Returns an error text, empty on success.
std::string write_first_run_files(const std::filesystem::path& dir, const FirstRunDocs& docs);

}  // namespace aisbf

// The first start's look for a local Ollama: GET {base}/api/tags, answered
// 200 with a JSON "models" list, within `timeout` (start-up only: it blocks).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace aisbf {

// The URL to probe: $AISBF_OLLAMA_URL (tests point it at aisbf-mock), else
// Ollama's default http://localhost:11434. "off" (or "") in the variable: none.
std::optional<std::string> ollama_probe_url();

// True when an Ollama answered at `base_url` (plain http only). Only an IP
// address or localhost (as 127.0.0.1) is probed: a name lookup could not be
// bounded by `timeout`; another host is logged and not probed.
bool ollama_answers(const std::string& base_url, std::chrono::milliseconds timeout);

}  // namespace aisbf

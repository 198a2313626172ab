// ProviderAdapter: the pure half of a provider. It turns canonical requests
// into upstream HTTP requests and upstream bytes back into canonical values;
// the pipeline owns every socket. One implementation per wire protocol under
// src/providers/<name>/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/chat_types.hpp"
#include "core/embedding_types.hpp"
#include "core/expected.hpp"
#include "core/gateway_error.hpp"

namespace aisbf {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Provider-native prompt caching as configured for one provider model
// (`enable_native_caching`, `min_cacheable_tokens`, `cache_ttl`,
// `prompt_cache_key`; the model's fields win over the provider's).
struct NativeCache {
  bool enabled = false;            // place cache breakpoints (Anthropic) / use cachedContents (Gemini)
  std::int64_t min_tokens = 1024;  // a prefix is marked only past this many tokens (estimated)
  std::int64_t ttl_seconds = 300;  // Anthropic: >= 3600 is "1h", else "5m"; Gemini: the cache's ttl
  // OpenAI-compatible: "" none, "auto" (a hash of the namespace and the
  // conversation's stable prefix, per request), else sent as it is.
  std::string prompt_cache_key;
};

// What a provider adapter needs to know about where a request goes: a flat
// view of the configuration so that codecs do not depend on config/.
struct UpstreamTarget {
  std::string provider_id;
  std::string provider_type;
  std::string endpoint;        // base URL, path kept (e.g. http://h:1/openai/v1)
  std::string api_key;         // empty when none
  std::string upstream_model;  // model name as the upstream knows it
  HeaderList extra_headers;    // from the provider's config, sent as they are
  // OpenAI-compatible presets (providers/openai/openai_presets.hpp); empty
  // for every other provider.
  std::string preset{};       // e.g. "groq", "azure_openai": auth, path and body quirks of that service
  std::string api_version{};  // Azure OpenAI: a dated api-version ("2024-10-21") or "v1"; empty: the default
  std::string deployment{};   // Azure OpenAI: the model entry's `deployment`; empty: upstream_model
  NativeCache native_cache{};
};

struct UpstreamRequest {
  std::string method = "POST";
  std::string path_suffix;  // appended to the endpoint's path, e.g. "/chat/completions"
  HeaderList headers;       // auth and protocol headers (never the caller's)
  std::string body;
};

// A request body format a client sends and an upstream may take as it is.
enum class BodyFormat : std::uint8_t { none, openai_chat, anthropic_messages, openai_responses };

// How an upstream frames its stream: the pipeline splits the bytes into
// events (SSE blocks or NDJSON lines) before the decoder sees them.
enum class StreamFraming { sse, ndjson };

// Incremental decoder of one upstream stream: fed the payload of each framed
// event (an SSE `data` with its `event` name, an NDJSON line with an empty
// name) and returns canonical events.
class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  virtual Expected<std::vector<StreamEvent>> on_event(std::string_view event_name, std::string_view data) = 0;
  // Called when the upstream closed the stream; an error when it ended early.
  virtual Expected<std::vector<StreamEvent>> on_end() = 0;
};

// One model as a provider's own model list reports it.
struct ProviderModel {
  std::string id;            // the name to send upstream (no "models/" prefix)
  std::string display_name;  // empty when the provider gives none
  std::optional<std::int64_t> context_size;
  std::optional<std::int64_t> max_output_tokens;
  std::optional<double> prompt_price;      // per token, in the provider's currency (OpenRouter reports USD)
  std::optional<double> completion_price;  // per token
  std::vector<std::string> capabilities;   // e.g. "vision", "function_calling", "embeddings"
};

class ProviderAdapter {
 public:
  virtual ~ProviderAdapter() = default;

  virtual std::string_view type() const = 0;

  // The client body format this upstream speaks natively: a body in it is
  // forwarded as bytes with only `model` rewritten, and the upstream's
  // answer relayed as it came (pipeline/chat_attempt.cpp). none: every
  // request is translated.
  virtual BodyFormat passthrough_format() const { return BodyFormat::none; }

  // Headers every request to this provider carries (authentication first).
  virtual HeaderList auth_headers(const UpstreamTarget& target) const = 0;

  // The path appended to the endpoint for a chat request.
  virtual std::string chat_path(const UpstreamTarget& target, bool stream) const = 0;

  virtual Expected<UpstreamRequest> encode_chat(const ChatRequest& request, const UpstreamTarget& target) const = 0;
  virtual Expected<ChatResponse> decode_chat(std::string_view body) const = 0;
  virtual std::unique_ptr<StreamDecoder> make_stream_decoder() const = 0;
  virtual StreamFraming stream_framing() const { return StreamFraming::sse; }
  // The upstream answers streams only (the ChatGPT backend behind `codex`):
  // a whole answer is asked for as a stream and folded
  // (pipeline/translate.cpp), and a non-streamed body is never passed through.
  virtual bool stream_only(const UpstreamTarget& /*target*/) const { return false; }

  // The provider's own model list: the path appended to the endpoint for a
  // GET (with auth_headers), and the decoding of its answer.
  virtual std::string models_path(const UpstreamTarget& target) const = 0;
  virtual Expected<std::vector<ProviderModel>> decode_models(std::string_view body) const = 0;

  // Embeddings (core/embedding_types.hpp): the request for `request.inputs`
  // (path, headers with auth, body) and the decoding of a 200 answer, which
  // must hold one vector per input (`inputs`). A provider type without an
  // embeddings API keeps these defaults: no_embeddings_error, and embeds()
  // false (the /v1/embeddings route refuses it by name, and a rotation's
  // embeddings skip it).
  virtual bool embeds() const { return false; }
  virtual Expected<UpstreamRequest> encode_embeddings(const EmbeddingRequest& /*request*/,
                                                      const UpstreamTarget& /*target*/) const {
    return no_embeddings_error(type());
  }
  virtual Expected<EmbeddingResponse> decode_embeddings(std::string_view /*body*/, std::size_t /*inputs*/) const {
    return no_embeddings_error(type());
  }

  // An upstream error answer as a GatewayError (status, retryability, message).
  virtual GatewayError classify_error(int status, std::string_view body, const UpstreamTarget& target) const = 0;
};

}  // namespace aisbf

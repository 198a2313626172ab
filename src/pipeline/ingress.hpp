// The client-facing formats a request can arrive in, and their codecs.
#pragma once

#include "core/ingress_codec.hpp"
#include "core/provider_adapter.hpp"

namespace aisbf {

enum class IngressFormat { openai_chat, openai_completions, anthropic_messages, openai_responses };

const IngressCodec& ingress_codec(IngressFormat format);

// The body format of a client format, which the upstreams that speak it
// take as bytes (ProviderAdapter::passthrough_format); none: legacy
// completions, which every provider gets translated.
BodyFormat body_format(IngressFormat format);

}  // namespace aisbf

// The client-facing formats a request can arrive in, and their codecs.
#pragma once

#include "core/ingress_codec.hpp"

namespace aisbf {

enum class IngressFormat { openai_chat, openai_completions, anthropic_messages, openai_responses };

const IngressCodec& ingress_codec(IngressFormat format);

}  // namespace aisbf

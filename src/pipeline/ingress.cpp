#include "pipeline/ingress.hpp"

#include "api/anthropic/messages_ingress.hpp"
#include "api/openai/chat_ingress.hpp"
#include "api/openai/completions_ingress.hpp"
#include "api/openai/responses_ingress.hpp"

namespace aisbf {

const IngressCodec& ingress_codec(IngressFormat format) {
  switch (format) {
    case IngressFormat::openai_completions: return api::openai_completions_ingress();
    case IngressFormat::anthropic_messages: return api::anthropic_messages_ingress();
    case IngressFormat::openai_responses: return api::openai_responses_ingress();
    case IngressFormat::openai_chat: break;
  }
  return api::openai_chat_ingress();
}

BodyFormat body_format(IngressFormat format) {
  switch (format) {
    case IngressFormat::openai_chat: return BodyFormat::openai_chat;
    case IngressFormat::anthropic_messages: return BodyFormat::anthropic_messages;
    case IngressFormat::openai_responses: return BodyFormat::openai_responses;
    case IngressFormat::openai_completions: break;
  }
  return BodyFormat::none;
}

}  // namespace aisbf

// Pieces of the OpenAI chat ingress split across files. Internal to api/openai/.
#pragma once

#include <memory>
#include <vector>

#include "api/openai/ingress_common.hpp"
#include "core/ingress_codec.hpp"

namespace aisbf::api::openai_ingress {

// `messages` (already known to be an array) → canonical messages, in order.
Status decode_messages(const json::array& messages, std::vector<Message>& out, DropLog& drops);

std::unique_ptr<StreamEncoder> make_chat_stream_encoder(const EgressContext& context);

}  // namespace aisbf::api::openai_ingress

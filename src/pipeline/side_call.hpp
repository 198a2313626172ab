// A model call a request makes for itself before it is served: condensation
// (condense_llm.hpp), autoselect's selection and NSFW classification
// (autoselect_step.hpp). It goes through chat_in_process (the named
// model's own rotation and failover) with its own deadline within the
// request's, stops when the client leaves, is a usage row of its own
// under the caller (its route says what it was for) and its tokens are
// added to the caller's quota reservation, never refused half-way.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "core/chat_types.hpp"
#include "core/expected.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

struct SideCall {
  std::string_view route;  // the usage row's: "condensation", "autoselect", "classification"
  std::chrono::milliseconds timeout{10'000};
  // The model is the operator's (the condensation block, a global
  // autoselect's selection model): it resolves in the global snapshot even
  // for a request served from a user's view.
  bool operator_model = false;
  bool condensable = false;  // never, for condensation's own calls
};

// Asks `ask.model` (as a client names it). Without reported usage, the
// usage row and the quota count `estimate_text` as the prompt (counted off
// the event loop when large).
boost::asio::awaitable<Expected<ChatResponse>> side_call(RequestContext& ctx, http::UpstreamPool& pool,
                                                         const SideCall& how, ChatRequest ask,
                                                         std::string_view estimate_text);

// The text blocks of an answer, joined.
std::string answer_text(const ChatResponse& response);

}  // namespace aisbf

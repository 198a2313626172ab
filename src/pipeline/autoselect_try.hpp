// "Try it" for an autoselect (the dashboard's box; rows in route_table.cpp):
// POST /api/admin/autoselects/{id}/try (a global autoselect, admins) and
// POST /api/user/autoselects/{id}/try (the caller's own). Body
// {"prompt": "…"} (1 byte to kMaxTryPromptBytes): the choice made for a
// one-message conversation as for a request (autoselect_step.hpp: the
// content filter, the classifiers, the decision cache read, semantic
// selection, the selection model asked), the chat not sent to the chosen
// model and no decision stored. The selection and classification calls are
// usage rows of the caller (route `autoselect`, `classification`) and are
// charged to their quotas: the try reserves as a request does, but at the
// prices of the models it may call (autoselect_call_prices), not of the
// targets. The admin door runs in the global namespace whoever calls it (an
// admin's session too: its decisions are the gateway's, not the admin's).
//
// Answer (200): {"autoselect": id, "chosen": {"candidate", "target", "by"}
// or null, "refusal": {"status", "code", "message"} or null (the request
// would be refused: personal data with no privacy candidate, say),
// "allowed": [the candidates the filter left], "classification":
// {"private_data": [kinds], "nsfw": bool}, "semantic": [{"model_id",
// "score"}] (BM25, when semantic selection ran), "selection": {"model",
// "answer", "failure"} or null (when no selection model was asked)}; a
// failed call's `failure` is its error's text for the operator (an admin, a
// global token), only its kind and status for anyone else.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "api/routes.hpp"
#include "core/expected.hpp"
#include "http/exchange.hpp"
#include "pipeline/autoselect_step.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

class App;

namespace autoselect_try {

inline constexpr std::size_t kMaxTryPromptBytes = 32 * 1024;

// The prompt of a try's body, or the 400 naming `prompt`. Pure.
Expected<std::string> read_prompt(std::string_view body);

// The answer's JSON (above) for autoselect `id`. Pure.
std::string answer_json(std::string_view id, const Expected<AutoselectChoice>& choice, const AutoselectTrace& trace);

boost::asio::awaitable<void> admin(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m);
boost::asio::awaitable<void> user(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m);

}  // namespace autoselect_try
}  // namespace aisbf

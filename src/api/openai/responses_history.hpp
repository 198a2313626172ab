// Stored OpenAI Responses, the pure part (issue 14; docs/responses-api.md):
// what a request says about state (`previous_response_id`, `store`), the
// request body a continuation becomes (the stored conversation spliced into
// `input`), the input items kept for a response (each with an id), the
// response object found in what the client got, and the JSON of the
// GET/DELETE/input_items routes. No I/O: pipeline/stored_responses.hpp
// loads and writes the rows.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/expected.hpp"
#include "core/gateway_error.hpp"

namespace aisbf::api {

// The conversation a stored response answered (its input items, a JSON
// array) and the response object (whose `output` continues it).
struct StoredConversation {
  std::string_view input_json;
  std::string_view response_json;
};

// The body of a continuation: `input` = the stored input items, then the
// stored response's output items, then the request's own input (a string
// becomes one user message), without `previous_response_id`. Everything
// else is the request's own: OpenAI does not carry `instructions` (or
// tools, or settings) over to a continuation. A 413 when the result passes
// `max_bytes` (the gateway's body limit); a 400 when `input` is neither a
// string nor an array; a stored row that does not parse is a 500.
Expected<std::string> expand_previous_response(std::string_view body, const StoredConversation& previous,
                                               std::size_t max_bytes);

// The request's `input` as kept for its response: a JSON array of items,
// each with an `id` (one is generated where the client gave none: msg_…,
// fc_…, fco_…, rs_…, item_…), a string input as one user message item, an
// easy message (no `type`) as a `message` item whose string content is one
// input_text (output_text for the assistant) part. nullopt when the body is
// not a request with an input (nothing is kept).
std::optional<std::string> input_items_to_store(std::string_view body);

// A response object that ended (`status` completed or incomplete) and its
// id, from the text of a response object (a non-stream answer's body, or
// the `response` of a stream's terminal event). nullopt for anything else
// (a failed or in-progress response, an error, not an object). Only the top
// level is walked (it runs on the event loop as the answer goes out): the
// object is not validated, which the caller does before keeping it.
struct FinalResponse {
  std::string id;
  std::string_view json;  // the object's text, within the argument
};
std::optional<FinalResponse> final_response(std::string_view response_object);
// The same for one stream event's data: the `response` of a
// response.completed or response.incomplete event.
std::optional<FinalResponse> final_response_of_event(std::string_view event_name, std::string_view data);

// GET /v1/responses/{id}/input_items query: limit 1..100 (default 20), order
// asc|desc (default desc, newest first, as OpenAI), after/before an item id.
struct InputItemsQuery {
  std::size_t limit = 20;
  bool ascending = false;
  std::string after, before;
};
// `target`: the request target (path and query). A 400 naming the parameter.
Expected<InputItemsQuery> parse_input_items_query(std::string_view target);
// The list object {object:"list", data, first_id, last_id, has_more} of
// `input_json`'s items (a stored row's). An unknown `after`/`before` id
// lists nothing.
std::string input_items_page(std::string_view input_json, const InputItemsQuery& query);

// DELETE's answer.
std::string deleted_response_json(std::string_view id);

// An id that may name a stored response (what the store's key can hold);
// anything else is simply not found.
bool plausible_response_id(std::string_view id);

// The 413 of a continuation whose expanded body is (at least) `bytes`.
GatewayError continuation_too_large(std::string_view id, std::size_t bytes, std::size_t max_bytes);

// 404s in OpenAI's shape: a continuation of an unknown (expired, deleted,
// another namespace's) response, and GET/DELETE of one.
GatewayError previous_response_not_found(std::string_view id);
GatewayError response_not_found(std::string_view id);

}  // namespace aisbf::api

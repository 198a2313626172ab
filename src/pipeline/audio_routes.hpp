// OpenAI's audio API (and the multipart image operations) through the
// gateway, to OpenAI-compatible providers
// (Anthropic, Gemini and Ollama document no such endpoint: a clear 400
// naming the model and the operation).
//
// - transcriptions, translations (multipart/form-data): the body is read
//   as it arrives (http::BodyStream) and written to the upstream as it is
//   read (http::BodySource, chunked), never held: the multipart stream is
//   parsed on the way (api/openai/multipart_form.hpp) to read the `model`
//   field, which routes the request, and to rewrite every `model` field to
//   the upstream's name. What precedes the first `model` field is held
//   (at most 1 MiB: `model` after a larger file part is a 400).
//   A rotation fails over only while no byte of the upload has been sent
//   upstream (a connect or TLS failure): a streamed body cannot be sent
//   twice.
// - speech (JSON): `model` rewritten, the audio relayed as it arrives,
//   chunked, with the upstream's content type (SSE for stream_format
//   "sse"); a rotation fails over like chat while nothing was relayed.
//
// The answers keep the upstream's content type (json, text, srt, vtt,
// verbose_json; SSE transcript events for stream=true) and are relayed
// piece by piece.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/routes.hpp"
#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

class App;

namespace audio_routes {

boost::asio::awaitable<void> transcriptions(App& app, http::Exchange& ex, RequestContext& ctx,
                                            const api::RouteMatch& match);
boost::asio::awaitable<void> translations(App& app, http::Exchange& ex, RequestContext& ctx,
                                          const api::RouteMatch& match);
boost::asio::awaitable<void> speech(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& match);
// images/edits and images/variations: multipart too, relayed the same way
// (the answer as the upstream sends it: its URLs are not rewritten here).
boost::asio::awaitable<void> image_edits(App& app, http::Exchange& ex, RequestContext& ctx,
                                         const api::RouteMatch& match);
boost::asio::awaitable<void> image_variations(App& app, http::Exchange& ex, RequestContext& ctx,
                                              const api::RouteMatch& match);

}  // namespace audio_routes
}  // namespace aisbf

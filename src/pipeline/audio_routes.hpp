// OpenAI's audio API (and the multipart image operations) through the
// gateway, to OpenAI-compatible providers (Anthropic, Gemini and Ollama
// document no such endpoint: a 400 `unsupported_operation` naming the
// model and the operation, as embeddings and images give; an autoselect
// gets the same).
//
// - transcriptions, translations, images/edits, images/variations
//   (multipart/form-data, pipeline/multipart_upload.hpp): the body is read
//   as it arrives and written to the upstream as it is read (chunked),
//   never held; the `model` field routes the request and every `model`
//   field is rewritten to the upstream's name. What precedes the first
//   `model` field is held (at most 1 MiB: `model` after a larger file part
//   is a 400 saying to send `model` first). A rotation fails over only
//   while no byte of the upload has been sent upstream (a connect or TLS
//   failure): a streamed body cannot be sent twice. An upstream that
//   answers before it has read the whole upload (a 413, a 429) is heard:
//   the client gets that answer. The upload counts against
//   server.request_timeout (a trickling client gets the 504).
// - speech (JSON): `model` rewritten, the audio relayed as it arrives,
//   chunked, with the upstream's content type (SSE for stream_format
//   "sse"); a rotation fails over like chat while nothing was relayed.
//
// Audio answers keep the upstream's content type (json, text, srt, vtt,
// verbose_json; SSE transcript events for stream=true) and are relayed
// piece by piece. Image answers are read whole, their URLs through the
// content proxy when media.proxy_urls is on (image_urls.hpp).
//
// As a chat or embeddings request: the quota reserved before the first
// attempt and settled (quota_gate.hpp), each attempt under a TargetGate
// (health, cool-down, rate limits), one usage row per request (route,
// provider, model, status, the tokens the answer reported, cost at the
// model's prices), metrics per attempt. A client that leaves once its
// upload is sent (or during speech) cancels the upstream call.
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
// images/edits and images/variations: multipart too, relayed the same way.
boost::asio::awaitable<void> image_edits(App& app, http::Exchange& ex, RequestContext& ctx,
                                         const api::RouteMatch& match);
boost::asio::awaitable<void> image_variations(App& app, http::Exchange& ex, RequestContext& ctx,
                                              const api::RouteMatch& match);

}  // namespace audio_routes
}  // namespace aisbf

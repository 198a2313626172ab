// `POST …/images/generations` (docs/images.md): OpenAI's image generation
// through a provider model or a rotation, resolved like a chat's model in
// the caller's namespace (`scope`: the {provider_id} of
// /api/{provider_id}/images/generations, empty for the global routes).
//
// - OpenAI-compatible providers: the body is sent on with only `model`
//   rewritten and the answer relayed (its `data[].url`s rewritten to the
//   content proxy when `media.proxy_urls` is on: image_urls.hpp).
// - google: each image is one generateContent call asking for the IMAGE
//   modality (providers/gemini/gemini_images.hpp); `n` images are n calls,
//   in order, answered as OpenAI's `{created, data: [{b64_json}], usage}`.
//   Gemini returns bytes, never URLs: `response_format: "url"` is answered
//   with b64_json too.
// - Any other provider type: a 400 naming the model and the operation; a
//   rotation skips such candidates (400 when none is left).
//
// A rotation fails over like chat (health, limits, max_attempts); usage is
// one row per request with the tokens the upstream reported (none: zero,
// not estimated from the image bytes) and the quota reserved and settled as
// a chat's.
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

boost::asio::awaitable<void> serve_image_generations(http::Exchange& ex, RequestContext& ctx, std::string_view scope);

}  // namespace aisbf

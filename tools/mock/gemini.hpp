// The Gemini API (Generative Language v1beta) of aisbf-mock (internal to
// gemini.cpp and gemini_chat.cpp). handle_gemini in api.hpp is the entry point.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "api.hpp"
#include "faults.hpp"

namespace aisbf_mock {

inline constexpr std::string_view kGeminiJson = "application/json; charset=UTF-8";

// {"error":{"code","message","status"[,"details"]}} with HTTP status `code`;
// `details` is a JSON array text or empty.
void gemini_error(Plan& plan, int code, std::string_view status, std::string_view message,
                  std::string_view details = {});

// :generateContent / :streamGenerateContent after auth, JSON and the status
// faults. `sse`: the stream was asked with alt=sse (else a JSON array).
void gemini_generate(ApiContext& ctx, const boost::json::object& body, std::string_view model, Fault fault, bool stream,
                     bool sse, Plan& plan);

// Context caches (gemini_cache.cpp): POST …/cachedContents and GET
// …/cachedContents/{id} after auth; gemini_use_cache checks a generate
// request's `cachedContent` (false: the error is in `plan`) and gives the
// cache's words (0 without one).
void gemini_cache_create(ApiContext& ctx, const boost::json::object& body, Plan& plan);
void gemini_cache_get(ApiContext& ctx, std::string_view name, Plan& plan);
bool gemini_use_cache(ApiContext& ctx, const boost::json::object& body, std::string_view model, std::size_t& words,
                      Plan& plan);

// :batchEmbedContents after auth, JSON and the status faults (gemini_embed.cpp).
void gemini_batch_embed(const boost::json::object& body, std::string_view model, Fault fault, Plan& plan);
// POST …/models/{model}:embedContent (gemini_embed.cpp).
void gemini_embed(const boost::json::object& body, std::string_view model, Fault fault, Plan& plan);

}  // namespace aisbf_mock

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

// :batchEmbedContents after auth, JSON and the status faults (gemini_embed.cpp).
void gemini_batch_embed(const boost::json::object& body, std::string_view model, Fault fault, Plan& plan);

}  // namespace aisbf_mock

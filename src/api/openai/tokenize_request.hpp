// `POST /api/v1/tokenize`'s body and answer: `{"model", "messages"|"input",
// "tools"?}` → `{"tokens": N, "encoding": "...", "exact": bool}`. Pure: the
// pipeline resolves `model` to the upstream's name and picks the tokenizer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "context/token_count.hpp"
#include "core/chat_types.hpp"
#include "core/expected.hpp"

namespace aisbf::api {

struct TokenizeRequest {
  std::string model;
  bool chat = false;               // "messages": counted with the chat rule
  std::vector<std::string> input;  // "input" (a string or an array of them): plain text
  ChatRequest request;             // the messages (OpenAI chat's codec) and the tools
};

// 400s name the field: model missing or empty, both or neither of messages
// and input, input not a string or an array of strings, messages or tools
// the OpenAI chat codec refuses.
Expected<TokenizeRequest> decode_tokenize_request(std::string_view body);

struct TokenizeCount {
  std::int64_t tokens = 0;
  context::Encoding encoding = context::Encoding::cl100k_base;
  bool exact = false;  // the model's own tokenizer and rules, no assumed image size
};

// `exact_model`: the encoding is the upstream model's own (encoding_for_model).
TokenizeCount count_tokenize_request(const TokenizeRequest& request, const context::Tokenizer& tokenizer,
                                     bool exact_model);

std::string tokenize_response_json(const TokenizeCount& count);

}  // namespace aisbf::api

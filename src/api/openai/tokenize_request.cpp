#include "api/openai/tokenize_request.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "api/openai/chat_ingress.hpp"
#include "api/openai/ingress_common.hpp"

namespace aisbf::api {

namespace {

using namespace openai_ingress;

Status read_input(const json::value& input, std::vector<std::string>& out) {
  if (input.is_string()) {
    out.emplace_back(input.get_string());
    return std::nullopt;
  }
  if (!input.is_array()) return field_error("input", "expected a string or an array of strings", "invalid_type");
  const auto& items = input.get_array();
  out.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_string()) return field_error(path_index("input", i), "expected a string", "invalid_type");
    out.emplace_back(items[i].get_string());
  }
  return std::nullopt;
}

// The tools beside "input", through the chat codec (the same checks and
// shapes as a chat request's), on a request of one empty message.
Status read_tools(const json::value& tools, ChatRequest& out) {
  json::object holder;
  holder["model"] = "tokenize";
  holder["messages"] = json::array{json::object{{"role", "user"}, {"content", ""}}};
  holder["tools"] = tools;
  auto decoded = openai_chat_ingress().decode_request(json::serialize(holder));
  if (!decoded) return decoded.take_error();
  out.tools = std::move(decoded->tools);
  return std::nullopt;
}

}  // namespace

Expected<TokenizeRequest> decode_tokenize_request(std::string_view body) {
  auto root = parse_request_object(body);
  if (!root) return root.take_error();
  TokenizeRequest out;
  if (member(*root, "model") == nullptr) return field_error("model", "required", "missing_field");
  if (auto e = read_string(member(*root, "model"), "model", out.model)) return *std::move(e);
  if (out.model.empty()) return field_error("model", "must not be empty", "invalid_value");
  const json::value* messages = member(*root, "messages");
  const json::value* input = member(*root, "input");
  if ((messages == nullptr) == (input == nullptr)) {
    return field_error(messages == nullptr ? "messages" : "input",
                       "give either \"messages\" (a chat) or \"input\" (text), not both nor neither",
                       messages == nullptr ? "missing_field" : "invalid_value");
  }
  if (messages != nullptr) {
    auto decoded = openai_chat_ingress().decode_request(body);
    if (!decoded) return decoded.take_error();
    out.chat = true;
    out.request = std::move(*decoded);
    return out;
  }
  if (auto e = read_input(*input, out.input)) return *std::move(e);
  if (const json::value* tools = member(*root, "tools")) {
    if (auto e = read_tools(*tools, out.request)) return *std::move(e);
  }
  return out;
}

TokenizeCount count_tokenize_request(const TokenizeRequest& request, const context::Tokenizer& tokenizer,
                                     bool exact_model) {
  const context::ChatTokenCounter counter(tokenizer);
  TokenizeCount out{0, tokenizer.encoding(), exact_model};
  if (request.chat) {
    out.tokens = counter.request(request.request);
    out.exact = exact_model && !context::has_assumed_image(request.request);
    return out;
  }
  for (const auto& text : request.input) out.tokens += counter.text(text);
  out.tokens += counter.tools(request.request.tools);
  return out;
}

std::string tokenize_response_json(const TokenizeCount& count) {
  json::object out;
  out["tokens"] = count.tokens;
  out["encoding"] = context::encoding_name(count.encoding);
  out["exact"] = count.exact;
  return json::serialize(out);
}

}  // namespace aisbf::api

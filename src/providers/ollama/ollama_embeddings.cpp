// Ollama's embeddings, `POST /api/embed` (docs/api.md, "Generate Embeddings";
// https://github.com/ollama/ollama/blob/main/docs/api.md#generate-embeddings):
//   request  {"model","input":["…", …][, "dimensions"]}
//   answer   {"model","embeddings":[[…], …],"total_duration","load_duration",
//             "prompt_eval_count"}
// one vector per input in the inputs' order; prompt_eval_count is the
// input tokens. (The older /api/embeddings takes one `prompt` per call and
// is superseded.)
#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "core/json_read.hpp"
#include "providers/ollama/ollama_adapter.hpp"

namespace aisbf::ollama {

namespace json = boost::json;

Expected<UpstreamRequest> OllamaAdapter::encode_embeddings(const EmbeddingRequest& request,
                                                           const UpstreamTarget& target) const {
  UpstreamRequest out;
  // Same endpoint rule as chat_path: an endpoint ending in /api already has it.
  out.path_suffix = chat_path(target, false) == "/chat" ? "/embed" : "/api/embed";
  out.headers = auth_headers(target);
  out.headers.emplace_back("Content-Type", "application/json");
  json::object body;
  body["model"] = target.upstream_model;
  json::array input;
  for (const auto& text : request.inputs) input.emplace_back(text);
  body["input"] = std::move(input);
  if (request.dimensions) body["dimensions"] = *request.dimensions;
  out.body = json::serialize(body);
  return out;
}

Expected<EmbeddingResponse> OllamaAdapter::decode_embeddings(std::string_view body, std::size_t inputs) const {
  auto root = json_read::parse_object(body, "embeddings answer");
  if (!root) return root.take_error();
  if (auto message = json_read::string_member(*root, "error"); !message.empty())
    return make_error(ErrorKind::upstream_status, fmt::format("ollama: {}", json_read::excerpt(message, 300)));
  auto vectors = embedding_read::vectors_in(*root, "embeddings", {}, body, inputs);
  if (!vectors) return vectors.take_error();
  EmbeddingResponse out;
  out.vectors = std::move(*vectors);
  out.prompt_tokens = json_read::optional_int_member(*root, "prompt_eval_count");
  return out;
}

}  // namespace aisbf::ollama

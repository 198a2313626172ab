// OpenAI-compatible embeddings, `POST {endpoint}/embeddings`
// (https://platform.openai.com/docs/api-reference/embeddings/create):
//   request  {"model","input":[…],"encoding_format":"float"[, "dimensions"]}
//   answer   {"object":"list","data":[{"object":"embedding","index":i,
//             "embedding":[…]}],"model","usage":{"prompt_tokens","total_tokens"}}
// `encoding_format: "float"` is asked for explicitly: the SDKs default to
// base64, and a compatible server may follow them. Entries are placed by
// their `index` (the order is documented as the inputs', but an index says
// so for certain). Azure OpenAI takes the same body on
// /openai/deployments/{deployment}/embeddings?api-version=… with the
// api-key header, or on /openai/v1/embeddings with the deployment as model
// (https://learn.microsoft.com/azure/ai-foundry/openai/reference):
// operation_path and auth_headers follow the preset.
#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "core/json_read.hpp"
#include "providers/openai/openai_adapter.hpp"

namespace aisbf::openai {

namespace json = boost::json;

Expected<UpstreamRequest> OpenAiAdapter::encode_embeddings(const EmbeddingRequest& request,
                                                           const UpstreamTarget& target) const {
  UpstreamRequest out;
  out.path_suffix = operation_path(target, "embeddings");
  out.headers = auth_headers(target);
  out.headers.emplace_back("Content-Type", "application/json");
  json::object body;
  body["model"] = body_model(target);
  json::array input;
  for (const auto& text : request.inputs) input.emplace_back(text);
  body["input"] = std::move(input);
  body["encoding_format"] = "float";
  if (request.dimensions) body["dimensions"] = *request.dimensions;
  out.body = json::serialize(body);
  return out;
}

Expected<EmbeddingResponse> OpenAiAdapter::decode_embeddings(std::string_view body, std::size_t inputs) const {
  auto root = json_read::parse_object(body, "embeddings answer");
  if (!root) return root.take_error();
  if (auto embedded = wire_read::embedded_error(*root)) return std::move(*embedded);
  const json::array* data = json_read::array_member(*root, "data");
  if (data == nullptr)
    return json_read::protocol_error(
        fmt::format("upstream embeddings answer has no `data` array: {}", json_read::excerpt(body, 120)));
  EmbeddingResponse out;
  if (data->size() != inputs)
    return json_read::protocol_error(fmt::format("upstream returned {} embeddings for {} inputs", data->size(), inputs));
  out.vectors.resize(inputs);
  for (std::size_t i = 0; i < data->size(); ++i) {
    const json::object* entry = (*data)[i].if_object();
    if (entry == nullptr) return json_read::protocol_error("upstream embeddings entry is not an object");
    const auto index = json_read::optional_int_member(*entry, "index").value_or(static_cast<std::int64_t>(i));
    if (index < 0 || static_cast<std::size_t>(index) >= inputs || !out.vectors[index].empty())
      return json_read::protocol_error(fmt::format("upstream embeddings entry has a bad or repeated index {}", index));
    auto vector = embedding_read::vector_of(entry->if_contains("embedding"), "embedding");
    if (!vector) return vector.take_error();
    out.vectors[index] = std::move(*vector);
  }
  if (auto bad = embedding_read::check_vectors(out.vectors, inputs)) return std::move(*bad);
  if (const json::object* usage = json_read::object_member(*root, "usage"))
    out.prompt_tokens = json_read::optional_int_member(*usage, "prompt_tokens");
  return out;
}

}  // namespace aisbf::openai

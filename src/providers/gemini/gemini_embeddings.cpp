// Gemini's embeddings (https://ai.google.dev/api/embeddings):
// `POST {endpoint}/models/{model}:batchEmbedContents`
//   request  {"requests":[{"model":"models/{model}","content":{"parts":[{"text":"…"}]}
//             [, "taskType"][, "outputDimensionality"]}, …]}
//   answer   {"embeddings":[{"values":[…]}, …]}
// one embedding per request, "in the same order as provided in the batch
// request". Each request's `model` must be the one in the path. One text
// the client gave as a string (EmbeddingRequest::single) goes to
// `:embedContent` instead: the same EmbedContentRequest as the body, and
// `{"embedding":{"values":[…]}}` back. Neither answer reports a token
// count: the caller estimates it.
#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "core/json_read.hpp"
#include "providers/gemini/gemini_adapter.hpp"

namespace aisbf::gemini {

namespace json = boost::json;

namespace {

// The model's resource name as the body spells it (not percent-encoded).
std::string body_model_name(std::string_view model) {
  if (model.starts_with("models/") || model.starts_with("tunedModels/")) return std::string(model);
  return "models/" + std::string(model);
}

}  // namespace

Expected<UpstreamRequest> GeminiAdapter::encode_embeddings(const EmbeddingRequest& request,
                                                           const UpstreamTarget& target) const {
  UpstreamRequest out;
  const bool single = request.single && request.inputs.size() == 1;
  out.path_suffix = "/" + model_resource(target) + (single ? ":embedContent" : ":batchEmbedContents");
  out.headers = auth_headers(target);
  out.headers.emplace_back("Content-Type", "application/json");
  const std::string model = body_model_name(target.upstream_model);
  json::array requests;
  for (const auto& text : request.inputs) {
    json::object part;
    part["text"] = text;
    json::object content;
    content["parts"] = json::array{std::move(part)};
    json::object one;
    one["model"] = model;
    one["content"] = std::move(content);
    if (!request.task_type.empty()) one["taskType"] = request.task_type;
    if (request.dimensions) one["outputDimensionality"] = *request.dimensions;
    requests.push_back(std::move(one));
  }
  if (single) {
    out.body = json::serialize(requests.front());
    return out;
  }
  json::object body;
  body["requests"] = std::move(requests);
  out.body = json::serialize(body);
  return out;
}

Expected<EmbeddingResponse> GeminiAdapter::decode_embeddings(std::string_view body, std::size_t inputs) const {
  auto root = json_read::parse_object(body, "embeddings answer");
  if (!root) return root.take_error();
  // embedContent's answer holds one `embedding`, a batch's `embeddings`.
  if (const json::object* one = json_read::object_member(*root, "embedding"); one != nullptr && inputs == 1) {
    auto vector = embedding_read::vector_of(one->if_contains("values"), "embedding.values");
    if (!vector) return vector.take_error();
    EmbeddingResponse out;
    out.vectors.push_back(std::move(*vector));
    return out;
  }
  auto vectors = embedding_read::vectors_in(*root, "embeddings", "values", body, inputs);
  if (!vectors) return vectors.take_error();
  return EmbeddingResponse{std::move(*vectors), std::nullopt};
}

}  // namespace aisbf::gemini

// Gemini's POST …/models/{model}:batchEmbedContents for aisbf-mock
// (https://ai.google.dev/api/embeddings): {"requests":[EmbedContentRequest…]}
// in, {"embeddings":[{"values":[…]}…]} out, one embedding per request in
// the requests' order. Errors are Gemini's (gemini_error).
#include <string>

#include "chat_common.hpp"
#include "embed.hpp"
#include "gemini.hpp"

namespace aisbf_mock {
namespace json = boost::json;
namespace {

// The API's limit (the 400 below is what it answers above it).
constexpr std::size_t kMaxBatch = 100;

// Every part's text, joined with "\n": the text one EmbedContentRequest embeds.
bool content_text(const json::object& request, std::string& text) {
  const json::object* content = object_at(request, "content");
  const json::array* parts = content != nullptr ? array_at(*content, "parts") : nullptr;
  if (parts == nullptr) return false;
  bool any = false;
  for (const auto& part : *parts) {
    const json::object* p = part.if_object();
    const json::value* t = p != nullptr ? p->if_contains("text") : nullptr;
    if (t == nullptr || !t->is_string()) continue;
    if (any) text.push_back('\n');
    text += t->get_string();
    any = true;
  }
  return any;
}

// "* BatchEmbedContentsRequest.requests[i].<field>: <what>" as a 400.
void bad_request(Plan& plan, std::size_t i, std::string_view field, std::string_view what) {
  const std::string where = "* BatchEmbedContentsRequest.requests[" + std::to_string(i) + "].";
  gemini_error(plan, 400, "INVALID_ARGUMENT", where + std::string(field) + ": " + std::string(what) + "\n");
}

// One EmbedContentRequest checked: its model names the path's, it has text,
// and outputDimensionality (camelCase or snake_case) is a positive integer
// when set (0 is unset, as in protobuf). `dims` is 0 when not set.
bool check_request(const json::value& item, std::size_t i, std::string_view model, std::string& text,
                   std::int64_t& dims, Plan& plan) {
  const json::object* request = item.if_object();
  if (request == nullptr) {
    bad_request(plan, i, "content", "content is not specified");
    return false;
  }
  const std::string_view named = string_at(*request, "model");
  if (!named.empty() && !named.starts_with("models/")) {
    bad_request(plan, i, "model", "unexpected model name format");
    return false;
  }
  if (named.empty() || named.substr(7) != model) {
    bad_request(plan, i, "model", "the model of each request must be the one in the URL, models/" + std::string(model));
    return false;
  }
  if (!content_text(*request, text)) {
    bad_request(plan, i, "content", "content is not specified");
    return false;
  }
  dims = 0;
  if (const json::value* d = either_at(*request, "outputDimensionality", "output_dimensionality");
      d != nullptr && !d->is_null()) {
    if (!d->is_int64() || d->get_int64() < 0 || d->get_int64() > 65536) {
      bad_request(plan, i, "output_dimensionality", "must be an integer between 0 and 65536");
      return false;
    }
    dims = d->get_int64();
  }
  return true;
}

}  // namespace

void gemini_batch_embed(const json::object& body, std::string_view model, Fault fault, Plan& plan) {
  const json::array* requests = array_at(body, "requests");
  if (requests == nullptr || requests->empty()) {
    gemini_error(plan, 400, "INVALID_ARGUMENT", "* BatchEmbedContentsRequest.requests: requests is not specified\n");
    return;
  }
  if (requests->size() > kMaxBatch) {
    gemini_error(plan, 400, "INVALID_ARGUMENT",
                 "* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch\n");
    return;
  }
  std::vector<std::string> texts(requests->size());
  std::vector<std::int64_t> dims(requests->size());
  for (std::size_t i = 0; i < requests->size(); ++i) {
    if (!check_request((*requests)[i], i, model, texts[i], dims[i], plan)) return;
  }
  if (fault.kind == FaultKind::stream_error) {
    gemini_error(plan, 500, "INTERNAL", "mock mid-stream failure");
    return;
  }
  plan.body = "{\"embeddings\":[";
  std::vector<float> v;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    text_embedding(model, texts[i], default_embedding_dimensions(model), v);
    // "excessive values in the output embedding are truncated from the end"
    if (dims[i] > 0 && static_cast<std::size_t>(dims[i]) < v.size()) v.resize(static_cast<std::size_t>(dims[i]));
    if (i != 0) plan.body.push_back(',');
    plan.body += "{\"values\":";
    append_float_array(plan.body, v);
    plan.body.push_back('}');
  }
  plan.body += "]}";
  apply_delivery_fault(fault, plan);
}

}  // namespace aisbf_mock
